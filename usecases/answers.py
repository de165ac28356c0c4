"""A use case's answers in words, section by section: its own page and its dossier print them alike."""

from common.forms import person_label

from .choices import LIST_FIELDS, SINGLE_CHOICE_FIELDS
from .forms import QUESTIONS, SECTIONS, Section


def answers_by_section(use_case) -> list[tuple[Section, list[tuple[str, str | None]]]]:
    """Each section with (question, answer in words) rows; None when not answered."""
    return [
        (section, [(QUESTIONS[name][0], _answer_text(use_case, name)) for name in section.fields])
        for section in SECTIONS
    ]


def _answer_text(use_case, name: str) -> str | None:
    value = getattr(use_case, name)
    if name in LIST_FIELDS:
        labels = dict(LIST_FIELDS[name].choices)
        return ", ".join(labels.get(v, v) for v in value) or None
    if name == "team":
        return use_case.team.name
    if name == "business_owner":
        return person_label(value) if value else None
    if name in SINGLE_CHOICE_FIELDS:
        return getattr(use_case, f"get_{name}_display")() or None
    if name == "markets":
        return ", ".join(value) or None
    if value is None or isinstance(value, bool):
        return {True: "Yes", False: "No", None: None}[value]
    return value or None
