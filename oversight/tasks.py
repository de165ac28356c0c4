"""Celery tasks of the oversight app: the PDF of a long dossier and the dashboard's next
snapshot, built in the background.

The dossier's PDF link queues `dossier_pdf_build` when the dossier is long
(oversight.dossier.dossier_in_background); the dashboard queues `dashboard_refresh` when the
snapshot it shows is no longer fresh (oversight.snapshots). On the embedded default they run
in-process.
"""

from celery import shared_task
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from council.models import NotificationKind
from council.notifications import notify
from usecases.answers import answers_by_section

from .dossier import (
    DossierPdfUnavailable,
    dossier_pdf_render,
    dossier_pdf_store,
    dossier_use_case_get,
    usecase_dossier,
)
from .snapshots import dashboard_snapshot_refresh


@shared_task
def dashboard_refresh(user_id: int) -> None:
    """Compute the next snapshot of the dashboard the user sees (their scope's)."""
    dashboard_snapshot_refresh(user=get_user_model().objects.get(pk=user_id))


@shared_task
def dossier_pdf_build(use_case_id: int, user_id: int) -> int | None:
    """Render, record and keep the PDF, then tell the person who asked; returns the export's
    audit event number (None when this server cannot render PDFs: they are told so instead).
    Who may read the dossier is checked again when the task runs."""
    user = get_user_model().objects.get(pk=user_id)
    use_case = dossier_use_case_get(user=user, pk=use_case_id)
    try:
        return _build(user, use_case)
    except DossierPdfUnavailable as error:
        notify(
            users=[user],
            kind=NotificationKind.EXPORT_READY,
            key=f"dossier_pdf_unavailable:{use_case.pk}:{timezone.now().isoformat()}",
            subject=f"The PDF of the dossier {use_case.reference} could not be produced",
            body=str(error),
            url=reverse("oversight:dossier", args=[use_case.pk]),
        )
        return None


def _build(user, use_case) -> int:
    with transaction.atomic():
        export = dossier_pdf_render(
            actor=user,
            dossier=usecase_dossier(use_case=use_case),
            sections=answers_by_section(use_case),
        )
    # The export's event is numbered as its transaction commits; the file is kept under it.
    seq = dossier_pdf_store(use_case=use_case, export=export)
    with transaction.atomic():
        notify(
            users=[user],
            kind=NotificationKind.EXPORT_READY,
            key=f"dossier_pdf:{seq}",
            subject=f"The PDF of the dossier {use_case.reference} is ready",
            body="It was recorded in the audit trail as an export, with its signed manifest.",
            url=reverse("oversight:dossier_pdf_built", args=[use_case.pk, seq]),
        )
    return seq
