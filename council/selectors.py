"""Reads about who holds which team and role today."""

from .models import COUNCIL_ROLES, CouncilRole, RoleAssignment, Team, TeamMembership

_ROLES_CACHE = "_council_active_roles"
_TEAMS_CACHE = "_council_active_team_ids"


def user_active_roles(user) -> frozenset[str]:
    """The roles a user holds today; cached on the user object for the request."""
    if not user.is_authenticated:
        return frozenset()
    if not hasattr(user, _ROLES_CACHE):
        roles = RoleAssignment.objects.active().filter(user=user).values_list("role", flat=True)
        setattr(user, _ROLES_CACHE, frozenset(roles))
    return getattr(user, _ROLES_CACHE)


def user_active_team_ids(user) -> frozenset[int]:
    if not user.is_authenticated:
        return frozenset()
    if not hasattr(user, _TEAMS_CACHE):
        teams = TeamMembership.objects.active().filter(user=user).values_list("team_id", flat=True)
        setattr(user, _TEAMS_CACHE, frozenset(teams))
    return getattr(user, _TEAMS_CACHE)


def user_teams(user):
    return Team.objects.filter(
        id__in=TeamMembership.objects.active().filter(user=user).values("team_id")
    )


def is_council_member(user) -> bool:
    return bool(user_active_roles(user) & COUNCIL_ROLES)


def is_chair(user) -> bool:
    return CouncilRole.CHAIR in user_active_roles(user)


def is_auditor(user) -> bool:
    return CouncilRole.AUDITOR in user_active_roles(user)


# Who reads the whole record: the audit trail, exports and dossiers (SPEC sections 7 and 8).
EXPORTERS = frozenset({CouncilRole.AUDITOR, CouncilRole.CHAIR})


def is_exporter(user) -> bool:
    return bool(user_active_roles(user) & EXPORTERS)


def forget_cached_access(user) -> None:
    """Drop the per-request caches after a role or membership change."""
    for name in (_ROLES_CACHE, _TEAMS_CACHE):
        if hasattr(user, name):
            delattr(user, name)
