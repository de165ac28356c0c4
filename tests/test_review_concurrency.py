"""Many votes at once: no double vote, no lost decision (PostgreSQL locks the rows; SQLite, on a
file as the embedded default runs it, takes the write lock when each transaction begins)."""

import pytest
from django.db import IntegrityError
from django.utils import timezone

import workflows
from audit.models import AuditEvent
from audit.services import verify_chain
from reviews.models import Review, Vote

from .concurrency_support import database_on_file, review_open_for_votes, run_at_once
from .reviews_support import reviewer_for

pytestmark = [
    pytest.mark.concurrency,
    # Serialized rollback restores the seeded policies and checklist that the flush removes.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def _database_on_file(transactional_db, tmp_path):
    """Each thread opens its own connection, to a file on SQLite (tests/concurrency_support.py)."""
    with database_on_file(tmp_path):
        yield


@pytest.fixture
def open_review(make_use_case, alice):
    return review_open_for_votes(make_use_case, alice)


def test_all_reviewers_voting_at_once_gives_exactly_one_decision(open_review):
    reviewers = [reviewer_for(open_review, role) for role in open_review.required_roles]
    errors = run_at_once(
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
    errors = run_at_once(
        [
            lambda c=c: workflows.vote_cast(actor=privacy, review=open_review, choice=c)
            for c in choices
        ]
    )
    assert errors == []
    votes = Vote.objects.filter(review=open_review, reviewer=privacy).order_by("pk")
    # A vote that repeats the standing one records nothing, so how many count depends on timing.
    assert 2 <= votes.count() <= len(choices)
    assert [v.current for v in votes] == [False] * (votes.count() - 1) + [True]
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
