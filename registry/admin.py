from django.contrib import admin

from audit.admin import ReadOnlyMixin

from .models import Complaint, Deployment, DeploymentVersion, Incident


class VersionInline(ReadOnlyMixin, admin.TabularInline):
    model = DeploymentVersion
    extra = 0
    fields = ("valid_from", "data")
    readonly_fields = fields
    ordering = ["-valid_from", "-id"]


class IncidentInline(ReadOnlyMixin, admin.TabularInline):
    model = Incident
    extra = 0
    fields = ("reported_at", "kind", "severity", "status", "description", "reported_by")
    readonly_fields = fields


@admin.register(Deployment)
class DeploymentAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "reference",
        "name",
        "use_case",
        "stage",
        "risk_tier",
        "published",
        "next_review_due",
    ]
    list_filter = ["stage", "risk_tier", "published"]
    list_select_related = ["use_case"]
    search_fields = ["reference", "name", "use_case__reference"]
    inlines = [VersionInline, IncidentInline]


@admin.register(Incident)
class IncidentAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["deployment", "kind", "severity", "status", "reported_by", "reported_at"]
    list_filter = ["severity", "kind", "status"]
    list_select_related = ["deployment", "reported_by"]
    search_fields = ["deployment__reference", "description"]


@admin.register(Complaint)
class ComplaintAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["deployment", "kind", "status", "received_at"]
    list_filter = ["kind", "status"]
    list_select_related = ["deployment"]
    search_fields = ["deployment__reference", "message"]
