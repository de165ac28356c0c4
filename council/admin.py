from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from .models import RoleAssignment, Team, TeamMembership
from .services import record_admin_change, stored_snapshot


class AuditedAdmin(admin.ModelAdmin):
    """Admin changes are audit events like any other change."""

    def save_model(self, request, obj, form, change):
        before = stored_snapshot(obj) if change else None
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


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0


class UserTeamMembershipInline(admin.TabularInline):
    model = TeamMembership
    extra = 0
    autocomplete_fields = ["team"]


class CouncilUserAdmin(UserAdmin):
    """Users with their teams and roles on one page."""

    inlines = [UserTeamMembershipInline, RoleAssignmentInline]

    def save_formset(self, request, form, formset, change):
        # Inline rows are audited one by one, like changes made on their own pages.
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            record_admin_change(actor=request.user, obj=obj, before=None, deleted=True)
            obj.delete()
        for obj in instances:
            before = stored_snapshot(obj) if obj.pk else None
            obj.save()
            record_admin_change(actor=request.user, obj=obj, before=before)
        formset.save_m2m()


User = get_user_model()
admin.site.unregister(User)
admin.site.register(User, CouncilUserAdmin)
