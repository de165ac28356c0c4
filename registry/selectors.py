"""Reads of the registry, always through what the viewer may see."""

from datetime import date
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from common.errors import ActionForbidden, DomainError, TransitionNotAllowed
from council.selectors import auditor_write_refusal, is_chair
from reviews.models import Review, ReviewState
from usecases.choices import State
from usecases.models import UseCase, UseCaseRevision
from usecases.selectors import usecase_is_editor, usecase_list_visible

from .models import Deployment, Stage

# The use-case states from which a deployment may be recorded (services.deployment_create).
RECORDABLE_STATES = frozenset({State.APPROVED, State.APPROVED_WITH_CONDITIONS, State.DEPLOYED})


def deployment_list_visible(*, user: User | AnonymousUser) -> QuerySet[Deployment]:
    """Entries of the use cases the user may see (confidential ones included, for those allowed)."""
    return Deployment.objects.filter(use_case__in=usecase_list_visible(user=user).values("pk"))


def deployments_running(use_case: UseCase) -> QuerySet[Deployment]:
    """The entries of a use case still in service or suspended (not retired)."""
    return use_case.deployments.exclude(stage=Stage.RETIRED)


def deployment_get_visible(*, user: User | AnonymousUser, pk: int | str) -> Deployment:
    try:
        return (
            deployment_list_visible(user=user)
            .select_related("use_case", "use_case__team", "business_owner", "technical_owner")
            .get(pk=pk)
        )
    except (Deployment.DoesNotExist, ValueError, TypeError):
        raise Http404("No such registry entry.") from None


def is_overdue(deployment: Deployment, today: date | None = None) -> bool:
    """Past its re-review date and still running (shown red in pages and exports)."""
    return running_past_due(
        stage=deployment.stage, next_review_due=deployment.next_review_due, today=today
    )


def running_past_due(*, stage: str, next_review_due: date, today: date | None = None) -> bool:
    """The overdue rule on plain values, for rows read without their model (exports)."""
    today = today or timezone.localdate()
    return stage != Stage.RETIRED and next_review_due < today


def deployments_published() -> QuerySet[Deployment]:
    """What the public transparency page may show: published, running, not confidential."""
    return Deployment.objects.filter(
        published=True,
        stage__in=[Stage.PILOT, Stage.PRODUCTION],
        use_case__confidential=False,
    )


# ---- who may do what: the error the action would meet, or None (see common.errors.refuse) ----


def _not_editor(
    user: User | AnonymousUser, use_case: UseCase, doing: str
) -> ActionForbidden | None:
    """The use case's team or business owner acts for its entries, never an auditor: auditors
    read and change nothing, even when they also sit in the owning team, and are told so in the
    API's words (council.permissions.AuditorsReadOnly)."""
    refusal = auditor_write_refusal(user)
    if refusal is None and not usecase_is_editor(user=user, use_case=use_case):
        refusal = ActionForbidden(f"Only the owning team or the business owner can {doing}.")
    return refusal


def deployment_record_refusal(
    *, user: User | AnonymousUser, use_case: UseCase
) -> DomainError | None:
    """Its team or business owner enters an approved use case in the registry (the use case page
    offers "Record deployment" when this is None)."""
    refusal: DomainError | None = _not_editor(user, use_case, "record a deployment")
    if refusal is None and use_case.state not in RECORDABLE_STATES:
        refusal = TransitionNotAllowed(
            f"Only an approved use case enters the registry; {use_case.reference} is "
            f"'{use_case.get_state_display()}'."
        )
    return refusal


def deployment_edit_refusal(
    *, user: User | AnonymousUser, deployment: Deployment
) -> DomainError | None:
    refusal: DomainError | None = _not_editor(user, deployment.use_case, "edit this entry")
    if refusal is None and deployment.stage == Stage.RETIRED:
        refusal = TransitionNotAllowed("A retired entry cannot be edited.")
    return refusal


def deployment_stage_refusal(
    *, user: User | AnonymousUser, deployment: Deployment
) -> ActionForbidden | None:
    """Which moves the entry allows is the services' (`deployment_stage_targets`)."""
    return _not_editor(user, deployment.use_case, "change the stage of this entry")


def incident_report_refusal(*, user: User | AnonymousUser) -> ActionForbidden | None:
    """Anyone who can see an entry reports an incident on it, except auditors."""
    return auditor_write_refusal(user)


def incident_update_refusal(
    *, user: User | AnonymousUser, use_case: UseCase
) -> ActionForbidden | None:
    """The use case's team or business owner and the chair follow incidents up; auditors never."""
    refusal = auditor_write_refusal(user)
    if refusal is None and not (is_chair(user) or usecase_is_editor(user=user, use_case=use_case)):
        refusal = ActionForbidden(
            "Only the owning team, the business owner or the chair can follow up an incident."
        )
    return refusal


def review_open_of_use_case(*, use_case_id: int) -> Review | None:
    """The council review now open on the entry's use case (a change review or re-review)."""
    return Review.objects.filter(use_case_id=use_case_id, state=ReviewState.OPEN).first()


def answers_judged(deployment: Deployment) -> dict[str, Any]:
    """The answers of the revision that the decision the entry rests on judged, in one query."""
    judged = Review.objects.filter(pk=deployment.approval_id).values("revision")
    answers: dict[str, Any] = UseCaseRevision.objects.values_list("answers", flat=True).get(
        use_case_id=deployment.use_case_id, number=Subquery(judged)
    )
    return answers


def deployments_rereview_due(*, today: date) -> QuerySet[Deployment]:
    """The entries in service whose periodic re-review is due today or overdue."""
    return (
        Deployment.objects.exclude(stage=Stage.RETIRED)
        .filter(next_review_due__lte=today)
        .select_related("use_case")
        .order_by("next_review_due", "pk")
    )
