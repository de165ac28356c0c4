"""Reads about who holds which team and role today."""

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet

from common.errors import ActionForbidden

from .models import COUNCIL_ROLES, CouncilRole, RoleAssignment, Team, TeamMembership

_ROLES_CACHE = "_council_active_roles"
_TEAMS_CACHE = "_council_active_team_ids"


def user_active_roles(user: User | AnonymousUser) -> frozenset[str]:
    """The roles a user holds today; cached on the user object for the request."""
    if not user.is_authenticated:
        return frozenset()
    if not hasattr(user, _ROLES_CACHE):
        roles = RoleAssignment.objects.active().filter(user=user).values_list("role", flat=True)
        setattr(user, _ROLES_CACHE, frozenset(roles))
    cached: frozenset[str] = getattr(user, _ROLES_CACHE)
    return cached


def user_active_team_ids(user: User | AnonymousUser) -> frozenset[int]:
    if not user.is_authenticated:
        return frozenset()
    if not hasattr(user, _TEAMS_CACHE):
        teams = TeamMembership.objects.active().filter(user=user).values_list("team_id", flat=True)
        setattr(user, _TEAMS_CACHE, frozenset(teams))
    cached: frozenset[int] = getattr(user, _TEAMS_CACHE)
    return cached


def user_teams(user: User) -> QuerySet[Team]:
    return Team.objects.filter(
        id__in=TeamMembership.objects.active().filter(user=user).values("team_id")
    )


def is_council_member(user: User | AnonymousUser) -> bool:
    return bool(user_active_roles(user) & COUNCIL_ROLES)


def is_chair(user: User | AnonymousUser) -> bool:
    return CouncilRole.CHAIR in user_active_roles(user)


def is_auditor(user: User | AnonymousUser) -> bool:
    return CouncilRole.AUDITOR in user_active_roles(user)


# Why an auditor is refused a write, on a page or through the API (SPEC section 2).
AUDITORS_READ_ONLY = "Auditors read everything and change nothing."


# Who reads the whole record: the audit trail, exports and dossiers (SPEC sections 7 and 8).
EXPORTERS = frozenset({CouncilRole.AUDITOR, CouncilRole.CHAIR})


def is_exporter(user: User | AnonymousUser) -> bool:
    return bool(user_active_roles(user) & EXPORTERS)


RECORD_READERS_ONLY = (
    "The audit trail, the exports and the dossiers are for auditors and the chair."
)


def record_read_refusal(user: User | AnonymousUser) -> ActionForbidden | None:
    """Why the user may not read the whole record (the audit trail, exports, dossiers), or None."""
    return None if is_exporter(user) else ActionForbidden(RECORD_READERS_ONLY)


def forget_cached_access(user: User | AnonymousUser) -> None:
    """Drop the per-request caches after a role or membership change."""
    for name in (_ROLES_CACHE, _TEAMS_CACHE):
        if hasattr(user, name):
            delattr(user, name)
