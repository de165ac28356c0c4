"""Filters of the use-case lists, shared by the pages and the API."""

import django_filters
from django.db import connection
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common.forms import translated_choices
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
    q = django_filters.CharFilter(method="search", label=_("Search"), max_length=SEARCH_MAX)
    mine = django_filters.BooleanFilter(method="only_mine", label=_("Only my teams' use cases"))
    state = django_filters.ChoiceFilter(choices=translated_choices(State), label=_("State"))
    risk_tier = django_filters.ChoiceFilter(
        choices=translated_choices(RiskTier), label=_("Risk tier")
    )
    team = django_filters.ModelChoiceFilter(queryset=Team.objects.all(), label=_("Team"))
    function = django_filters.ChoiceFilter(
        choices=translated_choices(Function), method="has_function", label=_("Business function")
    )
    channel = django_filters.ChoiceFilter(
        choices=translated_choices(Channel), method="has_channel", label=_("Channel")
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
