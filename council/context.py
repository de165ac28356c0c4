"""Template context for the navigation: council links and the unread notifications count; and
the ways to sign in."""

from django.conf import settings

from .notifications import unread_count
from .selectors import (
    dashboard_read_refusal,
    is_chair,
    is_council_member,
    is_exporter,
    user_active_team_ids,
)


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {
            "is_council_member": False,
            "is_chair": False,
            "is_exporter": False,
            "sees_dashboard": False,
            "has_team": False,
            "unread_notifications": 0,
        }
    # Both role checks read the same per-request cache of the user's roles: one query at most.
    return {
        "is_council_member": is_council_member(user),
        "is_chair": is_chair(user),
        # Auditors and the chair: the audit trail, exports and dossiers.
        "is_exporter": is_exporter(user),
        # The chair, council members and auditors: the council's dashboard.
        "sees_dashboard": dashboard_read_refusal(user) is None,
        # Only members of a team propose use cases (auditors and council members without one don't).
        "has_team": bool(user_active_team_ids(user)),
        "unread_notifications": unread_count(user),
    }


def sign_in(request) -> dict:
    """Which ways to sign in the login page offers: single sign-on, local passwords, or both."""
    return {
        "sso_enabled": settings.SSO_ENABLED,
        "sso_provider_name": settings.SSO_PROVIDER_NAME,
        "password_login": settings.PASSWORD_LOGIN,
    }
