from django.contrib import admin
from django.db import transaction
from django.db.models import Max

from audit.admin import ReadOnlyMixin
from council.services import record_admin_change

from .models import (
    Assignment,
    ChecklistItem,
    ChecklistTemplate,
    ChecklistWaiver,
    Condition,
    Review,
    ReviewPolicy,
    Vote,
)


@admin.register(ReviewPolicy)
class ReviewPolicyAdmin(admin.ModelAdmin):
    """Policies are versioned: saving a change creates the next version and retires the old one,
    so reviews opened under the old version keep pointing at what they were opened with."""

    list_display = [
        "tier",
        "version",
        "active",
        "required_roles",
        "sla_working_days",
        "rereview_months",
    ]
    list_filter = ["tier", "active"]
    readonly_fields = ["version", "active", "created_at"]

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        same_tier = ReviewPolicy.objects.select_for_update().filter(tier=obj.tier)
        last = same_tier.aggregate(last=Max("version"))["last"] or 0
        same_tier.filter(active=True).update(active=False)
        obj.pk, obj.version, obj.active = None, last + 1, True
        obj._state.adding = True
        obj.save()
        record_admin_change(actor=request.user, obj=obj, before=None)

    def has_delete_permission(self, request, obj=None):
        return False


class ChecklistItemInline(admin.TabularInline):
    model = ChecklistItem
    extra = 0
    fields = (
        "code", "section", "text", "role", "required", "applies_when", "applies_when_any",
        "references",
    )  # fmt: skip
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(admin.ModelAdmin):
    """Templates are versioned data files (reviews/data/), loaded with `manage.py load_review_data`."""

    list_display = ["name", "version", "active", "created_at"]
    inlines = [ChecklistItemInline]
    readonly_fields = ["name", "version", "frameworks", "active", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Review records change only through their services (rules, four eyes, audit)."""


class AssignmentInline(admin.TabularInline):
    model = Assignment
    extra = 0
    readonly_fields = ["reviewer", "role", "voting", "recused", "recusal_reason", "assigned_at"]
    can_delete = False


class WaiverInline(ReadOnlyMixin, admin.TabularInline):
    model = ChecklistWaiver
    extra = 0
    readonly_fields = ["item", "revision", "reason", "waived_by", "waived_at"]


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = [
        "use_case", "revision", "state", "proposed_outcome", "outcome", "decided_by_chair",
        "due_date",
    ]  # fmt: skip
    list_filter = ["state", "outcome"]
    list_select_related = ["use_case"]
    inlines = [AssignmentInline, WaiverInline]


@admin.register(Vote)
class VoteAdmin(ReadOnlyAdmin):
    list_display = ["review", "reviewer", "revision", "choice", "current", "cast_at"]
    list_filter = ["choice", "current"]
    list_select_related = ["review__use_case", "reviewer"]


@admin.register(Condition)
class ConditionAdmin(ReadOnlyAdmin):
    list_display = ["review", "text", "blocking", "status", "due_date"]
    list_filter = ["status", "blocking"]
    list_select_related = ["review__use_case"]
