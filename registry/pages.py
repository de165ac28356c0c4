"""The registry's pages for staff: the list, one entry, and the forms that change entries.

Thin views over registry.selectors and registry.services (the public page is in views.py). Who
may do what is the selectors' `*_refusal`, asked here before a form is shown or read and by the
service again before it writes: a refused action (`ActionForbidden`) answers 403, an illegal move
comes back as a message, invalid input is shown next to its field.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

import workflows
from common.errors import StaleEdit, refuse
from common.pages import back_to, once_per_form, refusals_answered
from usecases.selectors import usecase_get_visible

from . import services
from .filters import DeploymentFilter
from .forms import (
    CHANGE_CONTROL_HINT,
    DeploymentForm,
    IncidentReportForm,
    IncidentUpdateForm,
    StageForm,
)
from .models import IncidentStatus, Stage
from .rules import material_changes
from .selectors import (
    deployment_edit_refusal,
    deployment_get_visible,
    deployment_list_visible,
    deployment_record_refusal,
    deployment_stage_refusal,
    incident_report_refusal,
    incident_update_refusal,
    is_overdue,
    review_open_of_use_case,
)

# The status an incident form offers first: the next step from where it stands.
NEXT_INCIDENT_STATUS = {
    IncidentStatus.OPEN: IncidentStatus.INVESTIGATING,
    IncidentStatus.INVESTIGATING: IncidentStatus.RESOLVED,
}


def _to_use_case(request):
    return reverse("usecases:detail", args=[request.GET["use_case"]])


def _posted(request):
    return request.POST if request.method == "POST" else None


def _save(form, save):
    """What `save` returns, or None with every problem next to the form's fields."""
    if not form.is_valid():
        return None
    try:
        return save(form.cleaned_data)
    except ValidationError as error:
        form.add_service_errors(error)
    except StaleEdit as error:
        form.add_stale_edit(error)
    return None


def registry_list(request):
    entries = deployment_list_visible(user=request.user).select_related(
        "use_case", "use_case__team"
    )
    filterset = DeploymentFilter(request.GET, queryset=entries.order_by("reference"))
    page = Paginator(filterset.qs, 25).get_page(request.GET.get("page"))
    for entry in page.object_list:
        entry.overdue = is_overdue(entry)
    return render(
        request,
        "registry/list.html",
        {"filter": filterset, "page": page},
    )


def registry_detail(request, pk):
    return _render_detail(request, deployment_get_visible(user=request.user, pk=pk))


def _render_detail(
    request, entry, *, stage_form=None, report_form=None, failed_incident=None, status=200
):
    """The entry page; a form that failed comes back bound, with its errors next to its fields."""
    user = request.user
    incidents = list(entry.incidents.select_related("reported_by", "resolved_by"))
    can_follow_up = incident_update_refusal(user=user, use_case=entry.use_case) is None
    if can_follow_up:
        _attach_incident_forms(incidents, failed_incident)
    can_move = deployment_stage_refusal(user=user, deployment=entry) is None
    targets = services.deployment_stage_targets(entry) if can_move else []
    context = {
        "entry": entry,
        "overdue": is_overdue(entry),
        "incidents": incidents,
        "versions": entry.versions.all(),
        "open_review": review_open_of_use_case(use_case_id=entry.use_case_id),
        "can_edit": deployment_edit_refusal(user=user, deployment=entry) is None,
        "stage_targets": [(target, _stage_action(entry, target)) for target in targets],
        "stage_form": stage_form or StageForm(),
        "can_follow_up": can_follow_up,
        "can_report": incident_report_refusal(user=user) is None,
        "report_form": report_form or IncidentReportForm(),
    }
    return render(request, "registry/detail.html", context, status=status)


def _stage_action(entry, target: str) -> str:
    """The button's words: a move the council must approve is asked for, not made."""
    verb = "Request" if services.is_requested_move(entry, target) else "Move to"
    return f"{verb} {Stage(target).label}"


def _incident_form(incident, data=None) -> IncidentUpdateForm:
    return IncidentUpdateForm(
        data,
        prefix=f"incident-{incident.pk}",
        initial={"status": NEXT_INCIDENT_STATUS.get(incident.status)},
    )


def _attach_incident_forms(incidents, failed_incident) -> None:
    """A follow-up form under each unresolved incident (the failed one keeps what was typed)."""
    failed_pk, failed_form = failed_incident or (None, None)
    for incident in incidents:
        if incident.status != IncidentStatus.RESOLVED:
            incident.update_form = (
                failed_form if incident.pk == failed_pk else _incident_form(incident)
            )


@require_http_methods(["GET", "POST"])
@refusals_answered(_to_use_case)
@once_per_form
def registry_new(request):
    """Record a deployment of an approved use case (`?use_case=<id>`)."""
    use_case = usecase_get_visible(user=request.user, pk=request.GET.get("use_case"))
    # Refused before any input is read, so a refused user never learns what was wrong with it.
    refuse(deployment_record_refusal(user=request.user, use_case=use_case))
    form = DeploymentForm.for_use_case(_posted(request), use_case=use_case, user=request.user)
    if request.method == "GET":
        return _render_form(request, form, use_case=use_case)
    entry = _save(
        form,
        lambda data: workflows.deployment_create(actor=request.user, use_case=use_case, data=data),
    )
    if entry is None:
        return _render_form(request, form, use_case=use_case, status=400)
    messages.success(request, f"{entry.reference} is in the registry, in pilot.")
    return redirect("registry:detail", pk=entry.pk)


@require_http_methods(["GET", "POST"])
@refusals_answered(back_to("registry:detail"))
def registry_edit(request, pk):
    entry = deployment_get_visible(user=request.user, pk=pk)
    refuse(deployment_edit_refusal(user=request.user, deployment=entry))
    form = DeploymentForm.for_entry(_posted(request), deployment=entry)
    if request.method == "GET":
        return _render_form(request, form, use_case=entry.use_case, entry=entry)
    saved = _save(
        form,
        lambda data: workflows.deployment_update(
            actor=request.user, deployment=entry, data=data, version=form.read_version
        ),
    )
    if saved is None:
        status = 409 if form.stale else 400
        return _render_form(request, form, use_case=entry.use_case, entry=entry, status=status)
    if material_changes(form.changed_data):
        messages.success(request, "Saved. " + CHANGE_CONTROL_HINT)
    else:
        messages.success(request, "Saved.")
    return redirect("registry:detail", pk=entry.pk)


def _render_form(request, form, *, use_case, entry=None, status=200):
    context = {
        "form": form,
        "use_case": use_case,
        "entry": entry,
        "change_control_hint": CHANGE_CONTROL_HINT,
    }
    return render(request, "registry/form.html", context, status=status)


@require_POST
@refusals_answered(back_to("registry:detail"))
def registry_stage(request, pk):
    entry = deployment_get_visible(user=request.user, pk=pk)
    refuse(deployment_stage_refusal(user=request.user, deployment=entry))
    form = StageForm(request.POST)
    moved = _save(
        form,
        lambda data: workflows.deployment_change_stage(
            actor=request.user, deployment=entry, **data
        ),
    )
    if moved is None:
        return _render_detail(request, entry, stage_form=form, status=400)
    if moved.requested_stage:
        messages.success(
            request,
            f"{moved.get_requested_stage_display()} requested: the council reviews it, and "
            f"{moved.reference} stays in {moved.get_stage_display()} until it approves.",
        )
    else:
        messages.success(request, f"{moved.reference} is now in {moved.get_stage_display()}.")
    return redirect("registry:detail", pk=entry.pk)


@require_POST
@refusals_answered(back_to("registry:detail"))
@once_per_form
def incident_report(request, pk):
    entry = deployment_get_visible(user=request.user, pk=pk)
    # Refused before any input is read, so a refused user never learns what was wrong with it.
    refuse(incident_report_refusal(user=request.user))
    form = IncidentReportForm(request.POST)
    reported = _save(
        form,
        lambda data: workflows.incident_report(actor=request.user, deployment=entry, **data),
    )
    if reported is None:
        return _render_detail(request, entry, report_form=form, status=400)
    messages.success(request, "Incident reported. The owners and the chair have been told.")
    return redirect("registry:detail", pk=entry.pk)


@require_POST
@refusals_answered(back_to("registry:detail"))
def incident_update(request, pk, incident_pk):
    entry = deployment_get_visible(user=request.user, pk=pk)
    refuse(incident_update_refusal(user=request.user, use_case=entry.use_case))
    incident = get_object_or_404(entry.incidents, pk=incident_pk)
    form = _incident_form(incident, request.POST)
    updated = _save(
        form,
        lambda data: services.incident_update(actor=request.user, incident=incident, **data),
    )
    if updated is None:
        return _render_detail(request, entry, failed_incident=(incident.pk, form), status=400)
    messages.success(request, f"Incident marked {updated.get_status_display().lower()}.")
    return redirect(reverse("registry:detail", args=[entry.pk]) + f"#incident-{incident.pk}")
