"""The inventory in the admin: read-only. Vendors, models and versions change through
inventory.services (the pages and the API), so every change is checked and audited."""

from django.contrib import admin

from audit.admin import ReadOnlyMixin

from .models import AiModel, ModelVersion, Vendor


class VersionInline(ReadOnlyMixin, admin.TabularInline):
    model = ModelVersion
    extra = 0
    fields = ("version", "released_on", "proposed", "recorded_at", "recorded_by", "notes")
    readonly_fields = fields


@admin.register(Vendor)
class VendorAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["name", "owner", "dpa_signed", "trains_on_our_data", "next_assessment_due"]
    list_filter = ["dpa_signed", "trains_on_our_data", "data_residency"]
    list_select_related = ["owner"]
    search_fields = ["name"]


@admin.register(AiModel)
class AiModelAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["name", "vendor", "model_type", "general_purpose", "proposed"]
    list_filter = ["model_type", "general_purpose", "proposed"]
    list_select_related = ["vendor"]
    search_fields = ["name", "vendor__name"]
    inlines = [VersionInline]
