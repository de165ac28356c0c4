"""Property test: random sequences of votes, verifications, recusals, chair decisions and
revisions never break the decision rules of SPEC section 5."""

import contextlib

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import workflows
from common.errors import DomainError
from reviews import rules, services
from reviews.models import Assignment, ChecklistAnswer, ChecklistWaiver, Review, Vote
from reviews.selectors import (
    applicable_items,
    checklist_complete,
    current_votes_by_role,
    unverified_required_items,
)
from usecases import services as usecase_services
from usecases.models import UseCase

from .factories import RoleFactory, UserFactory
from .reviews_support import COUNCIL, make_council

ROLES = ["marketing", "privacy", "legal", "data_science"]  # a limited-tier marketing use case
VERIFIERS = ["customer_experience", "security", "ethics"]  # its items' other roles
CHOICES = ["approve", "approve_with_conditions", "request_changes", "reject", "abstain"]
OUTCOMES = ["approved", "approved_with_conditions", "changes_requested", "rejected"]

actions = st.lists(
    st.one_of(
        st.tuples(st.just("vote"), st.sampled_from(ROLES), st.sampled_from(CHOICES)),
        st.tuples(st.just("answer_all")),
        st.tuples(st.just("verify"), st.integers(0, 60), st.sampled_from(["verified", "rejected"])),
        st.tuples(st.just("recuse"), st.sampled_from(ROLES + VERIFIERS)),
        st.tuples(st.just("chair"), st.sampled_from(OUTCOMES), st.booleans()),
        st.tuples(st.just("resubmit")),
    ),
    max_size=14,
)


@pytest.fixture
def council_with_stand_ins(db):
    make_council()
    for role in COUNCIL:
        RoleFactory(user=UserFactory(username=f"stand-in.{role}"), role=role)


def _seated(review, role):
    assignment = review.assignments.filter(role=role, recused=False).first()
    return assignment.reviewer if assignment else None


def _step(action, review, alice, chair):
    kind = action[0]
    if kind == "vote":
        reviewer = _seated(review, action[1])
        if reviewer is not None:
            choice = action[2]
            workflows.vote_cast(
                actor=reviewer,
                review=review,
                choice=choice,
                reasons="Because" if choice in {"request_changes", "reject"} else "",
                conditions=[{"text": "Monitor monthly"}]
                if choice == "approve_with_conditions"
                else [],
            )
    elif kind == "answer_all":
        for item in applicable_items(review):
            services.checklist_answer(
                actor=alice, review=review, item_id=item.pk, answer="yes", evidence="e"
            )
    elif kind == "verify":
        items = applicable_items(review)
        item = items[action[1] % len(items)]
        reviewer = _seated(review, item.role)  # a reviewer or a verifier
        if reviewer is not None:
            workflows.checklist_verify(
                actor=reviewer, review=review, item_id=item.pk, verdict=action[2], comment="c"
            )
    elif kind == "recuse":
        reviewer = _seated(review, action[1])
        if reviewer is not None:
            workflows.review_recuse(actor=reviewer, review=review, reason="conflict of interest")
    elif kind == "chair":
        _, outcome, waive = action
        waivers = (
            [{"item": i.pk, "reason": "accepted"} for i in unverified_required_items(review)]
            if waive
            else []
        )
        workflows.decision_record_by_chair(
            actor=chair, review=review, outcome=outcome, rationale="r", waivers=waivers
        )
    elif kind == "resubmit":
        use_case = UseCase.objects.get(pk=review.use_case_id)
        if use_case.state == "changes_requested":
            usecase_services.usecase_update(
                actor=alice, use_case=use_case, data={"kpis": f"{use_case.kpis}+"}
            )
            workflows.usecase_submit(actor=alice, use_case=use_case)


def _check_invariants(review):
    use_case = UseCase.objects.get(pk=review.use_case_id)
    required = review.required_roles
    votes = current_votes_by_role(review)
    # At most one current vote per reviewer and revision.
    for reviewer_id in (
        Vote.objects.filter(review=review).values_list("reviewer_id", flat=True).distinct()
    ):
        for revision in range(1, review.revision + 1):
            assert (
                Vote.objects.filter(
                    review=review, reviewer_id=reviewer_id, revision=revision, current=True
                ).count()
                <= 1
            )
    # Only voting seats vote: a verifier never does.
    for vote in Vote.objects.filter(review=review):
        assert set(vote.roles) <= set(required)
        assert Assignment.objects.filter(
            review=review, reviewer_id=vote.reviewer_id, role__in=vote.roles, voting=True
        ).exists()
    # Votes and checklist answers point at a revision that was submitted.
    assert not Vote.objects.filter(review=review, revision__gt=review.revision).exists()
    assert not ChecklistAnswer.objects.filter(review=review, revision__gt=review.revision).exists()
    if review.state == "open":
        # An open review is one the rules have not decided: nothing, or a proposed rejection
        # that waits for the chair (and says so).
        outcome = rules.decide(
            required=required,
            votes=votes,
            checklist_complete=checklist_complete(review),
            has_conditions=False,
        )
        assert outcome in (None, rules.REJECTION_PROPOSED)
        proposed = outcome == rules.REJECTION_PROPOSED
        assert review.proposed_outcome == ("rejected" if proposed else "")
        assert use_case.state == "in_review"
        return
    assert use_case.state == review.outcome
    assert review.proposed_outcome == ""
    # Never decided while a required role has not voted, by the votes or by the chair.
    assert rules.all_required_voted(required=required, votes=votes)
    # A reject never ends as rejected without the chair.
    if review.outcome == "rejected":
        assert review.decided_by_chair
    if review.decided_by_chair:
        if review.outcome in {"approved", "approved_with_conditions"}:
            waived = set(
                ChecklistWaiver.objects.filter(review=review, revision=review.revision).values_list(
                    "item_id", flat=True
                )
            )
            assert {i.pk for i in unverified_required_items(review)} == waived
        return
    assert "reject" not in votes.values()
    if review.outcome == "changes_requested":
        assert "request_changes" in votes.values()
    else:
        assert all(votes.get(role) in rules.APPROVING for role in required)
        assert checklist_complete(review)
        has_conditions = "approve_with_conditions" in votes.values()
        assert review.outcome == ("approved_with_conditions" if has_conditions else "approved")


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=actions)
def test_the_decision_rules_hold_after_every_step(
    sequence, council_with_stand_ins, make_use_case, alice
):
    chair = UserFactory(username=COUNCIL["chair"])
    review = make_use_case("submitted").reviews.get()
    for action in sequence:
        # Refused actions (decided review, missing answer, votes missing …) change nothing.
        with contextlib.suppress(DomainError, ValidationError):
            _step(action, review, alice, chair)
        review = Review.objects.get(pk=review.pk)
        _check_invariants(review)


def test_every_role_rejecting_still_waits_for_the_chair(council_with_stand_ins, make_use_case):
    """By hand, the case the property must never get wrong: nothing is decided without the chair."""
    review = make_use_case("submitted").reviews.get()
    for role in ROLES:
        workflows.vote_cast(
            actor=_seated(review, role), review=review, choice="reject", reasons="r"
        )
    review.refresh_from_db()
    assert (review.state, review.proposed_outcome) == ("open", "rejected")
    _check_invariants(review)
