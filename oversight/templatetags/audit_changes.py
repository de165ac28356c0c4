"""An audit event as people read it: "Field: before → after" with labels, the object's kind in
words with a link to its page, and the person's name beside the username."""

from functools import partial

from django import template
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.urls import reverse

from oversight.audit_filters import object_kind_label, person_label
from oversight.dossier import event_changes, plain_text

register = template.Library()

# The page of each kind of object that has one, by URL name; the event's object id is its key.
OBJECT_PAGES = {
    "usecases.usecase": "usecases:detail",
    "registry.deployment": "registry:detail",
    "reviews.review": "reviews:detail",
}


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


@register.filter
def object_kind(event) -> str:
    return object_kind_label(event.object_type)


@register.filter
def object_page(event) -> str:
    """The URL of the event's object, or "" when it has no page: built from the event, no query."""
    url_name = OBJECT_PAGES.get(event.object_type)
    object_id = event.object_id
    if url_name is None or not (object_id.isascii() and object_id.isdigit()):
        return ""
    return reverse(url_name, args=[int(object_id)])


@register.filter
def actor_label(event) -> str:
    """Who acted: the name beside the username recorded at the time, "system" for nobody."""
    if event.actor is None:
        return event.actor_username or "system"
    username = event.actor_username or event.actor.get_username()
    return person_label(username=username, name=event.actor.get_full_name())
