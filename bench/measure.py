"""Every list page, list endpoint, the home page, the dashboard and each export, timed through
the real URLs (Django's test client: the whole middleware stack, no network), each beside its
reference measured in the same process (`bench.references`; `COPY` of the export's own reads)."""

import re
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

MEMBER, CHAIR, AUDITOR = "council.privacy", "chair", "auditor"
BIG_TABLES = (
    "usecases_usecase", "registry_deployment", "reviews_review", "reviews_assignment",
    "reviews_vote", "reviews_checklistanswer", "audit_auditevent",
    "usecases_usecaseuserobjectpermission",
)  # fmt: skip


@dataclass(frozen=True)
class Page:
    name: str
    user: str | None
    url: str
    reference: str = "trivial"


PAGES = (
    Page("home (council member)", MEMBER, "/"),
    Page("home (chair)", CHAIR, "/"),
    Page("use cases", MEMBER, "/use-cases/", "use-cases"),
    Page("registry", MEMBER, "/registry/", "registry"),
    Page("review queue", MEMBER, "/reviews/", "reviews"),
    Page("pipeline", CHAIR, "/council/pipeline/"),
    Page("dashboard", CHAIR, "/dashboard/"),
    Page("audit trail", AUDITOR, "/audit/", "audit"),
    Page("vendors", MEMBER, "/vendors/"),
    Page("models", MEMBER, "/models/"),
    Page("transparency (public)", None, "/transparency/", "transparency"),
    Page("API use cases", MEMBER, "/api/v1/use-cases/", "api-use-cases"),
    Page("API registry", MEMBER, "/api/v1/registry/", "api-registry"),
    Page("API reviews", MEMBER, "/api/v1/reviews/"),
    Page("API conditions", MEMBER, "/api/v1/conditions/"),
    Page("API audit events", AUDITOR, "/api/v1/audit-events/", "api-audit-events"),
    Page("API vendors", MEMBER, "/api/v1/vendors/"),
    Page("API models", MEMBER, "/api/v1/models/"),
)
EXPORTS = ("csv", "json", "xlsx")


def clients() -> dict[str | None, Client]:
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(username__in=[MEMBER, CHAIR, AUDITOR])
    found: dict[str | None, Client] = {None: Client()}
    for user in users:
        found[user.username] = Client()
        found[user.username].force_login(user)
    return found


def _get(client: Client, url: str) -> tuple[int, int]:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    if response.streaming:
        return response.status_code, sum(len(chunk) for chunk in response.streaming_content)
    return response.status_code, len(response.content)


def median_seconds(client: Client, url: str, repeats: int) -> float:
    _get(client, url)  # warm: templates compiled, caches filled
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        _get(client, url)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def queries_of(client: Client, url: str) -> tuple[int, list[str], int]:
    with CaptureQueriesContext(connection) as captured:
        _, size = _get(client, url)
    return len(captured), [q["sql"] for q in captured.captured_queries], size


# A streamed read (`.iterator()` on PostgreSQL) runs its SELECT as a server-side cursor.
_CURSOR_DECLARATION = re.compile(r'\ADECLARE\s+"?\w+"?\s+.*?\bCURSOR\b.*?\bFOR\s+', re.S | re.I)


def _select_of(sql: str) -> str | None:
    """The SELECT a statement runs, a cursor's included; None for any other statement."""
    sql = _CURSOR_DECLARATION.sub("", sql.lstrip(), count=1)
    return sql if sql.upper().startswith("SELECT") else None


def _plan_nodes(node: dict) -> Iterator[dict]:
    yield node
    for child in node.get("Plans", ()):
        yield from _plan_nodes(child)


def whole_table_reads(statements: list[str]) -> list[str]:
    """The big tables the page's SELECTs read (nearly) whole, by PostgreSQL's own account
    (EXPLAIN ANALYZE): a sequential scan that stops after a few rows, under a LIMIT, is not one."""
    if connection.vendor != "postgresql":
        return []
    found = set()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples FROM pg_class WHERE relname = ANY(%s)", [list(BIG_TABLES)]
        )
        sizes = dict(cursor.fetchall())
        for sql in filter(None, map(_select_of, statements)):
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
            (plan,) = cursor.fetchone()
            for node in _plan_nodes(plan[0]["Plan"]):
                table = node.get("Relation Name")
                if node["Node Type"] != "Seq Scan" or table not in sizes:
                    continue
                read = (node["Actual Rows"] + node.get("Rows Removed by Filter", 0)) * node[
                    "Actual Loops"
                ]
                if sizes[table] > 2000 and read >= 0.9 * sizes[table]:
                    found.add(table)
    return sorted(found)


def pages(repeats: int) -> dict:
    """Each page timed, then, once every page is timed, each one's SELECTs explained: EXPLAIN
    ANALYZE runs the statements of every page, and timed between pages it slowed the next
    page and its reference by up to half."""
    by_user = clients()
    results = {}
    references: dict[tuple[str, str | None], float] = {}
    statements_of: dict[str, list[str]] = {}
    for page in PAGES:
        client = by_user[page.user]
        _get(client, page.url)  # warm first, so the queries counted are the page's own
        if (page.reference, page.user) not in references:
            references[(page.reference, page.user)] = median_seconds(
                client, f"/bench-ref/{page.reference}/", repeats
            )
        count, statements, size = queries_of(client, page.url)
        results[page.name] = {
            "url": page.url,
            "user": page.user or "anonymous",
            "median_ms": 1000 * median_seconds(client, page.url, repeats),
            "reference": page.reference,
            "reference_ms": 1000 * references[(page.reference, page.user)],
            "queries": count,
            "bytes": size,
        }
        statements_of[page.name] = statements
    for name, statements in statements_of.items():
        results[name]["whole_table_reads"] = whole_table_reads(statements)
    return results


def background(repeats: int) -> dict:
    """Work that left the request because it grows with the data, timed where it runs now:
    the dashboard's next snapshot, computed by a worker (`oversight.tasks.dashboard_refresh`)."""
    from django.contrib.auth import get_user_model

    from oversight.snapshots import dashboard_snapshot_refresh

    chair = get_user_model().objects.get(username=CHAIR)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        dashboard_snapshot_refresh(user=chair)
        times.append(time.perf_counter() - started)
    return {"dashboard refresh (chair's scope, a worker)": 1000 * statistics.median(times)}


def _reads_again(statements: list[str]) -> int:
    """The export's own SELECTs once more, in order, by the database alone: COPY on PostgreSQL,
    a plain fetch on SQLite. In one transaction, as the export reads: the settings it makes
    there for its read (`common.reading.long_read`: `set_config`) hold for the same SELECTs
    here. Returns the bytes or rows read."""
    total = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in filter(None, map(_select_of, statements)):
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY ({sql}) TO STDOUT") as copy:
                    total += sum(len(block) for block in copy)
            else:
                cursor.execute(sql)
                while rows := cursor.fetchmany(2000):
                    total += len(rows)
    return total


def exports(repeats: int) -> dict:
    from registry.models import Deployment

    client = clients()[AUDITOR]
    rows = Deployment.objects.count()
    results = {}
    for fmt in EXPORTS:
        url = f"/api/v1/registry/export/?format={fmt}"
        _, statements, size = queries_of(client, url)
        seconds = median_seconds(client, url, repeats)
        _reads_again(statements)
        reference = []
        for _ in range(repeats):
            started = time.perf_counter()
            _reads_again(statements)
            reference.append(time.perf_counter() - started)
        results[fmt] = {
            "rows": rows,
            "bytes": size,
            "rows_per_s": rows / seconds,
            "reference_rows_per_s": rows / statistics.median(reference),
            "reference": "COPY" if connection.vendor == "postgresql" else "fetch",
        }
    return results
