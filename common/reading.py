"""Long reads (an export's one SELECT over every entry): `long_read()` around them,
`values_read_ahead(queryset)` to read them.

An export's SELECT streams through a server-side cursor on PostgreSQL, a chunk per `FETCH`.
Read in turn, the database's work and Python's add up: the server idles while Python writes a
chunk, and Python waits while the server computes the next. With the next `FETCH` sent from a
worker thread (the driver waits for the server without holding the interpreter), the two run
side by side on their own cores, and the read takes about the longer of the two.

That needs a transaction on PostgreSQL: outside one, it computes a cursor's whole result when it
is declared, before the first row leaves. And it needs no JIT compilation: the per-row subqueries
of such a SELECT make its estimated cost huge, so PostgreSQL compiles it (about 130 functions,
a second before the first row) and the compiled code saves nothing on it (the registry's
SELECT at 59,254 entries: `COPY` 3.4 s with JIT, 2.3 s without).
"""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager
from typing import Any

from django.db import connection, connections, transaction
from django.db.models import QuerySet
from django.db.models.sql.constants import MULTI


@contextmanager
def long_read() -> Iterator[None]:
    """On PostgreSQL, a transaction for a long read, without JIT compilation (in an enclosing
    transaction, the setting is as it was once the read is done). Elsewhere nothing: SQLite in
    WAL mode reads without one, and one there (begun IMMEDIATE, as the settings ask) would hold
    off every writer until the read ends."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('jit'), set_config('jit', 'off', true)")
            (before, _) = cursor.fetchone()
        yield
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('jit', %s, true)", [before])


def values_read_ahead(queryset: QuerySet, chunk_size: int) -> Iterator[dict[str, Any]]:
    """The rows of `queryset.values(...)` as `.iterator(chunk_size=...)` yields them, the next
    chunk fetched while this one is worked on. Where the database runs in this process
    (SQLite) there is nothing to overlap: the plain iterator."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        yield from queryset.iterator(chunk_size=chunk_size)
        return
    query = queryset.query
    names = list(query.selected or [])
    names = names or [*query.extra_select, *query.values_select, *query.annotation_select]
    compiler = query.get_compiler(queryset.db)
    chunked = not connection.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS")
    # Without server-side cursors (a transaction pooler), every chunk arrives at once, as a list.
    chunks = iter(compiler.execute_sql(MULTI, chunked_fetch=chunked, chunk_size=chunk_size))
    rows = compiler.results_iter(_read_ahead(chunks), chunked_fetch=chunked, chunk_size=chunk_size)
    for row in rows:
        yield dict(zip(names, row, strict=True))


def _read_ahead(chunks: Iterator[list[Any]]) -> Iterator[list[Any]]:
    """The chunks, each next one read by a worker thread while the caller holds this one. One
    thread at a time touches the cursor: the worker while it reads, then this one to close it."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="read-ahead") as reader:
        pending = reader.submit(next, chunks, None)
        try:
            while (chunk := pending.result()) is not None:
                pending = reader.submit(next, chunks, None)
                yield chunk
        finally:
            wait([pending])
            if hasattr(chunks, "close"):
                chunks.close()
