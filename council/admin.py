from django.contrib import admin

from .models import RoleAssignment, Team, TeamMembership
from .services import model_snapshot, record_admin_change


class AuditedAdmin(admin.ModelAdmin):
    """Admin changes are audit events like any other change."""

    def save_model(self, request, obj, form, change):
        before = None
        if change:
            stored = type(obj).objects.get(pk=obj.pk)
            before = model_snapshot(stored, [f.attname for f in obj._meta.concrete_fields])
        super().save_model(request, obj, form, change)
        record_admin_change(actor=request.user, obj=obj, before=before)

    def delete_model(self, request, obj):
        record_admin_change(actor=request.user, obj=obj, before=None, deleted=True)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


class TeamMembershipInline(admin.TabularInline):
    model = TeamMembership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Team)
class TeamAdmin(AuditedAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(TeamMembership)
class TeamMembershipAdmin(AuditedAdmin):
    list_display = ["user", "team", "starts_on", "ends_on"]
    list_filter = ["team"]
    list_select_related = ["user", "team"]
    search_fields = ["user__username", "user__email", "team__name"]
    autocomplete_fields = ["user", "team"]
    date_hierarchy = "starts_on"


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(AuditedAdmin):
    list_display = ["user", "role", "starts_on", "ends_on"]
    list_filter = ["role"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__email"]
    autocomplete_fields = ["user"]
