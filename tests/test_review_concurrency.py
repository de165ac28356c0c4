"""Many votes at once: no double vote, no lost decision (PostgreSQL only: SQLite has no row locks)."""

import threading

import pytest
from django.db import IntegrityError, connection
from django.utils import timezone

import workflows
from audit.models import AuditEvent
from audit.services import verify_chain
from reviews.models import Review, Vote

from .reviews_support import answer_and_verify_checklist, make_council, reviewer_for

pytestmark = [
    # Serialized rollback restores the seeded policies and checklist that the flush removes.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="needs PostgreSQL row locks"),
]


def _run_at_once(calls):
    """Start every call together from its own thread; return the exceptions raised."""
    barrier = threading.Barrier(len(calls))
    errors = []

    def run(call):
        try:
            barrier.wait()
            call()
        except Exception as error:  # noqa: BLE001  (collected and asserted by the test)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.fixture
def open_review(make_use_case, alice):
    make_council()
    review = make_use_case("submitted").reviews.get()
    answer_and_verify_checklist(review, alice)
    return Review.objects.get(pk=review.pk)


def test_all_reviewers_voting_at_once_gives_exactly_one_decision(open_review):
    reviewers = [reviewer_for(open_review, role) for role in open_review.required_roles]
    errors = _run_at_once(
        [
            lambda r=r: workflows.vote_cast(actor=r, review=open_review, choice="approve")
            for r in reviewers
        ]
    )
    assert errors == []
    review = Review.objects.get(pk=open_review.pk)
    assert (review.state, review.outcome) == ("decided", "approved")
    assert Vote.objects.filter(review=review, current=True).count() == len(reviewers)
    assert AuditEvent.objects.filter(action="review_decided", object_id=str(review.pk)).count() == 1
    assert list(verify_chain()) == []


def test_one_reviewer_voting_many_times_at_once_keeps_one_current_vote(open_review):
    privacy = reviewer_for(open_review, "privacy")
    choices = ["abstain", "approve"] * 4
    errors = _run_at_once(
        [
            lambda c=c: workflows.vote_cast(actor=privacy, review=open_review, choice=c)
            for c in choices
        ]
    )
    assert errors == []
    votes = Vote.objects.filter(review=open_review, reviewer=privacy)
    assert votes.count() == len(choices)
    assert votes.filter(current=True).count() == 1
    assert list(verify_chain()) == []


def test_the_database_refuses_a_second_current_vote_even_without_the_service(open_review):
    privacy = reviewer_for(open_review, "privacy")
    workflows.vote_cast(actor=privacy, review=open_review, choice="approve")
    with pytest.raises(IntegrityError):
        Vote.objects.create(
            review=open_review,
            reviewer=privacy,
            revision=open_review.revision,
            roles=["privacy"],
            choice="reject",
            cast_at=timezone.now(),
        )
