"""DRF permissions shared by every API of the project."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from .selectors import AUDITORS_READ_ONLY, RECORD_READERS_ONLY, is_auditor, is_exporter


class AuditorsReadOnly(BasePermission):
    """Auditors see every non-draft record and change nothing (SPEC section 2).

    The services refuse them already, in these words (`selectors.auditor_write_refusal`, asked
    first by every write's `<action>_refusal`); this second lock refuses an API write before any
    input is read. On an object it is checked after
    the visibility lookup, so what the user may not see still answers 404; list-level writes
    (creating) are refused before any lookup.
    """

    message = AUDITORS_READ_ONLY

    def has_permission(self, request, view):
        if getattr(view, "detail", False):
            return True
        return request.method in SAFE_METHODS or not is_auditor(request.user)

    def has_object_permission(self, request, view, obj):
        return request.method in SAFE_METHODS or not is_auditor(request.user)


class AuditorOrChair(BasePermission):
    message = RECORD_READERS_ONLY

    def has_permission(self, request, view):
        return is_exporter(request.user)
