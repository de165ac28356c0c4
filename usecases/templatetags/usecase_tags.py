from datetime import date

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext

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


# The two badges every list shows on each row: tags, not included templates, which cost a
# template context and lookup per row (a fifth of a list page's time).


@register.simple_tag
def state_badge(state: str, label: str) -> str:
    """A state (of a use case, or a review's outcome) as a badge."""
    return format_html('<span class="badge badge--state-{}">{}</span>', state, label)


@register.simple_tag
def tier_badge(tier: str, label: str, *, provisional: bool = False, noun: str = "") -> str:
    """A tier as a badge, "<label> risk" (or another noun); a provisional one says so."""
    badge = format_html(
        '<span class="badge badge--tier-{}">{} {}</span>', tier, label, noun or gettext("risk")
    )
    if provisional:
        return badge + format_html('<span class="badge-note">{}</span>', gettext("provisional"))
    return badge
