"""Filters of the use-case lists, shared by the pages and the API."""

import django_filters
from django.db import connection
from django.db.models import Q

from common.limits import SEARCH_MAX
from council.models import Team

from .choices import Channel, Function, RiskTier, State
from .models import UseCase
from .selectors import usecase_mine_q


def json_list_contains(field: str, value: str) -> Q:
    """Rows whose JSON list `field` holds `value`.

    PostgreSQL answers with jsonb containment; SQLite has no such operator, so there the
    quoted word is matched in the stored text (enumeration words never contain quotes).
    """
    if connection.vendor == "postgresql":
        return Q(**{f"{field}__contains": [value]})
    return Q(**{f"{field}__icontains": f'"{value}"'})


class UseCaseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search", max_length=SEARCH_MAX)
    mine = django_filters.BooleanFilter(method="only_mine", label="Only my teams' use cases")
    state = django_filters.ChoiceFilter(choices=State.choices)
    risk_tier = django_filters.ChoiceFilter(choices=RiskTier.choices, label="Risk tier")
    team = django_filters.ModelChoiceFilter(queryset=Team.objects.all())
    function = django_filters.ChoiceFilter(
        choices=Function.choices, method="has_function", label="Business function"
    )
    channel = django_filters.ChoiceFilter(
        choices=Channel.choices, method="has_channel", label="Channel"
    )

    class Meta:
        model = UseCase
        fields = ["q", "mine", "state", "risk_tier", "team", "function", "channel"]

    def search(self, queryset, name, value):
        terms = Q()
        for field in ("reference", "title", "summary", "business_problem", "vendor", "tool_name"):
            terms |= Q(**{f"{field}__icontains": value.strip()})
        return queryset.filter(terms)

    def only_mine(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(usecase_mine_q(self.request.user))

    def has_function(self, queryset, name, value):
        return queryset.filter(json_list_contains("functions", value))

    def has_channel(self, queryset, name, value):
        return queryset.filter(json_list_contains("channels", value))
