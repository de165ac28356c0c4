"""Long reads (common.reading): `values_read_ahead` yields what `.iterator()` yields, whatever
the chunks, and a read stopped or failed midway leaves the connection as it found it;
`long_read` is a transaction without JIT compilation on PostgreSQL, and no transaction on SQLite
(which would hold off every writer)."""

from unittest import mock

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Upper

from common.reading import long_read, values_read_ahead
from council.models import Team

from .factories import TeamFactory

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's server-side cursors and settings"
)


def _teams():
    return Team.objects.order_by("pk").values("pk", "name", shout=Upper("name"))


def _open_cursors() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_cursors")
        return cursor.fetchone()[0]


def test_it_yields_the_rows_the_iterator_yields_across_chunks(db):
    TeamFactory.create_batch(7)
    for chunk_size in (1, 2, 3, 7, 100):
        read = list(values_read_ahead(_teams(), chunk_size))
        assert read == list(_teams().iterator(chunk_size=chunk_size))
        assert [row["shout"] for row in read] == [row["name"].upper() for row in read]
        assert len(read) == 7


def test_an_empty_read_yields_nothing(db):
    assert list(values_read_ahead(_teams(), 2)) == []
    assert list(values_read_ahead(_teams().none(), 2)) == []


def test_a_read_stopped_midway_closes_its_cursor(db):
    TeamFactory.create_batch(9)
    with long_read():
        rows = values_read_ahead(_teams(), 2)
        first = [next(rows) for _ in range(3)]
        rows.close()
        assert Team.objects.count() == 9  # the connection serves the next query
        if connection.vendor == "postgresql":
            assert _open_cursors() == 0
    assert [row["pk"] for row in first] == sorted(Team.objects.values_list("pk", flat=True))[:3]


@on_postgresql
def test_without_server_side_cursors_it_reads_the_same_rows(db):
    TeamFactory.create_batch(5)
    with mock.patch.dict(connection.settings_dict, {"DISABLE_SERVER_SIDE_CURSORS": True}):
        read = list(values_read_ahead(_teams(), 2))
    assert read == list(_teams().iterator(chunk_size=2)) and len(read) == 5


@on_postgresql
def test_a_failing_fetch_raises_in_the_reader_and_closes_the_cursor(db):
    teams = TeamFactory.create_batch(6)
    failing = Team.objects.order_by("pk").values(
        "pk",
        ratio=Value(1) / (F("pk") - teams[-1].pk),  # division by zero on the last row
    )
    with pytest.raises(DatabaseError, match="division by zero"), transaction.atomic():
        list(values_read_ahead(failing, 2))
    assert _open_cursors() == 0
    assert Team.objects.count() == 6


@on_postgresql
def test_a_long_read_runs_without_jit_and_only_inside(db):
    def jit() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW jit")
            return cursor.fetchone()[0]

    before = jit()
    with long_read():
        assert jit() == "off"
        assert connection.in_atomic_block
    assert jit() == before


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's writers")
def test_on_sqlite_a_long_read_takes_no_transaction(db):
    depth = len(connection.savepoint_ids)
    with long_read():
        assert len(connection.savepoint_ids) == depth
