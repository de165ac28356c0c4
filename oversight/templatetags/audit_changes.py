"""An audit event's changes as people read them: "Field: before → after", with labels."""

from functools import partial

from django import template
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist

from oversight.dossier import event_changes, plain_text

register = template.Library()


def field_label(object_type: str, name: str) -> str:
    """The model field's label when the event's object has such a field, else the name in words."""
    try:
        field = apps.get_model(object_type)._meta.get_field(name) if "." in object_type else None
    except (LookupError, FieldDoesNotExist):
        field = None
    label = getattr(field, "verbose_name", None) or name.replace("_", " ")
    return str(label).capitalize()


@register.filter
def change_lines(event) -> list[tuple[str, str, str]]:
    """(label, before, after) for each change, values in words (the dossier's rows, labelled)."""
    return event_changes(
        event.changes or {},
        text=plain_text,
        label=partial(field_label, event.object_type),
        nothing="—",
    )
