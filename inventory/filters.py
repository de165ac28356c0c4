"""Filters of the vendor and model lists, for the pages and the API alike (SPEC section 11)."""

import django_filters

from common.limits import SEARCH_MAX

from .choices import ModelType
from .models import AiModel, Vendor
from .selectors import vendors_lapsed

LAPSED_CHOICES = [("true", "Lapsed"), ("false", "Current")]


class VendorFilter(django_filters.FilterSet):
    # "Any" as the empty choice, as on the other lists' filters (not django-filter's dashes).
    name = django_filters.CharFilter(lookup_expr="icontains", max_length=SEARCH_MAX)
    assessment_lapsed = django_filters.ChoiceFilter(
        choices=LAPSED_CHOICES, label="Assessment", empty_label="Any", method="filter_lapsed"
    )

    class Meta:
        model = Vendor
        fields = ["name", "assessment_lapsed"]

    def filter_lapsed(self, queryset, name, value):
        return vendors_lapsed(queryset, lapsed=value == "true")


class AiModelFilter(django_filters.FilterSet):
    vendor = django_filters.ModelChoiceFilter(
        queryset=Vendor.objects.order_by("name"), empty_label="Any"
    )
    type = django_filters.ChoiceFilter(
        field_name="model_type", choices=ModelType.choices, label="Type", empty_label="Any"
    )
    name = django_filters.CharFilter(lookup_expr="icontains", max_length=SEARCH_MAX)

    class Meta:
        model = AiModel
        fields = ["vendor", "type", "name"]
