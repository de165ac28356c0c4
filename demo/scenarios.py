"""A council review walked to its end through the services, as the people in it would.

One scenario for the demo (seed_demo) and the tests: the team answers the checklist, the
reviewer or verifier of each item's role verifies it, every required role votes, and the chair
confirms a rejection. Each step is the call a page makes (`reviews.services`, or `workflows`
for a step that may decide the review and move the use case), so it is checked and audited as if
it was done through the pages.
"""

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from django.contrib.auth.models import User

import workflows
from reviews import services as review_services
from reviews.models import Review, ReviewState, VoteChoice
from reviews.selectors import applicable_items

# Formatted with the use case's `reference` and the item's `code`.
EVIDENCE = "Covered in the DPIA and vendor pack for {reference}, section {code}."
# The data protection officer's role sets the conditions of an approval with conditions.
CONDITIONS_ROLE = "privacy"
APPROVING = {VoteChoice.APPROVE.value, VoteChoice.APPROVE_WITH_CONDITIONS.value}


def reviewer_for(review: Review, role: str) -> User:
    """The active reviewer of a voting role, or the verifier of a role that does not vote."""
    return review.assignments.get(role=role, recused=False).reviewer


def _seats(review: Review) -> dict[str, User]:
    """Who sits for each role, in one query: a walk asks for the same few people again and again."""
    return {
        seat.role: seat.reviewer
        for seat in review.assignments.filter(recused=False).select_related("reviewer")
    }


def answer_checklist(review: Review, *, answered_by: User, evidence: str = EVIDENCE) -> None:
    """The team (or the business owner) answers every applicable item 'yes', with `evidence`."""
    reference = review.use_case.reference
    for item in applicable_items(review):
        review_services.checklist_answer(
            actor=answered_by,
            review=review,
            item_id=item.pk,
            answer="yes",
            evidence=evidence.format(reference=reference, code=item.code),
        )


def ask_the_team(review: Review, question: str) -> None:
    """The reviewer of the last required role (who has not voted yet) asks the team."""
    asker = reviewer_for(review, review.required_roles[-1])
    review_services.comment_add(actor=asker, review=review, body=question, is_question=True)


def reject_first_answer(review: Review, *, answered_by: User, comment: str) -> None:
    """The team answers the first applicable item, and its role's reviewer rejects the answer."""
    item = applicable_items(review)[0]
    review_services.checklist_answer(
        actor=answered_by,
        review=review,
        item_id=item.pk,
        answer="yes",
        evidence=EVIDENCE.format(reference=review.use_case.reference, code=item.code),
    )
    workflows.checklist_verify(
        actor=reviewer_for(review, item.role),
        review=review,
        item_id=item.pk,
        verdict="rejected",
        comment=comment,
    )


def verify_checklist(review: Review) -> None:
    """The reviewer or verifier of each applicable item's role verifies the team's answer.

    Stops once the review is decided: when every required role has voted already, the last
    verification decides it. `review` is refreshed on the way.
    """
    seats = _seats(review)
    for item in applicable_items(review):
        review.refresh_from_db()
        if review.state != ReviewState.OPEN:
            return
        workflows.checklist_verify(
            actor=seats[item.role], review=review, item_id=item.pk, verdict="verified"
        )


def cast_votes(
    review: Review,
    *,
    roles: Sequence[str] | None = None,
    choices: Mapping[str, str] | None = None,
    reasons: str = "",
    conditions: Iterable[Mapping[str, Any]] = (),
) -> None:
    """The reviewers of `roles` vote, in that order (every required role, by default).

    A role votes its choice in `choices`, or approves. `reasons` go with each vote that does
    not approve; `conditions` ({"text", "blocking", "due_date"}) with each approval with
    conditions.
    """
    choices = choices or {}
    condition_rows = [dict(condition) for condition in conditions]
    seats = _seats(review)
    for role in review.required_roles if roles is None else roles:
        choice = choices.get(role, VoteChoice.APPROVE.value)
        workflows.vote_cast(
            actor=seats[role],
            review=review,
            choice=choice,
            reasons="" if choice in APPROVING else reasons,
            conditions=condition_rows if choice == VoteChoice.APPROVE_WITH_CONDITIONS else [],
        )


def approve(
    review: Review,
    *,
    answered_by: User,
    conditions: Iterable[Mapping[str, Any]] = (),
    evidence: str = EVIDENCE,
) -> None:
    """The walk to approval: the checklist answered by `answered_by` and verified, then every
    required role approves; with `conditions`, privacy approves with them, so the review is
    approved with conditions."""
    conditions = list(conditions)
    answer_checklist(review, answered_by=answered_by, evidence=evidence)
    verify_checklist(review)
    conditional = {CONDITIONS_ROLE: VoteChoice.APPROVE_WITH_CONDITIONS.value} if conditions else {}
    cast_votes(review, choices=conditional, conditions=conditions)


def reject(
    review: Review,
    *,
    chair: User,
    rejecting: Collection[str],
    reasons: str,
    rationale: str,
) -> None:
    """Every required role votes, the `rejecting` ones reject with `reasons` and the others
    approve, so a rejection is proposed; the chair confirms it with `rationale`."""
    cast_votes(
        review, choices={role: VoteChoice.REJECT.value for role in rejecting}, reasons=reasons
    )
    workflows.decision_record_by_chair(
        actor=chair, review=review, outcome="rejected", rationale=rationale
    )
