"""The use-case dossier as a printable page and as a PDF (the rules live in oversight.dossier).

Viewing the page is reading; downloading the PDF is an export, recorded in the audit trail. A
long dossier's PDF is built by a Celery task (oversight.tasks), kept as a private file and served
by `usecase_dossier_pdf_built` to whoever may read the dossier.
"""

from functools import partial

from django.core.files.storage import default_storage
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from audit.signing import manifest_signature
from common.pages import back_to, refusals_answered
from usecases.answers import answers_by_section

from .dossier import (
    DossierPdfUnavailable,
    dossier_in_background,
    dossier_pdf_render,
    dossier_pdf_stored,
    dossier_use_case_get,
    usecase_dossier,
)
from .exports_api import signed
from .tasks import dossier_pdf_build
from .templatetags.breakable import PDF_WORD_BREAK


def _context(request, pk, *, word_break: str = "") -> dict:
    use_case = dossier_use_case_get(user=request.user, pk=pk)
    return {
        "dossier": usecase_dossier(use_case=use_case),
        "sections": answers_by_section(use_case),
        # Screens wrap long words with CSS; the PDF gets a break every few characters in them.
        "word_break": word_break,
    }


@require_GET
@refusals_answered(back_to("usecases:detail"))
def usecase_dossier_page(request, pk):
    return render(request, "oversight/dossier.html", _context(request, pk))


@require_GET
@refusals_answered(back_to("usecases:detail"))
def usecase_dossier_pdf(request, pk):
    """The PDF now, or for a long dossier, built in the background with a notification."""
    context = _context(request, pk, word_break=PDF_WORD_BREAK)
    dossier = context["dossier"]
    if dossier_in_background(dossier):
        transaction.on_commit(
            partial(dossier_pdf_build.delay, dossier.use_case.pk, request.user.pk)
        )
        return render(
            request, "oversight/dossier_queued.html", {"use_case": dossier.use_case}, status=202
        )
    try:
        export = dossier_pdf_render(
            actor=request.user, dossier=dossier, sections=context["sections"]
        )
    except DossierPdfUnavailable as error:
        return render(
            request,
            "oversight/dossier_unavailable.html",
            {"use_case": dossier.use_case, "message": str(error)},
            status=503,
        )
    return _pdf_response(export.pdf, dossier.filename, export.manifest, export.signature)


@require_GET
@refusals_answered(back_to("usecases:detail"))
def usecase_dossier_pdf_built(request, pk, seq):
    """A PDF built in the background, to anyone who may read the dossier (never by its path)."""
    use_case = dossier_use_case_get(user=request.user, pk=pk)
    stored = dossier_pdf_stored(use_case=use_case, seq=seq)
    with default_storage.open(stored.name) as file:
        pdf = file.read()
    filename = f"{use_case.reference}-dossier.pdf"
    return _pdf_response(pdf, filename, stored.manifest, manifest_signature(stored.manifest))


def _pdf_response(pdf: bytes, filename: str, manifest: dict, signature: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=filename
    )
    return signed(response, manifest, signature)
