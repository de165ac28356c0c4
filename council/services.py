"""Writes for the organisation: references, teams, memberships and roles."""

from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db import IntegrityError, models, transaction
from django.db.models import F

from audit.services import audit_record, field_changes

from .models import ApiToken, ReferenceSequence


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


def stored_snapshot(obj: models.Model) -> dict[str, Any]:
    """The row as it is in the database now, before the change being saved."""
    stored = type(obj)._default_manager.get(pk=obj.pk)
    return model_snapshot(stored, [f.attname for f in obj._meta.concrete_fields])


def record_admin_change(
    *,
    actor: User | AnonymousUser | None,
    obj: models.Model,
    before: Mapping[str, Any] | None,
    deleted: bool = False,
) -> None:
    """Audit a change made through the Django admin (teams, memberships, roles, policies)."""
    fields = [f.attname for f in obj._meta.concrete_fields if f.name not in {"id", "created_at"}]
    after = {} if deleted else model_snapshot(obj, fields)
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
