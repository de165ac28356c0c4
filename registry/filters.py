"""Filters of the registry list (SPEC section 11: `team`, `risk_tier`, `stage`)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from common.forms import translated_choices
from council.models import Team
from usecases.choices import RiskTier

from .models import Deployment, Stage


class DeploymentFilter(django_filters.FilterSet):
    # The team owns the use case, not the entry: filter through it (one join, no extra query).
    # "Any" as the empty choice, as on the other lists' filters (not django-filter's dashes).
    team = django_filters.ModelChoiceFilter(
        field_name="use_case__team",
        queryset=Team.objects.all(),
        empty_label=_("Any"),
        label=_("Team"),
    )
    risk_tier = django_filters.ChoiceFilter(
        choices=translated_choices(RiskTier), label=_("Risk tier"), empty_label=_("Any")
    )
    stage = django_filters.ChoiceFilter(
        choices=translated_choices(Stage), empty_label=_("Any"), label=_("Stage")
    )
    legacy = django_filters.BooleanFilter(
        label=_("Imported (legacy)"),
        help_text="true: the entries brought in by an import; false: the others.",
    )

    class Meta:
        model = Deployment
        fields = ["team", "risk_tier", "stage", "legacy"]
