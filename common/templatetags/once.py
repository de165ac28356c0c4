"""{% once_token %}: the hidden one-time token of a form that creates something
(common.pages.once_per_form)."""

import secrets

from django import template
from django.utils.html import format_html

from common.pages import ONCE_FIELD

register = template.Library()


@register.simple_tag
def once_token() -> str:
    return format_html(
        '<input type="hidden" name="{}" value="{}">', ONCE_FIELD, secrets.token_urlsafe(24)
    )
