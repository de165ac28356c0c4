from django.contrib import admin
from guardian.admin import (
    AdminGroupObjectPermissionsForm,
    AdminUserObjectPermissionsForm,
    GuardedModelAdmin,
)

from audit.admin import ReadOnlyMixin

from .models import Attachment, UseCase, UseCaseRevision
from .services import usecase_object_permissions_set


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    fields = ("original_name", "kind", "size", "sha256", "uploaded_by", "uploaded_at")
    readonly_fields = fields
    can_delete = False


def _audited_form(base, holder_attribute: str, actor):
    """guardian's object-permissions form, saving through the service, which audits the change."""

    class AuditedObjectPermissionsForm(base):
        def save_obj_perms(self) -> None:
            usecase_object_permissions_set(
                actor=actor,
                use_case=self.obj,
                holder=getattr(self, holder_attribute),
                codenames=self.cleaned_data[self.get_obj_perms_field_name()],
            )

    return AuditedObjectPermissionsForm


@admin.register(UseCase)
class UseCaseAdmin(GuardedModelAdmin):
    """Read-only record: use cases change only through their services (audited, rule-checked).

    The object-permissions page grants or removes per-object access (e.g. to a confidential
    case) through `usecase_object_permissions_set`, so every grant is in the audit trail.
    """

    def get_obj_perms_manage_user_form(self, request):
        return _audited_form(AdminUserObjectPermissionsForm, "user", request.user)

    def get_obj_perms_manage_group_form(self, request):
        return _audited_form(AdminGroupObjectPermissionsForm, "group", request.user)

    list_display = [
        "reference",
        "title",
        "team",
        "state",
        "ai_act_class",
        "risk_tier",
        "confidential",
        "updated_at",
    ]
    list_filter = ["state", "ai_act_class", "risk_tier", "team", "confidential"]
    list_select_related = ["team"]
    search_fields = ["reference", "title"]
    inlines = [AttachmentInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(UseCaseRevision)
class UseCaseRevisionAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "use_case",
        "number",
        "ai_act_class",
        "risk_tier",
        "submitted_by",
        "submitted_at",
    ]
    list_select_related = ["use_case", "submitted_by"]
    readonly_fields = [
        "use_case",
        "number",
        "answers",
        "ai_act_class",
        "ai_act_reasons",
        "risk_tier",
        "risk_reasons",
        "dpia_required",
        "dpia_reasons",
        "obligations",
        "attachments",
        "submitted_by",
        "submitted_at",
    ]
