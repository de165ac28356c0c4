"""Writing and verifying the audit trail (SPEC section 7)."""

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.utils import timezone

from . import verify
from .hooks import event_recorded
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


def chain_head(using: str = DEFAULT_DB_ALIAS) -> ChainHead:
    """The last event's number and hash (#0 and the genesis hash before the first event)."""
    last = AuditEvent.objects.using(using).order_by("-seq").values_list("seq", "hash").first()
    return ChainHead(*last) if last else ChainHead(0, GENESIS_HASH)


def _lock_chain(using: str) -> None:
    """Serialise appends until the transaction ends. SQLite needs nothing: its transactions
    begin IMMEDIATE (config/settings.py), so one writer runs at a time."""
    connection = connections[using]
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
    """Record one event in the caller's transaction (one of its own outside one). It joins the
    chain (its number, the previous hash, its hash) as the transaction commits, after the
    events recorded before it in that transaction: the database backend appends them then
    (`audit.backends.ChainAppendingMixin`), so the chain's lock is held for the append alone."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_ref = object_ref or str(getattr(obj, "reference", "") or "")
    user = actor if actor is not None and actor.is_authenticated else None
    event = AuditEvent(
        at=timezone.now(),
        actor=user,
        actor_username=user.get_username() if user is not None else "",
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        object_ref=object_ref,
        changes=plain_json(changes or {}),
    )
    connection = transaction.get_connection()
    if not hasattr(connection, "audit_pend"):
        raise ImproperlyConfigured(
            "The database ENGINE must be one of audit.backends (config/settings.py): "
            "audit events join the chain as their transaction commits."
        )
    with transaction.atomic():
        connection.audit_pend(event)
        event_recorded.send(sender=AuditEvent, event=event)
    return event


def _appending() -> Any:
    """The connection of the current transaction: one of `audit.backends`."""
    return transaction.get_connection()


def latest_event_at() -> datetime | None:
    """When the latest event was recorded, those still pending in this transaction included."""
    pending_at: datetime | None = _appending().audit_last_pending_at()
    if pending_at is not None:
        return pending_at
    return AuditEvent.objects.order_by("-seq").values_list("at", flat=True).first()


def events_recorded() -> int:
    """How many events the chain will hold once the current transaction commits."""
    pending: int = _appending().audit_pending_count()
    return chain_head().seq + pending


def chain_append(events: Iterable[AuditEvent], *, using: str = DEFAULT_DB_ALIAS) -> None:
    """Append the events, in the order given, after the chain's last event: taken under the
    chain's lock, which the transaction then holds until its COMMIT, a moment later."""
    _lock_chain(using)
    head = chain_head(using)
    for event in events:
        event.seq, event.prev_hash = head.seq + 1, head.hash
        event.hash = compute_hash(head.hash, event)
        event.save(using=using)
        head = ChainHead(event.seq, event.hash)


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
    checkpoints given (nothing when it is intact). Without `events`, the whole table is read
    as rows (chain_rows), never as model instances."""
    if events is None:
        return verify.row_chain_breaks(chain_rows(), list(checkpoints), complete=True)
    records = (event_record(event) for event in events)
    return verify.chain_breaks(records, list(checkpoints), complete=True)


CHAIN_READ_CHUNK = 5000


def chain_rows() -> Iterator[tuple[Any, ...]]:
    """Every event by seq, as a tuple of verify.ROW_FIELDS holding what the hash covers (`at` as
    ISO 8601 text, `changes` parsed), read with a plain cursor: server-side on PostgreSQL, and
    without the SQLite date parser (`at` read as its stored text)."""
    table = AuditEvent._meta.db_table
    at = "CAST(at AS TEXT)" if connection.vendor == "sqlite" else "at"
    sql = (
        f"SELECT seq, {at}, actor_id, actor_username, action, object_type, object_id,"
        f" object_ref, changes, prev_hash, hash FROM {connection.ops.quote_name(table)}"
        " ORDER BY seq"
    )
    with _read_cursor() as cursor:
        cursor.execute(sql)
        while chunk := cursor.fetchmany(CHAIN_READ_CHUNK):
            yield from map(_hashable_row, chunk)


def _read_cursor() -> Any:
    """A server-side cursor where the database has them, as QuerySet.iterator() takes one."""
    if connection.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS"):
        return connection.cursor()
    return connection.chunked_cursor()


def _hashable_row(row: tuple[Any, ...]) -> tuple[Any, ...]:
    seq, at, actor, username, action, object_type, object_id, object_ref, changes, *hashes = row
    return (
        seq, _isoformat(at), actor, username, action, object_type, object_id, object_ref,
        _parsed_json(changes) if isinstance(changes, str) else changes, *hashes,
    )  # fmt: skip


# The parser's scanner: `(value, end)` of the JSON value starting at an index.
_scan_json = getattr(json.JSONDecoder(), "scan_once")  # noqa: B009 (untyped attribute)


def _parsed_json(text: str) -> Any:
    """json.loads of the text the JSON field stored, which starts with its value (no spaces
    around it): the parser's scanner called once, json.loads itself for anything else."""
    try:
        value, end = _scan_json(text, 0)
    except StopIteration:
        end = -1
    return value if end == len(text) else json.loads(text)


def _isoformat(at: datetime | str) -> str:
    """`at` as the hash covers it (datetime.isoformat of the UTC time). SQLite stores the naive
    UTC text `str(datetime)` writes: "T" and the offset make it that, without parsing it."""
    if not isinstance(at, str):
        return at.isoformat()
    if at[10:11] == " " and (len(at) == 19 or (len(at) == 26 and not at.endswith(".000000"))):
        return f"{at[:10]}T{at[11:]}+00:00"
    return datetime.fromisoformat(at).replace(tzinfo=UTC).isoformat()
