"""Audit events join the chain as their transaction commits (issue 14, point 5): the chain's lock
is held for the append alone, so audited transactions on different objects run side by side,
and the chain keeps its guarantees (every committed event in it once, in order, none rolled
back). Throughput: bench/audit_concurrency.py."""

import threading
from contextlib import suppress

import pytest
from django.db import connection, transaction

from audit import backends
from audit.models import AuditEvent
from audit.services import (
    audit_record,
    chain_head,
    events_recorded,
    latest_event_at,
    verify_chain,
)

from .concurrency_support import database_on_file


def _record(name: str) -> AuditEvent:
    return audit_record(actor=None, action=name, object_type="test")


class TestInTheTransaction:
    def test_events_are_numbered_in_order_as_the_outermost_block_ends(self, db):
        before = chain_head()

        with transaction.atomic():
            first, second = _record("first"), _record("second")
            pending = (first.seq, AuditEvent.objects.count())

        assert pending == (None, before.seq)
        assert (first.seq, second.seq) == (before.seq + 1, before.seq + 2)
        assert (first.prev_hash, second.prev_hash) == (before.hash, first.hash)
        assert list(verify_chain()) == []

    def test_an_event_whose_savepoint_rolls_back_never_joins_the_chain(self, db):
        before = chain_head().seq

        with transaction.atomic():
            kept = _record("kept")
            with suppress(RuntimeError), transaction.atomic():
                _record("rolled back")
                raise RuntimeError
            after = _record("after")

        assert list(AuditEvent.objects.filter(seq__gt=before).values_list("action", flat=True)) == [
            "kept",
            "after",
        ]
        assert after.seq == kept.seq + 1
        assert list(verify_chain()) == []


class TestALongTransaction:
    """Past `PENDING_IN_MEMORY` events, a transaction's earlier events wait for COMMIT on disk:
    memory stays flat for a bulk import, and nothing else changes."""

    @pytest.fixture(autouse=True)
    def few_in_memory(self, monkeypatch):
        monkeypatch.setattr(backends, "PENDING_IN_MEMORY", 3)

    def test_every_event_joins_the_chain_in_order_with_few_held_in_memory(self, db):
        before = chain_head().seq
        held = []

        with transaction.atomic():
            for number in range(10):
                _record(f"event {number}")
                held.append(len(connection.audit_pending))
            counted, last_at = events_recorded(), latest_event_at()

        assert max(held) <= 3
        assert counted == before + 10
        joined = AuditEvent.objects.filter(seq__gt=before).order_by("seq")
        assert [event.action for event in joined] == [f"event {n}" for n in range(10)]
        assert joined.last().at == last_at
        assert connection.audit_on_disk is None  # the file is gone once they joined
        assert list(verify_chain()) == []

    def test_a_savepoint_rolled_back_after_events_went_to_disk_drops_its_own_only(self, db):
        before = chain_head().seq

        with transaction.atomic():
            for number in range(4):
                _record(f"kept {number}")
            assert connection.audit_on_disk is not None
            with suppress(RuntimeError), transaction.atomic():
                _record("rolled back")
                raise RuntimeError
            _record("after")

        actions = list(
            AuditEvent.objects.filter(seq__gt=before)
            .order_by("seq")
            .values_list("action", flat=True)
        )
        assert actions == ["kept 0", "kept 1", "kept 2", "kept 3", "after"]
        assert list(verify_chain()) == []

    def test_events_inside_a_savepoint_stay_in_memory_until_it_is_released(self, db):
        with transaction.atomic(), transaction.atomic():
            for number in range(5):
                _record(f"inner {number}")
            # A savepoint is open: moving them could not undo them if it rolled back.
            assert connection.audit_on_disk is None
            assert len(connection.audit_pending) == 5


# Serialized rollback restores what the flush after each test removes, as the other tests that
# commit do (tests/test_review_concurrency.py).
COMMITTING = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@COMMITTING
class TestCommitted:
    def test_a_transaction_that_rolls_back_leaves_no_event(self):
        with suppress(RuntimeError), transaction.atomic():
            _record("rolled back")
            raise RuntimeError

        assert not AuditEvent.objects.filter(action="rolled back").exists()

    def test_a_long_transaction_that_rolls_back_leaves_no_event(self, monkeypatch):
        monkeypatch.setattr(backends, "PENDING_IN_MEMORY", 2)
        with suppress(RuntimeError), transaction.atomic():
            for number in range(5):
                _record(f"rolled back {number}")
            assert connection.audit_on_disk is not None
            raise RuntimeError

        assert not AuditEvent.objects.filter(action__startswith="rolled back").exists()
        assert connection.audit_on_disk is None
        assert connection.audit_pending == []

    def test_a_long_transaction_commits_every_event(self, monkeypatch):
        monkeypatch.setattr(backends, "PENDING_IN_MEMORY", 2)
        before = chain_head().seq
        with transaction.atomic():
            for number in range(5):
                _record(f"committed {number}")

        joined = AuditEvent.objects.filter(seq__gt=before).order_by("seq")
        assert [event.action for event in joined] == [f"committed {n}" for n in range(5)]
        assert list(verify_chain()) == []

    def test_an_event_outside_a_transaction_is_appended_at_once(self):
        event = _record("alone")

        assert AuditEvent.objects.get(seq=event.seq).hash == event.hash


@pytest.mark.concurrency
@COMMITTING
def test_an_open_audited_transaction_does_not_hold_up_another(tmp_path):
    """A records its event and stays open; B records one and commits meanwhile. Before, the
    chain's lock taken at A's event kept B waiting until A ended."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writing transaction at a time whatever the chain does")
    a_recorded, b_done = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def run(body):
        def target():
            try:
                body()
            except BaseException as error:
                errors.append(error)
            finally:
                connection.close()

        thread = threading.Thread(target=target)
        thread.start()
        return thread

    def a():
        with transaction.atomic():
            _record("a")
            a_recorded.set()
            assert b_done.wait(timeout=10), "B waited for A's transaction to end"

    def b():
        assert a_recorded.wait(timeout=10)
        _record("b")
        b_done.set()

    with database_on_file(tmp_path):
        threads = [run(a), run(b)]
        for thread in threads:
            thread.join(timeout=30)

    assert errors == []
    actions = list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))
    assert actions[-2:] == ["b", "a"]  # the chain's order is the order of commits
    assert list(verify_chain()) == []
