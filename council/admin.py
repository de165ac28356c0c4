from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from audit.admin import ReadOnlyMixin

from . import outbox
from .models import Notification, RoleAssignment, Team, TeamMembership
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


class EmailStateFilter(admin.SimpleListFilter):
    """Where each notification's e-mail stands (council/outbox.py)."""

    title = "e-mail"
    parameter_name = "email"

    def lookups(self, request, model_admin):
        return [("sent", "Sent"), ("pending", "To send"), ("failed", "Failed")]

    def queryset(self, request, queryset):
        if self.value() == "sent":
            return queryset.exclude(emailed_at=None)
        if self.value() == "pending":
            return queryset.filter(emailed_at=None, email_failed_at=None)
        if self.value() == "failed":
            return queryset.filter(emailed_at=None).exclude(email_failed_at=None)
        return queryset


@admin.register(Notification)
class NotificationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Read-only: what was sent to whom, and the e-mails that failed, to send again."""

    list_display = ["subject", "user", "kind", "created_at", "emailed_at", "email_attempts"]
    list_filter = [EmailStateFilter, "kind"]
    list_select_related = ["user"]
    search_fields = ["subject", "key", "user__username", "user__email"]
    date_hierarchy = "created_at"
    actions = ["send_again"]

    def has_send_permission(self, request):
        # The rows are read-only here; sending again is for who may change notifications.
        return request.user.has_perm("council.change_notification")

    @admin.action(description="Send the failed e-mails again", permissions=["send"])
    def send_again(self, request, queryset):
        again = 0
        for notification in queryset.exclude(email_failed_at=None):
            before = stored_snapshot(notification)
            again += outbox.give_another_try(Notification.objects.filter(pk=notification.pk))
            notification.refresh_from_db()
            record_admin_change(actor=request.user, obj=notification, before=before)
        self.message_user(request, f"{again} e-mail(s) will be sent by the next sweep.")


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
