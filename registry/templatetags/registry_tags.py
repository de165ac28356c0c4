"""Registry facts other apps' pages show (the use case page offers "Record deployment")."""

from django import template

from registry.selectors import deployment_record_refusal

register = template.Library()


@register.simple_tag(takes_context=True)
def can_record_deployment(context, use_case) -> bool:
    return deployment_record_refusal(user=context["request"].user, use_case=use_case) is None
