"""The auditor's workspace: the audit trail with filters, chain verification and export links."""

import logging

from django.contrib import messages
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from audit import selectors, signing
from audit.checkpoints import chain_verification_request, latest_checkpoint
from audit.models import AuditEvent
from audit.services import chain_head
from audit.tasks import verify_chain_requested
from common.errors import refuse
from common.pages import refusals_answered
from common.paging import CappedPaginator
from council.selectors import record_read_refusal

from .audit_filters import AuditTrailPageFilter

logger = logging.getLogger(__name__)


@refusals_answered(back=lambda request, **_: reverse("home"))
def audit_trail(request):
    refuse(record_read_refusal(request.user))
    # The actor comes with each event: the "Who" column names people without a query per row.
    newest_first = AuditEvent.objects.select_related("actor").order_by("-seq")
    filterset = AuditTrailPageFilter(request.GET, queryset=newest_first)
    events = filterset.qs if filterset.is_valid() else AuditEvent.objects.none()
    page = CappedPaginator(events, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "oversight/audit_trail.html",
        {
            "filter": filterset,
            "page": page,
            "head": chain_head(),
            "key_id": signing.key_id(),
            "latest_checkpoint": _readable(latest_checkpoint()),
            "verification": selectors.chain_verification_latest(),
            "recent_exports": selectors.exports_recent(limit=10),
            "export_actions": selectors.EXPORT_ACTIONS,
        },
    )


def _readable(checkpoint):
    if checkpoint is None:
        return None
    return {**checkpoint, "at": parse_datetime(str(checkpoint.get("at", "")))}


@refusals_answered(back=lambda request, **_: reverse("home"))
def export_manifest(request, seq):
    """An export's manifest as a file: CSV and XLSX downloads carry it only in a header."""
    refuse(record_read_refusal(request.user))
    manifest = selectors.export_manifest(seq=seq)
    response = JsonResponse(manifest, json_dumps_params={"indent": 2, "ensure_ascii": False})
    # Ed25519 signatures are deterministic: the same one the export carried.
    response["X-Export-Signature"] = signing.manifest_signature(manifest)
    response["Content-Disposition"] = f'attachment; filename="export-{seq}-manifest.json"'
    return response


@refusals_answered(back=lambda request, **_: reverse("home"))
def public_key(request):
    """The installation's public key: what an auditor pins to verify bundles and manifests."""
    refuse(record_read_refusal(request.user))
    response = HttpResponse(signing.public_key_pem(), content_type="application/x-pem-file")
    response["Content-Disposition"] = 'inline; filename="audit-public-key.pem"'
    response["X-Key-Id"] = signing.key_id()
    return response


@require_POST
@refusals_answered(back=lambda request, **_: reverse("home"))
def verify(request):
    """Ask for the whole chain to be checked against the witness's signed checkpoints: a task
    does it (audit.tasks), the page shows it running, then its result; one running is shared."""
    refuse(record_read_refusal(request.user))
    verification, new = chain_verification_request(request.user)
    if new:
        _queue_verification(request, verification)
    else:
        messages.info(request, gettext("A verification of the chain is already running."))
    return redirect("audit:trail")


def _queue_verification(request, verification) -> None:
    """Queue the task (its row is committed: the request runs outside a transaction); where
    tasks run in-process (the embedded default) it is done already and its result is said."""
    try:
        verify_chain_requested.delay(verification.pk)
    except Exception:  # the broker is unreachable: say so rather than fail the page
        logger.exception("Chain verification %s not queued", verification.pk)
        messages.error(request, gettext("The verification could not be started; try again later."))
        return
    verification.refresh_from_db()
    if verification.running:
        messages.info(
            request, gettext("Verification of the chain started: its result shows on this page.")
        )
    elif verification.intact:
        messages.success(request, verification.summary)
    else:
        messages.error(request, verification.summary)
