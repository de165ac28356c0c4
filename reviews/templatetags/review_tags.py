"""Council review on other apps' pages, and the checklist's evidence with its links.

The use case page (usecases may not import reviews) shows the council's request for changes
through `changes_requested`, as the registry's tags offer "Record deployment" there.
"""

import re

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from ..selectors import ChangesRequested, changes_requested_of

register = template.Library()

# Only web addresses become links: never javascript:, data: or any other scheme. Django's
# `urlize` would also link bare domain names and e-mail addresses, and says rel="nofollow".
WEB_ADDRESS = re.compile(r"\bhttps?://[^\s<>\"']+", re.IGNORECASE)
# Punctuation that ends a sentence rather than the address.
TRAILING = ".,;:!?)]}"


@register.filter
def linkify(text: object) -> SafeString:
    """The text escaped, its http and https addresses as links that open nothing of this page
    to the target (rel="noopener noreferrer")."""
    text = "" if text is None else str(text)
    parts, last = [], 0
    for match in WEB_ADDRESS.finditer(text):
        address = match.group(0)
        end = match.end()
        while address and address[-1] in TRAILING:
            address, end = address[:-1], end - 1
        parts.append(escape(text[last : match.start()]))
        parts.append(format_html('<a href="{}" rel="noopener noreferrer">{}</a>', address, address))
        last = end
    parts.append(escape(text[last:]))
    return mark_safe("".join(parts))  # noqa: S308 - every part is escaped above


@register.simple_tag(takes_context=True)
def changes_requested(context, use_case) -> ChangesRequested | None:
    """What the council asked the team to change, when the latest review of the use case
    requested changes and the user may see it; None otherwise."""
    return changes_requested_of(use_case=use_case, user=context["request"].user)
