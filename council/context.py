"""Template context for the navigation: council links and the unread notifications count."""

from .notifications import unread_count
from .selectors import is_auditor, is_chair, is_council_member


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {
            "is_council_member": False,
            "is_chair": False,
            "is_auditor": False,
            "unread_notifications": 0,
        }
    # Both role checks read the same per-request cache of the user's roles: one query at most.
    return {
        "is_council_member": is_council_member(user),
        "is_chair": is_chair(user),
        "is_auditor": is_auditor(user),
        "unread_notifications": unread_count(user),
    }
