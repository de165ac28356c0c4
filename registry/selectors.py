"""Reads of the registry, always through what the viewer may see."""

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from usecases.selectors import usecase_list_visible

from .models import Deployment, Stage


def deployment_list_visible(*, user) -> QuerySet[Deployment]:
    """Entries of the use cases the user may see (confidential ones included, for those allowed)."""
    return Deployment.objects.filter(use_case__in=usecase_list_visible(user=user).values("pk"))


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
    today = today or timezone.localdate()
    return deployment.stage != Stage.RETIRED and deployment.next_review_due < today


def deployments_published() -> QuerySet[Deployment]:
    """What the public transparency page may show: published, running, not confidential."""
    return Deployment.objects.filter(
        published=True,
        stage__in=[Stage.PILOT, Stage.PRODUCTION],
        use_case__confidential=False,
    )
