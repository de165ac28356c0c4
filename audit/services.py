"""Writing and verifying the audit trail (SPEC section 7)."""

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import connection, models, transaction
from django.utils import timezone

from . import verify
from .models import AuditEvent

GENESIS_HASH = verify.GENESIS_HASH
# PostgreSQL advisory lock key ("audit" in ASCII): appends take it, so the chain never forks.
CHAIN_LOCK = 0x6175646974


def plain_json(value: Any) -> Any:
    """Turn a value into what JSON stores, so the hash is the same before and after a reload."""
    if isinstance(value, dict):
        return {str(k): plain_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain_json(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def hashed_fields(event: AuditEvent) -> dict[str, Any]:
    """What the event's hash covers (audit/verify.py's HASHED_FIELDS), as JSON stores it."""
    return {
        "seq": event.seq,
        "at": event.at.isoformat(),
        "actor": event.actor_id,
        "actor_username": event.actor_username,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_ref": event.object_ref,
        "changes": event.changes,
    }


def compute_hash(prev_hash: str, event: AuditEvent) -> str:
    return verify.event_hash(prev_hash, hashed_fields(event))


@dataclass(frozen=True)
class ChainHead:
    seq: int
    hash: str


def chain_head() -> ChainHead:
    """The last event's number and hash (#0 and the genesis hash before the first event)."""
    last = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
    return ChainHead(*last) if last else ChainHead(0, GENESIS_HASH)


def _lock_chain() -> None:
    """Serialise appends until the transaction ends. SQLite needs nothing: its transactions
    begin IMMEDIATE (config/settings.py), so one writer runs at a time."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK])


def audit_record(
    *,
    actor: User | AnonymousUser | None,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_ref: str = "",
    changes: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain, inside the caller's transaction."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_ref = object_ref or str(getattr(obj, "reference", "") or "")
    with transaction.atomic():
        _lock_chain()
        head = chain_head()
        user = actor if actor is not None and actor.is_authenticated else None
        event = AuditEvent(
            seq=head.seq + 1,
            at=timezone.now(),
            actor=user,
            actor_username=user.get_username() if user is not None else "",
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            object_ref=object_ref,
            changes=plain_json(changes or {}),
            prev_hash=head.hash,
        )
        event.hash = compute_hash(head.hash, event)
        event.save()
    return event


def field_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """{field: [before, after]} for the fields whose value differs."""
    return {
        name: [plain_json(before.get(name)), plain_json(after.get(name))]
        for name in sorted(set(before) | set(after))
        if plain_json(before.get(name)) != plain_json(after.get(name))
    }


def event_record(event: AuditEvent) -> dict[str, Any]:
    """The event as exported and verified: every hashed field, `prev_hash` and `hash`."""
    return {**hashed_fields(event), "prev_hash": event.prev_hash, "hash": event.hash}


def verify_chain(
    events: Iterable[AuditEvent] | None = None, checkpoints: Iterable[Mapping[str, Any]] = ()
) -> Iterator[verify.Break]:
    """Yield the first place the chain (from #1) does not hold against itself and the signed
    checkpoints given (nothing when it is intact)."""
    if events is None:
        events = AuditEvent.objects.order_by("seq").iterator(chunk_size=2000)
    records = (event_record(event) for event in events)
    return verify.chain_breaks(records, list(checkpoints), complete=True)
