from datetime import date

from django import template
from django.utils import timezone

register = template.Library()


@register.simple_tag
def obligations_dated(obligations):
    """The stored obligations with their start as a date and whether they apply today."""
    today = timezone.localdate()
    rows = []
    for obligation in obligations or ():
        starts = date.fromisoformat(obligation["applies_from"])
        rows.append({**obligation, "starts": starts, "in_force": starts <= today})
    return rows
