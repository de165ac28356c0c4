"""The use-case dossier as a printable page and as a PDF (the rules live in oversight.dossier).

Viewing the page is reading; downloading the PDF is an export, recorded in the audit trail.
"""

import json

from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from common.pages import back_to, refusals_answered
from usecases.answers import answers_by_section

from .dossier import (
    DossierPdfUnavailable,
    dossier_pdf_export,
    dossier_use_case_get,
    usecase_dossier,
)
from .templatetags.breakable import PDF_WORD_BREAK

STYLESHEET = "css/app.css"


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
    context = _context(request, pk, word_break=PDF_WORD_BREAK)
    dossier = context["dossier"]
    try:
        export = dossier_pdf_export(
            actor=request.user,
            dossier=dossier,
            html=render_to_string("oversight/dossier_pdf.html", context, request=request),
            base_url=request.build_absolute_uri("/"),
            stylesheet=finders.find(STYLESHEET),
        )
    except DossierPdfUnavailable as error:
        return render(
            request,
            "oversight/dossier_unavailable.html",
            {"use_case": dossier.use_case, "message": str(error)},
            status=503,
        )
    response = HttpResponse(export.pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=dossier.filename
    )
    response["X-Export-Manifest"] = json.dumps(export.manifest, ensure_ascii=True)
    response["X-Export-Signature"] = export.signature
    return response
