"""The chair's import of an existing inventory: upload and check a spreadsheet (nothing is
imported), read the report row by row, then import it (SPEC section 11, `/registry/import/`)."""

import csv
import io
import logging
from functools import partial

from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from kombu.exceptions import OperationalError

import workflows
from common.errors import refuse
from common.pages import once_per_form, posted, refusals_answered, saved_or_none

from . import services, tasks
from .forms import ImportForm
from .imports import COLUMNS, RowStatus
from .models import ImportStatus, RegistryImport
from .selectors import registry_import_refusal

logger = logging.getLogger(__name__)

ROWS_PER_PAGE = 100
IMPORTS_PER_PAGE = 20


def _to_imports(request, **_):
    return reverse("registry:import")


@refusals_answered(_to_imports)
def registry_import(request):
    """The upload form, the template and the imports so far; a file sent is checked and kept,
    and its report shown (nothing imported yet)."""
    refuse(registry_import_refusal(user=request.user))
    form = ImportForm(posted(request), request.FILES or None)
    checked = saved_or_none(
        form,
        lambda data: workflows.registry_import_check(actor=request.user, upload=data["file"]),
    )
    if checked is not None:
        return redirect("registry:import_report", pk=checked.pk)
    imports = RegistryImport.objects.select_related("checked_by", "imported_by")
    page = Paginator(imports, IMPORTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "registry/import.html",
        {"form": form, "page": page, "columns": COLUMNS},
        status=400 if form.is_bound else 200,
    )


@refusals_answered(_to_imports)
def registry_import_report(request, pk):
    """One file's report: counts, the rows with errors first (or all rows), a page at a time."""
    refuse(registry_import_refusal(user=request.user))
    checked = get_object_or_404(RegistryImport, pk=pk)
    errors_only = request.GET.get("show") == "errors"
    rows = (
        [r for r in checked.report if r["status"] == RowStatus.ERROR]
        if errors_only
        else sorted(checked.report, key=lambda r: (r["status"] != RowStatus.ERROR, r["row"]))
    )
    page = Paginator(rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "registry/import_report.html",
        {
            "checked": checked,
            "page": page,
            "errors_only": errors_only,
            "can_import": checked.status == ImportStatus.CHECKED
            and not checked.rows_with_errors
            and checked.rows_new,
        },
    )


def _to_report(request, pk, **_):
    return reverse("registry:import_report", args=[pk])


@require_POST
@refusals_answered(_to_report)
@once_per_form
def registry_import_run(request, pk):
    """Import a checked file in the background (a large inventory takes minutes): every new
    row, or nothing when a row has an error. The report page says when it is done."""
    checked = get_object_or_404(RegistryImport, pk=pk)
    started = services.registry_import_start(actor=request.user, registry_import=checked)
    transaction.on_commit(partial(_queue_import, started, request.user))
    return redirect("registry:import_report", pk=pk)


def _queue_import(registry_import: RegistryImport, actor) -> None:
    """After the commit, so the worker sees the import `importing`; with the broker down the
    import goes back to checked, saying why."""
    try:
        tasks.registry_import.delay(registry_import.pk, actor.pk)
    except OperationalError:
        logger.warning("Import %s not queued: the broker is down", registry_import.pk)
        services.registry_import_failed(
            actor=actor,
            registry_import=registry_import,
            problem="The background worker could not be reached: import it again in a moment.",
        )


@refusals_answered(_to_imports)
def registry_import_template(request, kind):
    """The template: the columns in order (CSV), or with what each means and an example (XLSX,
    a second sheet; the first sheet is the one read)."""
    refuse(registry_import_refusal(user=request.user))
    if kind == "csv":
        out = io.StringIO()
        csv.writer(out).writerow(column.name for column in COLUMNS)
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            _template_xlsx(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="registry-import-template.{kind}"'
    return response


def _template_xlsx() -> bytes:
    # openpyxl is imported on use: it is large, and only this download needs it.
    from openpyxl import Workbook  # noqa: PLC0415

    workbook = Workbook()
    rows = workbook.active
    rows.title = "Inventory"
    rows.append([column.name for column in COLUMNS])
    guide = workbook.create_sheet("Columns")
    guide.append(["column", "required", "what to write", "example"])
    for column in COLUMNS:
        guide.append([column.name, "yes" if column.required else "", column.help, column.example])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
