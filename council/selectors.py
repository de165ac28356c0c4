"""Reads about who holds which team and role today."""

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.errors import ActionForbidden

from .models import COUNCIL_ROLES, ApiToken, CouncilRole, RoleAssignment, Team, TeamMembership

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
AUDITORS_READ_ONLY = _("Auditors read everything and change nothing.")


def auditor_write_refusal(user: User | AnonymousUser) -> ActionForbidden | None:
    """Auditors change nothing (SPEC section 2), whatever else they are: named business owner
    of a use case, in a team, or holding another role. Every write's `<action>_refusal` asks
    this first, so pages, the API and the services refuse them alike and in these words."""
    return ActionForbidden(AUDITORS_READ_ONLY) if is_auditor(user) else None


def business_owner_candidates() -> QuerySet[User]:
    """Who may be named business owner, accountable for a use case (SPEC section 1): a person
    with an active account, not an administrator account (staff or superuser: they manage the
    site, nobody's use case) and not an auditor (who changes nothing, so cannot act for it).
    The owner pickers offer these people; the services refuse anyone else."""
    auditors = RoleAssignment.objects.active().filter(role=CouncilRole.AUDITOR).values("user_id")
    return (
        User.objects.filter(is_active=True, is_staff=False, is_superuser=False)
        .exclude(pk__in=auditors)
        .order_by("username")
    )


def business_owner_ineligibility(user: User) -> str | None:
    """Why `user` cannot be named business owner (a message for the field), or None."""
    if not user.is_active:
        return gettext("This person no longer has an active account: name someone who does.")
    if user.is_staff or user.is_superuser:
        return gettext(
            "This is an administrator account, not a person accountable for a use case: "
            "name the manager who is."
        )
    if is_auditor(user):
        return gettext(
            "This person is an auditor. %(rule)s Name the manager accountable for the use case."
        ) % {"rule": AUDITORS_READ_ONLY}
    return None


# Who reads the whole record: the audit trail, exports and dossiers (SPEC sections 7 and 8).
EXPORTERS = frozenset({CouncilRole.AUDITOR, CouncilRole.CHAIR})


def is_exporter(user: User | AnonymousUser) -> bool:
    return bool(user_active_roles(user) & EXPORTERS)


RECORD_READERS_ONLY = _(
    "The audit trail, the exports and the dossiers are for auditors and the chair."
)


def record_read_refusal(user: User | AnonymousUser) -> ActionForbidden | None:
    """Why the user may not read the whole record (the audit trail, exports, dossiers), or None."""
    return None if is_exporter(user) else ActionForbidden(RECORD_READERS_ONLY)


DASHBOARD_READERS_ONLY = _("The dashboard is for the chair, council members and auditors.")


def dashboard_read_refusal(user: User | AnonymousUser) -> ActionForbidden | None:
    """Why the user may not see the council's dashboard (SPEC section 11b), or None: it is for
    the chair, the holders of any council role and auditors."""
    if is_council_member(user) or is_auditor(user):
        return None
    return ActionForbidden(DASHBOARD_READERS_ONLY)


def forget_cached_access(user: User | AnonymousUser) -> None:
    """Drop the per-request caches after a role or membership change."""
    for name in (_ROLES_CACHE, _TEAMS_CACHE):
        if hasattr(user, name):
            delattr(user, name)


def api_tokens_of(user: User) -> QuerySet[ApiToken]:
    """The user's API tokens that have not expired, newest first: nobody sees another user's."""
    # knox's manager is untyped: the queryset is named for what it holds.
    tokens: QuerySet[ApiToken] = ApiToken.objects.filter(user=user, expiry__gt=timezone.now())
    return tokens
