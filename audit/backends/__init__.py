"""The database backends the app runs on: Django's own, which append the transaction's audit
events to the chain as it commits (`ChainAppendingMixin`)."""

from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper


class ChainAppendingMixin(BaseDatabaseWrapper):
    """Keeps the audit events recorded in the current transaction (`audit.services.audit_record`)
    and appends them to the chain just before COMMIT, so the chain's lock is held for the append
    alone, not from the first event to the end of the transaction. Events recorded inside a
    savepoint that rolls back are dropped with it, as Django drops its on-commit callbacks.

    Inside a test's transaction, which never commits, the events are appended when the outermost
    block the code under test opened is released (only the test's own blocks are left)."""

    audit_pending: list[tuple[frozenset[str], Any]]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.audit_pending = []

    def audit_pend(self, event: Any) -> None:
        """Keep an event until the transaction commits (the caller is in an atomic block)."""
        self.audit_pending.append((frozenset(self.savepoint_ids), event))

    def _audit_append_pending(self) -> None:
        events = [event for _, event in self.audit_pending]
        self.audit_pending = []
        if events:
            from audit.services import chain_append  # noqa: PLC0415 (apps load after backends)

            chain_append(events, using=self.alias)

    def commit(self) -> None:
        try:
            self._audit_append_pending()
        except BaseException:
            self.rollback()
            raise
        super().commit()

    def rollback(self) -> None:
        self.audit_pending = []
        super().rollback()

    def savepoint_rollback(self, sid: str) -> None:
        super().savepoint_rollback(sid)
        self.audit_pending = [
            (sids, event) for sids, event in self.audit_pending if sid not in sids
        ]

    def savepoint_commit(self, sid: str) -> None:
        super().savepoint_commit(sid)
        # Django marks the blocks a test case opens (`Atomic._from_testcase`).
        test_blocks = [getattr(block, "_from_testcase", False) for block in self.atomic_blocks]
        if test_blocks and all(test_blocks):
            self._audit_append_pending()

    def close(self) -> None:
        self.audit_pending = []
        super().close()
