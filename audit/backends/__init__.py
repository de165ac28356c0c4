"""The database backends the app runs on: Django's own, which append the transaction's audit
events to the chain as it commits (`ChainAppendingMixin`)."""

import pickle  # noqa: S403 (only the process's own temporary file is read back)
import tempfile
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

# Events a transaction keeps in memory while it runs. A bulk operation (an import of 10,000
# rows) records tens of thousands; past this many, the earlier ones wait for COMMIT in a
# temporary file, so memory stays flat however many the transaction records.
PENDING_IN_MEMORY = 1000
# What an event is before it joins the chain (audit.models.AuditEvent's fields).
_RECORDED = ("at", "actor_id", "actor_username", "action", "object_type", "object_id",
             "object_ref", "changes")  # fmt: skip


class _OnDisk:
    """Events waiting for COMMIT in a temporary file, in the order recorded: the values of
    their recorded fields, pickled one after another (read back only by this process)."""

    def __init__(self) -> None:
        self.file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by `events` or `discard`)
        self.count = 0
        self.last_at: datetime | None = None

    def write(self, events: list[Any]) -> None:
        for event in events:
            values = tuple(getattr(event, name) for name in _RECORDED)
            pickle.dump(values, self.file, protocol=pickle.HIGHEST_PROTOCOL)
        self.count += len(events)
        self.last_at = events[-1].at

    def events(self) -> Iterator[Any]:
        """The events again (new objects), in order; then the file is closed."""
        from audit.models import AuditEvent  # noqa: PLC0415 (apps load after backends)

        with self.file:
            self.file.seek(0)
            for _ in range(self.count):
                values = pickle.load(self.file)  # noqa: S301 (written above, never received)
                yield AuditEvent(**dict(zip(_RECORDED, values, strict=True)))

    def discard(self) -> None:
        self.file.close()


def _from_testcase(block: Any) -> bool:
    """Whether a test case opened this atomic block (Django marks them)."""
    return bool(getattr(block, "_from_testcase", False))


class ChainAppendingMixin(BaseDatabaseWrapper):
    """Keeps the audit events recorded in the current transaction (`audit.services.audit_record`)
    and appends them to the chain just before COMMIT, so the chain's lock is held for the append
    alone, not from the first event to the end of the transaction. Events recorded inside a
    savepoint that rolls back are dropped with it, as Django drops its on-commit callbacks.

    Past `PENDING_IN_MEMORY` events, those recorded so far move to a temporary file whenever
    the transaction's outermost block is the only one open (no savepoint that could roll back
    part of them): memory stays flat, and the lock is still taken at COMMIT. The objects
    `audit_record` returned for events moved there are not the ones saved.

    Inside a test's transaction, which never commits, the events are appended when the outermost
    block the code under test opened is released (only the test's own blocks are left)."""

    audit_pending: list[tuple[frozenset[str], Any]]
    audit_on_disk: _OnDisk | None
    audit_on_disk_under: frozenset[str]  # the savepoints open when events moved to disk

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.audit_pending = []
        self.audit_on_disk, self.audit_on_disk_under = None, frozenset()

    def audit_pend(self, event: Any) -> None:
        """Keep an event until the transaction commits (the caller is in an atomic block)."""
        self.audit_pending.append((frozenset(self.savepoint_ids), event))

    def audit_pending_count(self) -> int:
        """How many events join the chain when the transaction commits."""
        on_disk = self.audit_on_disk.count if self.audit_on_disk else 0
        return on_disk + len(self.audit_pending)

    def audit_last_pending_at(self) -> datetime | None:
        """When the last of them was recorded (None: there are none)."""
        if self.audit_pending:
            last_at: datetime = self.audit_pending[-1][1].at
            return last_at
        return self.audit_on_disk.last_at if self.audit_on_disk else None

    def _audit_drop_pending(self) -> None:
        self.audit_pending = []
        if self.audit_on_disk is not None:
            self.audit_on_disk.discard()
        self.audit_on_disk, self.audit_on_disk_under = None, frozenset()

    def _audit_events_pending(self) -> Iterator[Any]:
        on_disk, in_memory = self.audit_on_disk, [event for _, event in self.audit_pending]
        self.audit_pending, self.audit_on_disk = [], None
        if on_disk is not None:
            yield from on_disk.events()
        yield from in_memory

    def _audit_append_pending(self) -> None:
        if self.audit_pending_count():
            from audit.services import chain_append  # noqa: PLC0415 (apps load after backends)

            chain_append(self._audit_events_pending(), using=self.alias)

    def _audit_move_to_disk(self) -> None:
        """Past PENDING_IN_MEMORY, when only the transaction's outermost block is open."""
        if len(self.audit_pending) < max(PENDING_IN_MEMORY, 1):
            return  # most releases: checked first, as every savepoint's release asks
        if sum(not _from_testcase(block) for block in self.atomic_blocks) != 1:
            return  # a savepoint is open that could still roll back some of them
        if self.audit_on_disk is None:
            self.audit_on_disk = _OnDisk()
            self.audit_on_disk_under = frozenset(self.savepoint_ids) - {None}
        self.audit_on_disk.write([event for _, event in self.audit_pending])
        self.audit_pending = []

    def commit(self) -> None:
        try:
            self._audit_append_pending()
        except BaseException:
            self.rollback()
            raise
        super().commit()

    def rollback(self) -> None:
        self._audit_drop_pending()
        super().rollback()

    def savepoint_rollback(self, sid: str) -> None:
        super().savepoint_rollback(sid)
        if sid in self.audit_on_disk_under:  # a test's block, around the whole transaction
            self._audit_drop_pending()
            return
        self.audit_pending = [
            (sids, event) for sids, event in self.audit_pending if sid not in sids
        ]

    def savepoint_commit(self, sid: str) -> None:
        super().savepoint_commit(sid)
        test_blocks = [_from_testcase(block) for block in self.atomic_blocks]
        if test_blocks and all(test_blocks):
            self._audit_append_pending()
        else:
            self._audit_move_to_disk()

    def close(self) -> None:
        self._audit_drop_pending()
        super().close()
