"""The registry's pages for staff: the list, one entry, and the forms that change entries.

Thin views over registry.selectors and registry.services (the public pages are in views.py;
their complaint form is taken here, where the workflows are reached). Who may do what is the
selectors' `*_refusal`, asked here before a form is shown or read and by the service again before
it writes: a refused action (`ActionForbidden`) answers 403, an illegal move
comes back as a message, invalid input is shown next to its field.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

import workflows
from common.errors import DomainError, refuse
from common.pages import back_to, once_per_form, posted, refusals_answered, saved_or_none
from common.paging import CappedPaginator
from usecases.selectors import usecase_get_visible

from . import services, views
from .filters import DeploymentFilter
from .forms import (
    ComplaintForm,
    DeploymentForm,
    IncidentReportForm,
    IncidentUpdateForm,
    KpiForm,
    KpiMeasureForm,
    StageForm,
    change_control_hint,
)
from .models import IncidentStatus, Stage
from .rules import material_changes
from .selectors import (
    complaint_close_refusal,
    complaint_rate_refusal,
    complaints_read_refusal,
    complaints_visible,
    deployment_edit_refusal,
    deployment_get_published,
    deployment_get_visible,
    deployment_list_visible,
    deployment_record_refusal,
    deployment_stage_refusal,
    deployments_listed,
    go_live_blockers,
    incident_report_refusal,
    incident_update_refusal,
    is_overdue,
    kpi_record_refusal,
    kpi_results,
    lapsed_vendors_of,
    last_decision,
    public_wording_approve_refusal,
    review_open_of_use_case,
)

# The status an incident form offers first: the next step from where it stands.
NEXT_INCIDENT_STATUS = {
    IncidentStatus.OPEN: IncidentStatus.INVESTIGATING,
    IncidentStatus.INVESTIGATING: IncidentStatus.RESOLVED,
}


def _to_use_case(request):
    return reverse("usecases:detail", args=[request.GET["use_case"]])


def registry_list(request):
    entries = deployments_listed(
        deployment_list_visible(user=request.user), shown_of_use_case=("team",)
    ).select_related("use_case__team")
    filterset = DeploymentFilter(request.GET, queryset=entries.order_by("reference"))
    page = CappedPaginator(filterset.qs, 25).get_page(request.GET.get("page"))
    for entry in page.object_list:
        entry.overdue = is_overdue(entry)
    return render(
        request,
        "registry/list.html",
        {"filter": filterset, "page": page},
    )


def registry_detail(request, pk):
    return _render_detail(request, deployment_get_visible(user=request.user, pk=pk))


def _render_detail(request, entry, *, failed_incident=None, status=200, **bound):
    """The entry page; a form that failed comes back bound (`bound`: stage_form, report_form,
    kpi_form, measure_form), with its errors next to its fields."""
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
        "model_versions": entry.model_versions.select_related("model__vendor"),
        "lapsed_vendors": list(lapsed_vendors_of(entry)),
        "open_review": review_open_of_use_case(use_case_id=entry.use_case_id),
        "can_edit": deployment_edit_refusal(user=user, deployment=entry) is None,
        "stage_targets": [(target, _stage_action(entry, target)) for target in targets],
        "stage_form": bound.get("stage_form") or StageForm(),
        "can_follow_up": can_follow_up,
        "can_report": incident_report_refusal(user=user) is None,
        "report_form": bound.get("report_form") or IncidentReportForm(),
        **_value_side(user, entry, bound),
        **_public_side(user, entry),
    }
    return render(request, "registry/detail.html", context, status=status)


def _value_side(user, entry, bound) -> dict:
    """The entry's KPIs against their targets, and for its team the forms to add to them."""
    can_record = kpi_record_refusal(user=user, deployment=entry) is None
    return {
        "kpis": kpi_results(entry),
        "can_record_results": can_record,
        "kpi_form": (bound.get("kpi_form") or KpiForm()) if can_record else None,
        "measure_form": (bound.get("measure_form") or KpiMeasureForm(deployment=entry))
        if can_record
        else None,
    }


def _public_side(user, entry) -> dict:
    """The entry's public wording and its customers' complaints (for those who may read them)."""
    return {
        "can_read_complaints": complaints_read_refusal(user=user, deployment=entry) is None,
        "can_close_complaints": complaint_close_refusal(user=user, deployment=entry) is None,
        "complaints": list(complaints_visible(user=user, deployment=entry)),
        "can_approve_wording": public_wording_approve_refusal(user=user, deployment=entry) is None,
    }


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
    if request.method == "GET" and (blockers := list(go_live_blockers(last_decision(use_case)))):
        # Shown before the form: nothing typed there could be saved. (A condition reopened while
        # the form was filled in is refused by the service, with the form kept as typed.)
        context = {"use_case": use_case, "blockers": blockers, "today": timezone.localdate()}
        return render(request, "registry/go_live_blocked.html", context)
    form = DeploymentForm.for_use_case(posted(request), use_case=use_case, user=request.user)
    if request.method == "GET":
        return _render_form(request, form, use_case=use_case)
    entry = saved_or_none(
        form,
        lambda data: workflows.deployment_create(actor=request.user, use_case=use_case, data=data),
    )
    if entry is None:
        return _render_form(request, form, use_case=use_case, status=400)
    messages.success(
        request,
        gettext("%(reference)s is in the registry, in pilot.") % {"reference": entry.reference},
    )
    return redirect("registry:detail", pk=entry.pk)


@require_http_methods(["GET", "POST"])
@refusals_answered(back_to("registry:detail"))
def registry_edit(request, pk):
    entry = deployment_get_visible(user=request.user, pk=pk)
    refuse(deployment_edit_refusal(user=request.user, deployment=entry))
    form = DeploymentForm.for_entry(posted(request), deployment=entry)
    if request.method == "GET":
        return _render_form(request, form, use_case=entry.use_case, entry=entry)
    saved = saved_or_none(
        form,
        lambda data: workflows.deployment_update(
            actor=request.user, deployment=entry, data=data, version=form.read_version
        ),
    )
    if saved is None:
        status = 409 if form.stale else 400
        return _render_form(request, form, use_case=entry.use_case, entry=entry, status=status)
    if material_changes(form.changed_data):
        messages.success(request, gettext("Saved. %(hint)s") % {"hint": change_control_hint()})
    else:
        messages.success(request, gettext("Saved."))
    return redirect("registry:detail", pk=entry.pk)


def _render_form(request, form, *, use_case, entry=None, status=200):
    context = {
        "form": form,
        "use_case": use_case,
        "entry": entry,
        "change_control_hint": change_control_hint(),
    }
    return render(request, "registry/form.html", context, status=status)


# What a move does, said on the page that asks to confirm it.
STAGE_CONSEQUENCES: dict[str, str] = {
    Stage.PRODUCTION: "Customers meet the tool in production, at full scale.",
    Stage.PILOT: "The tool serves customers again, in pilot.",
    Stage.SUSPENDED: (
        "The tool must stop serving customers now. It can be moved back only while the "
        "council's last word on the use case is an approval and no review is open."
    ),
    Stage.RETIRED: (
        "Retired for good: the entry can no longer be edited or moved. If it is the use case's "
        "last entry in service, the use case leaves service too."
    ),
}
REQUEST_CONSEQUENCE = (
    "This is a request, not a move: a change review of the use case opens, and the entry stays "
    "in {stage} until the council approves it."
)


def _stage_consequence(entry, target: str) -> str:
    if services.is_requested_move(entry, target):
        return REQUEST_CONSEQUENCE.format(stage=entry.get_stage_display())
    return STAGE_CONSEQUENCES[target]


def _render_stage_confirm(request, entry, form, target: str, status=200):
    context = {
        "entry": entry,
        "form": form,
        "target": target,
        "target_label": Stage(target).label,
        "action": _stage_action(entry, target),
        "consequence": _stage_consequence(entry, target),
        "leaving_pilot": entry.stage == Stage.PILOT and target == Stage.PRODUCTION,
        "kpis": kpi_results(entry),
    }
    return render(request, "registry/stage_confirm.html", context, status=status)


@require_http_methods(["GET", "POST"])
@refusals_answered(back_to("registry:detail"))
def registry_stage(request, pk):
    """GET `?stage=<target>` asks to confirm the move (with a reason); its POST makes it."""
    entry = deployment_get_visible(user=request.user, pk=pk)
    refuse(deployment_stage_refusal(user=request.user, deployment=entry))
    if request.method == "GET":
        target = request.GET.get("stage", "")
        if target not in services.deployment_stage_targets(entry):
            messages.error(
                request,
                gettext("%(reference)s cannot move to that stage now.")
                % {"reference": entry.reference},
            )
            return redirect("registry:detail", pk=entry.pk)
        return _render_stage_confirm(request, entry, StageForm(initial={"stage": target}), target)
    form = StageForm(request.POST)
    moved = saved_or_none(
        form,
        lambda data: workflows.deployment_change_stage(
            actor=request.user, deployment=entry, **data
        ),
    )
    if moved is None:
        target = request.POST.get("stage", "")
        if target not in Stage.values:
            return _render_detail(request, entry, stage_form=form, status=400)
        return _render_stage_confirm(request, entry, form, target, status=400)
    if moved.requested_stage:
        messages.success(
            request,
            gettext(
                "%(stage)s requested: the council reviews it, and %(reference)s stays in "
                "%(current)s until it approves."
            )
            % {
                "stage": gettext(moved.get_requested_stage_display()),
                "reference": moved.reference,
                "current": gettext(moved.get_stage_display()),
            },
        )
    else:
        messages.success(
            request,
            gettext("%(reference)s is now in %(stage)s.")
            % {"reference": moved.reference, "stage": gettext(moved.get_stage_display())},
        )
    return redirect("registry:detail", pk=entry.pk)


@require_POST
@refusals_answered(back_to("registry:detail"))
def kpi_define(request, pk):
    entry = deployment_get_visible(user=request.user, pk=pk)
    refuse(kpi_record_refusal(user=request.user, deployment=entry))
    form = KpiForm(request.POST)
    kpi = saved_or_none(
        form, lambda data: services.kpi_define(actor=request.user, deployment=entry, **data)
    )
    if kpi is None:
        return _render_detail(request, entry, kpi_form=form, status=400)
    messages.success(
        request,
        gettext("%(reference)s now tracks “%(kpi)s”.")
        % {"reference": entry.reference, "kpi": kpi.name},
    )
    return redirect(reverse("registry:detail", args=[entry.pk]) + "#value")


@require_POST
@refusals_answered(back_to("registry:detail"))
def kpi_measure(request, pk):
    entry = deployment_get_visible(user=request.user, pk=pk)
    refuse(kpi_record_refusal(user=request.user, deployment=entry))
    form = KpiMeasureForm(request.POST, deployment=entry)
    measured = saved_or_none(form, lambda data: services.kpi_measure(actor=request.user, **data))
    if measured is None:
        return _render_detail(request, entry, measure_form=form, status=400)
    messages.success(
        request,
        gettext("“%(kpi)s” recorded for %(day)s.")
        % {"kpi": measured.kpi.name, "day": f"{measured.measured_on:%-d %b %Y}"},
    )
    return redirect(reverse("registry:detail", args=[entry.pk]) + "#value")


@require_POST
@refusals_answered(back_to("registry:detail"))
@once_per_form
def incident_report(request, pk):
    entry = deployment_get_visible(user=request.user, pk=pk)
    # Refused before any input is read, so a refused user never learns what was wrong with it.
    refuse(incident_report_refusal(user=request.user))
    form = IncidentReportForm(request.POST)
    reported = saved_or_none(
        form,
        lambda data: workflows.incident_report(actor=request.user, deployment=entry, **data),
    )
    if reported is None:
        return _render_detail(request, entry, report_form=form, status=400)
    messages.success(
        request, gettext("Incident reported. The owners and the chair have been told.")
    )
    return redirect("registry:detail", pk=entry.pk)


@require_POST
@refusals_answered(back_to("registry:detail"))
def incident_update(request, pk, incident_pk):
    entry = deployment_get_visible(user=request.user, pk=pk)
    refuse(incident_update_refusal(user=request.user, use_case=entry.use_case))
    incident = get_object_or_404(entry.incidents, pk=incident_pk)
    form = _incident_form(incident, request.POST)
    updated = saved_or_none(
        form,
        lambda data: services.incident_update(actor=request.user, incident=incident, **data),
    )
    if updated is None:
        return _render_detail(request, entry, failed_incident=(incident.pk, form), status=400)
    messages.success(
        request,
        gettext("Incident marked %(status)s.") % {"status": updated.get_status_display().lower()},
    )
    return redirect(reverse("registry:detail", args=[entry.pk]) + f"#incident-{incident.pk}")


@require_POST
@refusals_answered(back_to("registry:detail"))
def public_wording_approve(request, pk):
    """The chair approves the entry's public wording for the council."""
    entry = deployment_get_visible(user=request.user, pk=pk)
    approved = services.public_wording_approve(actor=request.user, deployment=entry)
    messages.success(
        request,
        gettext("The public wording of %(reference)s is approved and may now show.")
        % {"reference": approved.reference},
    )
    return redirect(reverse("registry:detail", args=[entry.pk]) + "#public-wording")


def _client_address(request) -> str:
    """The customer's address: behind the production proxy, the one it appended last."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded and not settings.DEBUG:
        return str(forwarded.split(",")[-1].strip())
    return str(request.META.get("REMOTE_ADDR", ""))


@login_not_required
@require_POST
def transparency_complain(request, reference):
    """A customer contests a decision or complains about a tool, from its public page: no login,
    a limit per address and hour (429 with the form and the reason), a trap for robots."""
    deployment = deployment_get_published(reference)
    address = _client_address(request)
    form = ComplaintForm(request.POST)
    refusal = complaint_rate_refusal(address)
    if refusal is not None:
        return views.render_tool(
            request, deployment, form=form, refusal=refusal.message, status=refusal.status_code
        )
    if form.is_spam():
        services.complaint_attempt_count(address)
        return _complaint_thanks(request, reference)
    if not form.is_valid():
        return views.render_tool(request, deployment, form=form, status=400)
    try:
        workflows.complaint_receive(deployment=deployment, address=address, **_complaint_data(form))
    except ValidationError as error:
        form.add_error(None, error)
        return views.render_tool(request, deployment, form=form, status=400)
    except DomainError as error:
        return views.render_tool(
            request, deployment, form=form, refusal=error.message, status=error.status_code
        )
    return _complaint_thanks(request, reference)


def _complaint_data(form: ComplaintForm) -> dict:
    data = form.cleaned_data
    return {"kind": data["kind"], "message": data["message"], "contact": data["contact"]}


def _complaint_thanks(request, reference):
    messages.success(
        request,
        gettext(
            "Thank you: we have received your message. The people responsible for this tool "
            "will look at it, and answer you if you told us how."
        ),
    )
    return redirect(reverse("transparency-tool", args=[reference]) + "#complaint")


@require_POST
@refusals_answered(back_to("registry:detail"))
def complaint_close(request, pk, complaint_pk):
    entry = deployment_get_visible(user=request.user, pk=pk)
    complaint = get_object_or_404(
        complaints_visible(user=request.user, deployment=entry), pk=complaint_pk
    )
    services.complaint_close(actor=request.user, complaint=complaint)
    messages.success(request, gettext("Complaint closed."))
    return redirect(reverse("registry:detail", args=[entry.pk]) + "#complaints")
