"""Writes for the organisation: references, teams, memberships and roles."""

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils import timezone

from audit.services import audit_record, field_changes

from .models import (
    ApiToken,
    CouncilRole,
    ReferenceSequence,
    RoleAssignment,
    Team,
    TeamMembership,
)

logger = logging.getLogger(__name__)


def reference_next(*, key: str) -> int:
    """The next number of a counter, unique even when many transactions ask at once.

    The UPDATE ... SET last_value = last_value + 1 takes a row lock, so concurrent callers get
    consecutive numbers; the lock is held until the caller's transaction ends.
    """
    with transaction.atomic():
        if not ReferenceSequence.objects.filter(key=key).update(last_value=F("last_value") + 1):
            try:
                with transaction.atomic():
                    ReferenceSequence.objects.create(key=key, last_value=1)
                    return 1
            except IntegrityError:
                # Another transaction created the row first: take the next number after it.
                ReferenceSequence.objects.filter(key=key).update(last_value=F("last_value") + 1)
        return ReferenceSequence.objects.get(key=key).last_value


def model_snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in fields}


def _audited_fields(obj: models.Model) -> list[str]:
    """The columns an admin change records: all but the key, the creation time and what the
    model keeps out of the trail (`audit_hidden_fields`, e.g. a secret)."""
    hidden = {"id", "created_at", *getattr(obj, "audit_hidden_fields", ())}
    return [f.attname for f in obj._meta.concrete_fields if f.name not in hidden]


def stored_snapshot(obj: models.Model) -> dict[str, Any]:
    """The row as it is in the database now, before the change being saved."""
    stored = type(obj)._default_manager.get(pk=obj.pk)
    return model_snapshot(stored, _audited_fields(obj))


def record_admin_change(
    *,
    actor: User | AnonymousUser | None,
    obj: models.Model,
    before: Mapping[str, Any] | None,
    deleted: bool = False,
) -> None:
    """Audit a change made through the Django admin (teams, memberships, roles, policies,
    webhook subscriptions)."""
    after = {} if deleted else model_snapshot(obj, _audited_fields(obj))
    action = "deleted" if deleted else ("created" if before is None else "changed")
    audit_record(actor=actor, action=action, obj=obj, changes=field_changes(before or {}, after))


# --- API tokens (council.ApiToken, django-rest-knox) ---------------------------------------------


def api_token_issue(*, user: User) -> tuple[ApiToken, str]:
    """A new API token for the user, valid for settings.API_TOKEN_TTL_HOURS. The token itself is
    returned once, to hand to the user: only its digest is kept."""
    with transaction.atomic():
        token, secret = ApiToken.objects.create(
            user=user, expiry=timedelta(hours=settings.API_TOKEN_TTL_HOURS)
        )
        audit_record(
            actor=user,
            action="api_token_issued",
            obj=token,
            changes={"expiry": [None, token.expiry.isoformat()]},
        )
    return token, secret


def api_tokens_revoke(*, actor: User, token_id: int | None = None) -> int:
    """Revoke one of the actor's own API tokens (token_id), or all of them; how many went. Only
    the actor's own tokens are ever touched: another user's token id revokes nothing."""
    with transaction.atomic():
        tokens = ApiToken.objects.filter(user=actor)
        if token_id is not None:
            tokens = tokens.filter(pk=token_id)
        revoked = sorted(tokens.values_list("pk", flat=True))
        tokens.delete()
        if revoked:
            audit_record(
                actor=actor,
                action="api_tokens_revoked",
                obj=actor,
                object_ref=actor.get_username(),
                changes={"api_tokens": [revoked, []]},
            )
    return len(revoked)


# --- Single sign-on (council/sso.py) -------------------------------------------------------------

ROLE, TEAM = "role", "team"
SSO = {"source": [None, "single sign-on"]}


@dataclass(frozen=True)
class SsoIdentity:
    """Who the company's identity provider says signed in."""

    username: str
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    groups: tuple[str, ...] = ()


@transaction.atomic
def sso_sign_in(*, user: User | None, identity: SsoIdentity) -> User:
    """The account of a person who signed in with the identity provider: made on their first
    sign-in (no local password), their name and address kept as the provider has them, and the
    teams and roles that SSO_GROUP_MAP gives their groups; every change audited."""
    facts = {
        "email": identity.email,
        "first_name": identity.first_name,
        "last_name": identity.last_name,
    }
    if user is None:
        user = User(username=identity.username, **facts)
        user.set_unusable_password()
        user.save()
        changes = field_changes({}, {"username": user.username, **facts})
        audit_record(actor=None, action="created", obj=user, object_ref=user.username,
                     changes={**changes, **SSO})  # fmt: skip
    else:
        before = {field: getattr(user, field) for field in facts}
        if before != facts:
            for field, value in facts.items():
                setattr(user, field, value)
            user.save(update_fields=list(facts))
            audit_record(actor=None, action="changed", obj=user, object_ref=user.username,
                         changes={**field_changes(before, facts), **SSO})  # fmt: skip
    sso_access_sync(user=user, groups=identity.groups)
    return user


def _mapped(groups: Iterable[str]) -> set[tuple[str, str]]:
    """(kind, name) pairs the groups give: ("role", "privacy"), ("team", "Marketing")."""
    given = set()
    for group in groups:
        target = settings.SSO_GROUP_MAP.get(group, "")
        kind, _, name = target.partition(":")
        if kind in (ROLE, TEAM) and name:
            given.add((kind, name))
    return given


def sso_access_sync(*, user: User, groups: Iterable[str]) -> None:
    """The roles and teams the provider manages (those SSO_GROUP_MAP names) as the groups say:
    one given from today when a group gives it, ended yesterday (or removed, if it began today)
    when no group gives it any more. Roles and teams the map does not name are left as the
    admin keeps them."""
    managed = _mapped(settings.SSO_GROUP_MAP)
    given = _mapped(groups)
    today = timezone.localdate()
    for kind, name in sorted(managed):
        held = _held(user, kind, name)
        if (kind, name) in given and not held:
            row = _give(user, kind, name)
            if row is not None:
                audit_record(actor=None, action="created", obj=row, object_ref=user.username,
                             changes={**_access_changes(row), **SSO})  # fmt: skip
        for row in held if (kind, name) not in given else []:
            before = _access_changes(row)
            if row.starts_on >= today:
                audit_record(actor=None, action="deleted", obj=row, object_ref=user.username,
                             changes={**before, **SSO})  # fmt: skip
                row.delete()
            else:
                row.ends_on = today - timedelta(days=1)
                row.save(update_fields=["ends_on"])
                audit_record(actor=None, action="changed", obj=row, object_ref=user.username,
                             changes={"ends_on": [None, row.ends_on.isoformat()], **SSO})  # fmt: skip


def _held(user: User, kind: str, name: str) -> list[RoleAssignment | TeamMembership]:
    if kind == ROLE:
        return list(RoleAssignment.objects.active().filter(user=user, role=name))
    return list(TeamMembership.objects.active().filter(user=user, team__name=name))


def _give(user: User, kind: str, name: str) -> RoleAssignment | TeamMembership | None:
    if kind == ROLE:
        if name not in CouncilRole.values:
            logger.warning("SSO_GROUP_MAP names a council role that does not exist: %s", name)
            return None
        return RoleAssignment.objects.create(user=user, role=name)
    team = Team.objects.filter(name=name).first()
    if team is None:
        logger.warning("SSO_GROUP_MAP names a team that does not exist: %s", name)
        return None
    return TeamMembership.objects.create(user=user, team=team)


def _access_changes(row: RoleAssignment | TeamMembership) -> dict[str, list[Any]]:
    what = {"role": row.role} if isinstance(row, RoleAssignment) else {"team": row.team.name}
    return {
        **{key: [None, value] for key, value in what.items()},
        "starts_on": [None, row.starts_on.isoformat()],
    }
