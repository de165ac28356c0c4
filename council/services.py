"""Writes for the organisation: references, teams, memberships and roles."""

from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import IntegrityError, models, transaction
from django.db.models import F

from audit.services import audit_record, field_changes

from .models import ReferenceSequence


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
