"""Who hears about what in the registry: customers' complaints and public wording to approve."""

from django.contrib.auth.models import User
from django.utils import timezone

from council.models import CouncilRole, NotificationKind, RoleAssignment
from council.notifications import notify

from .models import Complaint, Deployment, ImportStatus, RegistryImport


def _chairs() -> list[User]:
    return [
        assignment.user
        for assignment in RoleAssignment.objects.active()
        .filter(role=CouncilRole.CHAIR)
        .select_related("user")
    ]


def _entry_url(deployment: Deployment, anchor: str) -> str:
    return f"/registry/{deployment.pk}/#{anchor}"


def notify_complaint(deployment: Deployment, complaint: Complaint) -> None:
    """The entry's owners and the chair hear of each complaint a customer sends."""
    notify(
        users=[deployment.business_owner, deployment.technical_owner, *_chairs()],
        kind=NotificationKind.COMPLAINT_RECEIVED,
        key=f"complaint:{complaint.pk}",
        subject=f"{complaint.get_kind_display()} from a customer on {deployment.reference} "
        f"{deployment.name}",
        body=complaint.message[:500],
        url=_entry_url(deployment, "complaints"),
    )


def notify_public_wording_waits(deployment: Deployment) -> None:
    """The chair hears that new public wording waits for the council's approval."""
    notify(
        users=_chairs(),
        kind=NotificationKind.PUBLIC_WORDING_TO_APPROVE,
        key=f"public-wording:{deployment.pk}:v{deployment.version}",
        subject=f"Public wording of {deployment.reference} {deployment.name} to approve",
        body=f"{deployment.public_name}: {deployment.public_description[:400]}",
        url=_entry_url(deployment, "public-wording"),
    )


def notify_import_finished(registry_import: RegistryImport) -> None:
    """Who started an import in the background hears how it ended."""
    imported = registry_import.status == ImportStatus.IMPORTED
    notify(
        users=[registry_import.checked_by],
        kind=NotificationKind.IMPORT_FINISHED,
        key=f"import:{registry_import.pk}:{registry_import.status}:{timezone.now().isoformat()}",
        subject=(
            f"Imported {registry_import.original_name}: {registry_import.rows_new} new entries"
            if imported
            else f"{registry_import.original_name} was not imported"
        ),
        body="Its report lists each row and the entry it became."
        if imported
        else registry_import.problem,
        url=f"/registry/import/{registry_import.pk}/",
    )
