"""A use case's answers in words, section by section: its own page and its dossier print them alike."""

from typing import TYPE_CHECKING

from django.utils.translation import gettext

from common.forms import person_label

from .choices import LIST_FIELDS, SINGLE_CHOICE_FIELDS
from .forms import QUESTIONS, SECTIONS, Section

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def answers_by_section(use_case) -> list[tuple[Section, list[tuple["StrOrPromise", str | None]]]]:
    """Each section with (question, answer in words) rows; None when not answered."""
    return [
        (section, [(QUESTIONS[name][0], _answer_text(use_case, name)) for name in section.fields])
        for section in SECTIONS
    ]


def _answer_text(use_case, name: str) -> str | None:
    """The answer in words, in the language of the page (choices' labels are in the catalogue)."""
    value = getattr(use_case, name)
    if name in LIST_FIELDS:
        labels = dict(LIST_FIELDS[name].choices)
        return ", ".join(gettext(str(labels[v])) if v in labels else v for v in value) or None
    if name == "team":
        return use_case.team.name
    if name == "business_owner":
        return person_label(value) if value else None
    if name in SINGLE_CHOICE_FIELDS:
        return (
            gettext(str(label)) if (label := getattr(use_case, f"get_{name}_display")()) else None
        )
    if name == "markets":
        return ", ".join(value) or None
    if value is None or isinstance(value, bool):
        return None if value is None else gettext("Yes") if value else gettext("No")
    return value or None
