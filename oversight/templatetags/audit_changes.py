"""An audit event's changes as people read them: "Field: before → after", with labels."""

from typing import Any

from django import template
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist

register = template.Library()

NOTHING = "—"


def field_label(object_type: str, name: str) -> str:
    """The model field's label when the event's object has such a field, else the name in words."""
    try:
        field = apps.get_model(object_type)._meta.get_field(name) if "." in object_type else None
    except (LookupError, FieldDoesNotExist):
        field = None
    label = getattr(field, "verbose_name", None) or name.replace("_", " ")
    return str(label).capitalize()


def readable(value: Any) -> str:
    if value is None or value == "" or value == []:
        return NOTHING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(readable(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {readable(v)}" for k, v in value.items())
    return str(value)


@register.filter
def change_lines(event) -> list[tuple[str, str, str]]:
    """(label, before, after) for each change; a value that is not a [before, after] pair is
    shown as the value it records."""
    lines = []
    for name, change in (event.changes or {}).items():
        if isinstance(change, list) and len(change) == 2:
            before, after = readable(change[0]), readable(change[1])
        else:
            before, after = NOTHING, readable(change)
        lines.append((field_label(event.object_type, name), before, after))
    return lines
