from django import forms
from django_filters import rest_framework as filters

from audit.models import AuditEvent
from common.api import IdFilter
from common.limits import SEARCH_MAX, date_in_range

DATE_PICKER = forms.DateInput(attrs={"type": "date"})


class AuditEventFilter(filters.FilterSet):
    object_type = filters.CharFilter(max_length=SEARCH_MAX)
    object_id = filters.CharFilter(max_length=SEARCH_MAX)
    actor = IdFilter(field_name="actor_id", label="Actor (user id)")
    actor_username = filters.CharFilter(
        field_name="actor_username", lookup_expr="iexact", label="Actor (username)",
        max_length=SEARCH_MAX,
    )  # fmt: skip
    action = filters.CharFilter(max_length=SEARCH_MAX)
    # The reference people see (UC-2026-0010, AI-2026-0003): every event about that record.
    reference = filters.CharFilter(
        field_name="object_ref", lookup_expr="iexact", label="Reference (UC-…, AI-…)",
        max_length=SEARCH_MAX,
    )  # fmt: skip
    # A date picker on the auditor's page; the API takes the same YYYY-MM-DD.
    date_from = filters.DateFilter(
        field_name="at", lookup_expr="date__gte", label="From (date)", widget=DATE_PICKER,
        validators=[date_in_range],
    )  # fmt: skip
    date_to = filters.DateFilter(
        field_name="at", lookup_expr="date__lte", label="To (date)", widget=DATE_PICKER,
        validators=[date_in_range],
    )  # fmt: skip

    class Meta:
        model = AuditEvent
        fields = ["reference", "object_type", "object_id", "actor", "actor_username", "action"]

    @classmethod
    def for_page(cls, data, queryset) -> "AuditEventFilter":
        """The auditor's page asks for the actor by username only: people rarely know ids."""
        filterset = cls(data, queryset=queryset)
        del filterset.filters["actor"]
        return filterset


# The SPEC names the date range `from` and `to`; `from` is a Python keyword, so the filters
# are declared under other names and published under the SPEC's ones.
AuditEventFilter.base_filters["from"] = AuditEventFilter.base_filters.pop("date_from")
AuditEventFilter.base_filters["to"] = AuditEventFilter.base_filters.pop("date_to")
