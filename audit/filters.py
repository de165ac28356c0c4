from django_filters import rest_framework as filters

from .models import AuditEvent


class AuditEventFilter(filters.FilterSet):
    object_type = filters.CharFilter()
    object_id = filters.CharFilter()
    actor = filters.NumberFilter(field_name="actor_id")
    action = filters.CharFilter()
    date_from = filters.DateFilter(field_name="at", lookup_expr="date__gte", label="From (date)")
    date_to = filters.DateFilter(field_name="at", lookup_expr="date__lte", label="To (date)")

    class Meta:
        model = AuditEvent
        fields = ["object_type", "object_id", "actor", "action"]


# The SPEC names the date range `from` and `to`; `from` is a Python keyword, so the filters
# are declared under other names and published under the SPEC's ones.
AuditEventFilter.base_filters["from"] = AuditEventFilter.base_filters.pop("date_from")
AuditEventFilter.base_filters["to"] = AuditEventFilter.base_filters.pop("date_to")
