"""Rewriting the audit trail behind the application's back, as a database superuser would.

Every tampering is a function of the list of stored events (dicts as audit.services.event_record
gives them) returning the list the table will hold instead; `rewrite_table` writes it with the
append-only triggers lifted. Kinds and parameters are drawn from a seeded random generator, so a
run can be replayed (tests/test_audit_tampering.py).
"""

import random
from collections.abc import Callable
from datetime import datetime

from django.db import connection

from audit import verify
from audit.models import AuditEvent
from audit.roles import append_only_guard_lifted
from audit.services import event_record

Rows = list[dict]


def stored_rows() -> Rows:
    return [event_record(e) for e in AuditEvent.objects.order_by("seq")]


def rewrite_table(rows: Rows) -> None:
    """Replace every stored event with `rows` (the caller holds append_only_guard_lifted)."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AuditEvent._meta.db_table}")
    AuditEvent.objects.bulk_create(
        AuditEvent(
            seq=row["seq"],
            at=datetime.fromisoformat(row["at"]),
            actor_id=row["actor"],
            actor_username=row["actor_username"],
            action=row["action"],
            object_type=row["object_type"],
            object_id=row["object_id"],
            object_ref=row["object_ref"],
            changes=row["changes"],
            prev_hash=row["prev_hash"],
            hash=row["hash"],
        )
        for row in rows
    )


def rehash_from(rows: Rows, start: int) -> Rows:
    """Renumber from 1 and recompute every link from index `start` on: a forger's repair."""
    rows = [dict(row) for row in rows]
    for index, row in enumerate(rows):
        row["seq"] = index + 1
        if index >= start:
            row["prev_hash"] = rows[index - 1]["hash"] if index else verify.GENESIS_HASH
            row["hash"] = verify.event_hash(row["prev_hash"], row)
    return rows


EDITABLE = ("action", "actor_username", "object_ref", "object_id", "changes", "at", "actor")


FORGED_VALUES = {
    "action": "nothing_happened",
    "actor_username": "someone.else",
    "object_ref": "UC-1999-0001",
    "object_id": "999999",
    "changes": {"decision": [None, "approved"]},
    "at": "2001-01-01T00:00:00+00:00",
}


def _edited(row: dict, rng: random.Random) -> dict:
    """One field of the event changed to a value it does not hold (the actor: unnamed)."""
    field = rng.choice(EDITABLE)
    if field == "actor" and row["actor"] is not None:
        return {**row, "actor": None}
    field = "action" if field == "actor" else field
    value = FORGED_VALUES[field]
    return {**row, field: value if row[field] != value else f"{value}-again"}


# Each takes (rows, covered, rng): `covered` is the number of leading rows a signed checkpoint
# covers; every tampering changes at least one of them.
def _with_one_edited(rows, index, rng):
    return rows[:index] + [_edited(rows[index], rng)] + rows[index + 1 :]


def edit(rows, covered, rng):
    return _with_one_edited(rows, rng.randrange(covered), rng)


def edit_and_rehash(rows, covered, rng):
    index = rng.randrange(covered)
    return rehash_from(_with_one_edited(rows, index, rng), index)


def delete_one(rows, covered, rng):
    index = rng.randrange(covered)
    return rows[:index] + rows[index + 1 :]


def delete_and_rehash(rows, covered, rng):
    index = rng.randrange(covered)
    return rehash_from(rows[:index] + rows[index + 1 :], index)


def delete_tail(rows, covered, rng):
    return rows[: rng.randrange(covered)]


def truncate(rows, covered, rng):
    return []


def reorder(rows, covered, rng):
    first, second = sorted(rng.sample(range(covered), 2))
    swapped = list(rows)
    swapped[first], swapped[second] = (
        {**rows[second], "seq": rows[first]["seq"]},
        {**rows[first], "seq": rows[second]["seq"]},
    )
    return swapped


def reorder_and_rehash(rows, covered, rng):
    first, second = sorted(rng.sample(range(covered), 2))
    swapped = list(rows)
    swapped[first], swapped[second] = rows[second], rows[first]
    return rehash_from(swapped, first)


def insert_and_rehash(rows, covered, rng):
    index = rng.randrange(covered)
    forged = {**rows[index], "action": "forged", "changes": {}}
    return rehash_from(rows[:index] + [forged] + rows[index:], index)


def reset_head(rows, covered, rng):
    """Move the head back to an earlier event and write another history after it."""
    index = rng.randrange(covered)
    forged = [_edited(row, rng) for row in rows[index:]]
    return rehash_from(rows[:index] + forged, index)


def rehash_everything(rows, covered, rng):
    return rehash_from([_edited(rows[0], rng), *rows[1:]], 0)


TAMPERINGS: dict[str, Callable[[Rows, int, random.Random], Rows]] = {
    f.__name__: f
    for f in (
        edit, edit_and_rehash, delete_one, delete_and_rehash, delete_tail, truncate, reorder,
        reorder_and_rehash, insert_and_rehash, reset_head, rehash_everything,
    )
}  # fmt: skip


__all__ = ["TAMPERINGS", "append_only_guard_lifted", "rewrite_table", "stored_rows"]
