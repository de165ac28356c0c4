"""The auditor's workspace: the audit trail with filters, chain verification and export links."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from audit import selectors
from audit.models import AuditEvent
from audit.services import audit_record, chain_head, verify_chain
from common.errors import refuse
from common.pages import refusals_answered
from council.selectors import record_read_refusal

from .audit_filters import AuditEventFilter


@refusals_answered(back=lambda request, **_: reverse("home"))
def audit_trail(request):
    refuse(record_read_refusal(request.user))
    filterset = AuditEventFilter.for_page(request.GET, queryset=AuditEvent.objects.order_by("-seq"))
    events = filterset.qs if filterset.is_valid() else AuditEvent.objects.none()
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "oversight/audit_trail.html",
        {
            "filter": filterset,
            "page": page,
            "head": chain_head(),
            "recent_exports": selectors.exports_recent(limit=10),
            "export_actions": selectors.EXPORT_ACTIONS,
        },
    )


@refusals_answered(back=lambda request, **_: reverse("home"))
def export_manifest(request, seq):
    """An export's manifest as a file: CSV and XLSX downloads carry it only in a header."""
    refuse(record_read_refusal(request.user))
    manifest = selectors.export_manifest(seq=seq)
    response = JsonResponse(manifest, json_dumps_params={"indent": 2, "ensure_ascii": False})
    response["Content-Disposition"] = f'attachment; filename="export-{seq}-manifest.json"'
    return response


@require_POST
@refusals_answered(back=lambda request, **_: reverse("home"))
def verify(request):
    """Recompute the whole chain now; the check itself is recorded."""
    refuse(record_read_refusal(request.user))
    broken = next(iter(verify_chain()), None)
    audit_record(
        actor=request.user,
        action="chain_verified",
        object_type="audit_trail",
        changes={"result": [None, "intact" if broken is None else f"broken at #{broken.seq}"]},
    )
    if broken is None:
        messages.success(
            request, f"Audit chain intact: every event up to #{chain_head().seq} verified."
        )
    else:
        messages.error(request, f"Audit chain broken at event #{broken.seq}: {broken.reason}.")
    return redirect("audit:trail")
