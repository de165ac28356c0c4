"""Reads of the registry, always through what the viewer may see."""

from django.db.models import QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from council.selectors import is_auditor, is_chair
from reviews.models import Review, ReviewState
from usecases.choices import State
from usecases.models import UseCase, UseCaseRevision
from usecases.selectors import usecase_is_editor, usecase_list_visible

from .models import Deployment, Stage

# The use-case states from which a deployment may be recorded (services.deployment_create).
RECORDABLE_STATES = frozenset({State.APPROVED, State.APPROVED_WITH_CONDITIONS, State.DEPLOYED})


def deployment_list_visible(*, user) -> QuerySet[Deployment]:
    """Entries of the use cases the user may see (confidential ones included, for those allowed)."""
    return Deployment.objects.filter(use_case__in=usecase_list_visible(user=user).values("pk"))


def deployments_running(use_case) -> QuerySet[Deployment]:
    """The entries of a use case still in service or suspended (not retired)."""
    return use_case.deployments.exclude(stage=Stage.RETIRED)


def deployment_get_visible(*, user, pk) -> Deployment:
    try:
        return (
            deployment_list_visible(user=user)
            .select_related("use_case", "use_case__team", "business_owner", "technical_owner")
            .get(pk=pk)
        )
    except (Deployment.DoesNotExist, ValueError, TypeError):
        raise Http404("No such registry entry.") from None


def is_overdue(deployment: Deployment, today=None) -> bool:
    """Past its re-review date and still running (shown red in pages and exports)."""
    return running_past_due(
        stage=deployment.stage, next_review_due=deployment.next_review_due, today=today
    )


def running_past_due(*, stage: str, next_review_due, today=None) -> bool:
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


def registry_is_editor(*, user, use_case: UseCase) -> bool:
    """Acts for the entries of the use case: its team or business owner, never an auditor.

    Auditors read and change nothing, even when they also sit in the owning team (the API's
    AuditorsReadOnly keeps the same promise).
    """
    return usecase_is_editor(user=user, use_case=use_case) and not is_auditor(user)


def deployment_can_record(*, user, use_case: UseCase) -> bool:
    """Whether to offer "Record deployment" on the use case page (the service decides again)."""
    return use_case.state in RECORDABLE_STATES and registry_is_editor(user=user, use_case=use_case)


def deployment_can_edit(*, user, deployment: Deployment) -> bool:
    return deployment.stage != Stage.RETIRED and registry_is_editor(
        user=user, use_case=deployment.use_case
    )


def incident_can_update(*, user, use_case: UseCase) -> bool:
    """The use case's team or business owner and the chair follow incidents up; auditors never."""
    if is_auditor(user):
        return False
    return is_chair(user) or usecase_is_editor(user=user, use_case=use_case)


def review_open_of_use_case(*, use_case_id: int) -> Review | None:
    """The council review now open on the entry's use case (a change review or re-review)."""
    return Review.objects.filter(use_case_id=use_case_id, state=ReviewState.OPEN).first()


def answers_judged(deployment: Deployment) -> dict:
    """The answers of the revision that the decision the entry rests on judged, in one query."""
    judged = Review.objects.filter(pk=deployment.approval_id).values("revision")
    return UseCaseRevision.objects.values_list("answers", flat=True).get(
        use_case_id=deployment.use_case_id, number=Subquery(judged)
    )
