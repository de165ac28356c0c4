"""Text typed as one long word (a pasted link, a key held down) must not hurt: the dossier
PDF breaks such words at fixed points (oversight.templatetags.breakable) instead of letting the
renderer look for a break after every character, which took minutes for one 4,000-character word.

Personas as in conftest: the council reviews, audrey audits.
"""

import io
import time

from django.urls import reverse
from pypdf import PdfReader

from common.limits import CONDITIONS_MAX, NOTE_MAX, TEXT_MAX
from oversight.templatetags.breakable import BREAK_EVERY, PDF_WORD_BREAK, breakable

from .reviews_support import reviewer_for

ALPHABET = "abcdefghijklmnopqrstuvwxyz"


def one_word(length: int, start: str = "") -> str:
    return (start + ALPHABET * (length // len(ALPHABET) + 1))[:length]


def test_the_dossier_pdf_of_the_longest_single_words_allowed_renders_in_seconds(
    api, login, review, council, auditor
):
    privacy = api(reviewer_for(review, "privacy"))
    body = {
        "choice": "approve_with_conditions",
        "reasons": one_word(TEXT_MAX, start="REASONS"),
        "conditions": [
            {"text": one_word(NOTE_MAX, start=f"CONDITION{n:02d}"), "blocking": False}
            for n in range(CONDITIONS_MAX)
        ],
    }
    assert (
        privacy.post(f"/api/v1/reviews/{review.pk}/votes/", body, format="json").status_code == 201
    )

    timings = {}
    responses = {}
    for name, url in {
        "review page": reverse("reviews:detail", args=[review.pk]),
        "use case page": reverse("usecases:detail", args=[review.use_case_id]),
        "dossier": reverse("oversight:dossier", args=[review.use_case_id]),
        "dossier PDF": reverse("oversight:dossier_pdf", args=[review.use_case_id]),
    }.items():
        started = time.monotonic()
        responses[name] = login(auditor).get(url)
        timings[name] = time.monotonic() - started
        assert responses[name].status_code == 200, name
    # Measured before the fix: one such word alone kept the PDF rendering for over 100 s.
    # Guards against a hang, not speed targets (those are benchmarks): before the break points
    # one such word kept the PDF busy for minutes, and 10,000 conditions the review page 43 s.
    assert timings["review page"] < 5, timings
    assert timings["use case page"] < 5, timings
    assert timings["dossier"] < 5, timings
    assert timings["dossier PDF"] < 60, timings

    # Each word's first 200 characters, whole once the breaks and line ends are taken out; pages
    # are read until all are found (reading the audit trail's pages too would take seconds).
    pieces = [one_word(200, start=f"CONDITION{n:02d}") for n in range(CONDITIONS_MAX)]
    pieces.append(one_word(200, start="REASONS"))
    text = ""
    for page in PdfReader(io.BytesIO(responses["dossier PDF"].content)).pages:
        text += page.extract_text().replace("\u200b", "").replace("\n", "")
        if all(piece in text for piece in pieces):
            break
    assert [piece[:12] for piece in pieces if piece not in text] == []
    # On screen the word is left whole, for the browser to wrap.
    for name in ["review page", "dossier"]:
        assert one_word(NOTE_MAX, start="CONDITION00").encode() in responses[name].content, name


def test_breakable_offers_a_break_inside_long_words_only():
    long_word = "x" * (BREAK_EVERY * 2 + 5)
    broken = breakable(f"short words stay & {long_word}", PDF_WORD_BREAK)
    assert broken.startswith("short words stay &amp; ")
    assert broken.count(PDF_WORD_BREAK) == 2
    assert broken.replace(PDF_WORD_BREAK, "").endswith(long_word)
    assert breakable(f"<b>{long_word}</b>", PDF_WORD_BREAK).startswith("&lt;b&gt;")
    # Screens (no word_break given) get the text as typed.
    assert breakable(long_word) == long_word
