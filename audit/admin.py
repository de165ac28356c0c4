from typing import TYPE_CHECKING

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from .models import AuditEvent


class ReadOnlyMixin:
    """For records that change only through their services (rules, history, audit trail):
    the admin shows them and changes nothing. Fits model admins and inlines alike."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


# ModelAdmin is generic only in django-stubs: at run time it cannot be subscripted.
if TYPE_CHECKING:
    _AuditEventModelAdmin = admin.ModelAdmin[AuditEvent]
else:
    _AuditEventModelAdmin = admin.ModelAdmin


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyMixin, _AuditEventModelAdmin):
    """Read-only: the audit trail is append-only."""

    list_display = ["seq", "at", "actor_username", "action", "object_type", "object_ref"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_ref", "actor_username", "object_id"]
    date_hierarchy = "at"
