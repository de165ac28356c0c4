"""The registry's pages for staff: the list everyone who may see entries reads, and one entry.

Thin views over registry.selectors and registry.services (the public page is in views.py).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from council.errors import DomainError
from council.selectors import is_auditor

from . import services
from .filters import DeploymentFilter
from .models import IncidentKind, Severity
from .selectors import deployment_get_visible, deployment_list_visible, is_overdue


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
    entry = deployment_get_visible(user=request.user, pk=pk)
    return render(
        request,
        "registry/detail.html",
        {
            "entry": entry,
            "overdue": is_overdue(entry),
            "incidents": entry.incidents.select_related("reported_by"),
            "versions": entry.versions.all(),
            "can_report": not is_auditor(request.user),
            "incident_kinds": IncidentKind.choices,
            "severities": Severity.choices,
        },
    )


@require_POST
def incident_report(request, pk):
    entry = deployment_get_visible(user=request.user, pk=pk)
    try:
        services.incident_report(
            actor=request.user,
            deployment=entry,
            kind=request.POST.get("kind", ""),
            severity=request.POST.get("severity", ""),
            description=request.POST.get("description", "").strip(),
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    except DomainError as error:
        if error.status_code == 403:
            raise PermissionDenied(error.message) from error
        messages.error(request, error.message)
    else:
        messages.success(request, "Incident reported. The owners and the chair have been told.")
    return redirect("registry:detail", pk=entry.pk)
