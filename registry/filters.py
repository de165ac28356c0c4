"""Filters of the registry list (SPEC section 11: `team`, `risk_tier`, `stage`)."""

import django_filters

from council.models import Team
from usecases.choices import RiskTier

from .models import Deployment, Stage


class DeploymentFilter(django_filters.FilterSet):
    # The team owns the use case, not the entry: filter through it (one join, no extra query).
    # "Any" as the empty choice, as on the other lists' filters (not django-filter's dashes).
    team = django_filters.ModelChoiceFilter(
        field_name="use_case__team", queryset=Team.objects.all(), empty_label="Any"
    )
    risk_tier = django_filters.ChoiceFilter(
        choices=RiskTier.choices, label="Risk tier", empty_label="Any"
    )
    stage = django_filters.ChoiceFilter(choices=Stage.choices, empty_label="Any")
    legacy = django_filters.BooleanFilter(
        label="Imported (legacy)",
        help_text="true: the entries brought in by an import; false: the others.",
    )

    class Meta:
        model = Deployment
        fields = ["team", "risk_tier", "stage", "legacy"]
