"""Writing and verifying the audit trail (SPEC section 7)."""

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import models, transaction
from django.utils import timezone

from .models import AuditChainHead, AuditEvent

GENESIS_HASH = "0" * 64


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


def canonical_json(event: AuditEvent) -> str:
    body = {
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
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def compute_hash(prev_hash: str, event: AuditEvent) -> str:
    return hashlib.sha256((prev_hash + canonical_json(event)).encode()).hexdigest()


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
        # Lock the head row: appends are serialised so the chain never forks.
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(id=1)
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
        head.seq, head.hash = event.seq, event.hash
        head.save(update_fields=["seq", "hash"])
    return event


def field_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """{field: [before, after]} for the fields whose value differs."""
    return {
        name: [plain_json(before.get(name)), plain_json(after.get(name))]
        for name in sorted(set(before) | set(after))
        if plain_json(before.get(name)) != plain_json(after.get(name))
    }


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    reason: str


def verify_chain(events: Iterable[AuditEvent] | None = None) -> Iterator[ChainBreak]:
    """Yield the first place the chain does not hold (nothing when it is intact)."""
    if events is None:
        events = AuditEvent.objects.order_by("seq").iterator(chunk_size=2000)
    prev_hash, expected_seq = GENESIS_HASH, 1
    for event in events:
        if event.seq != expected_seq:
            yield ChainBreak(expected_seq, f"event #{expected_seq} is missing")
            return
        if event.prev_hash != prev_hash:
            yield ChainBreak(event.seq, "prev_hash does not match the previous event's hash")
            return
        if compute_hash(prev_hash, event) != event.hash:
            yield ChainBreak(event.seq, "content does not match its hash (the row was altered)")
            return
        prev_hash, expected_seq = event.hash, expected_seq + 1
    head = AuditChainHead.objects.filter(id=1).first()
    if head is not None and head.seq != expected_seq - 1:
        yield ChainBreak(
            expected_seq,
            f"the chain head says #{head.seq} but the last event is #{expected_seq - 1}",
        )


def chain_head() -> AuditChainHead:
    return AuditChainHead.objects.filter(id=1).first() or AuditChainHead()
