"""Council review: a verification, vote, recusal or chair decision may decide the review, and a
decision moves the use case, its registry entries, and tells the team. A rejected checklist
answer is told to the team here too."""

from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from registry import services as registry_services
from reviews import services as review_services
from reviews.models import Assignment, ChecklistAnswer, Review, ReviewKind, Vote
from reviews.notifications import notify_answers_rejected, notify_decision
from usecases import services as usecase_services


@transaction.atomic
def checklist_verify(
    *, actor: User, review: Review, item_id: int, verdict: str, comment: str = ""
) -> ChecklistAnswer:
    recorded = review_services.checklist_verify(
        actor=actor, review=review, item_id=item_id, verdict=verdict, comment=comment
    )
    notify_answers_rejected([recorded.record], actor=actor)
    _follow_decision(actor=actor, review=recorded.decided)
    return recorded.record


@transaction.atomic
def vote_cast(
    *,
    actor: User,
    review: Review,
    choice: str,
    reasons: str = "",
    conditions: Iterable[dict[str, Any]] = (),
) -> Vote:
    recorded = review_services.vote_cast(
        actor=actor, review=review, choice=choice, reasons=reasons, conditions=conditions
    )
    _follow_decision(actor=actor, review=recorded.decided)
    return recorded.record


@transaction.atomic
def review_recuse(*, actor: User, review: Review, reason: str) -> list[Assignment]:
    recorded = review_services.review_recuse(actor=actor, review=review, reason=reason)
    _follow_decision(actor=actor, review=recorded.decided)
    return recorded.record


@transaction.atomic
def decision_record_by_chair(
    *,
    actor: User,
    review: Review,
    outcome: str,
    rationale: str,
    waivers: Iterable[Mapping[str, Any]] = (),
) -> Review:
    recorded = review_services.decision_record_by_chair(
        actor=actor, review=review, outcome=outcome, rationale=rationale, waivers=waivers
    )
    _follow_decision(actor=actor, review=recorded.decided)
    return recorded.record


def _follow_decision(*, actor: User, review: Review | None) -> None:
    """A decided review moves its use case; a change review or re-review also moves the use
    case's registry entries. Then the team hears of it."""
    if review is None:
        return
    in_service = review.kind != ReviewKind.INITIAL
    usecase_services.usecase_record_decision(
        actor=actor, use_case=review.use_case, outcome=review.outcome, deployed=in_service
    )
    if in_service:
        registry_services.deployments_apply_review(actor=actor, review=review)
    notify_decision(review)
