"""Concurrent audited writes on PostgreSQL: do they scale with workers? (issue 14, point 5)

Run: .venv/bin/python bench/audit_concurrency.py [--database-url URL] [--workers 1 2 4 8]
                                                [--transactions 40] [--work-ms 20]

URL names a PostgreSQL server and a role that may create databases (default: the
DATABASE_OWNER_URL of `bin/dev-services env`); a throwaway database is created, migrated and
dropped. Each worker (a thread with its own connection) runs transactions that record one audit
event and then do the rest of their work (`pg_sleep(work-ms)`, standing for the other writes
of an audited action), on different objects. Measured in the same run, transactions/s for:

- held to commit: the chain's lock taken when the event is recorded, as appends did before,
  so it is held through the rest of the transaction;
- append at commit: the app as it is (the event joins the chain as the transaction commits,
  `audit.backends.ChainAppendingMixin`), so the lock is held for the append alone.

Prints each with its scaling (its rate over its own rate with one worker), then checks the whole
chain with the app's verification (no fork, no gap). Fails when the chain breaks, or when the
app's rate at the largest number of workers is under half that number times its one-worker rate.
"""

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.django_setup import setup_django  # noqa: E402 (once the project is on the path)

DATABASE = f"bench_audit_concurrency_{os.getpid()}"


def server_admin(url: str):
    import psycopg

    return psycopg.connect(url, autocommit=True)


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def one_transaction(number: int, work_seconds: float, held_to_commit: bool) -> None:
    from django.db import connection, transaction

    from audit.services import _lock_chain, audit_record

    with transaction.atomic():
        if held_to_commit:
            _lock_chain("default")  # where the lock was taken before: at the event
        audit_record(actor=None, action="bench_write", object_type="bench", object_id=str(number))
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(%s)", [work_seconds])


def rate(workers: int, per_worker: int, work_seconds: float, held_to_commit: bool) -> float:
    """Transactions per second with `workers` threads, each running `per_worker` of them."""
    from django.db import connection

    errors: list[BaseException] = []

    def worker(index: int) -> None:
        try:
            for step in range(per_worker):
                one_transaction(index * per_worker + step, work_seconds, held_to_commit)
        except BaseException as error:  # reported after the run
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(workers)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    if errors:
        raise errors[0]
    return workers * per_worker / seconds


def chain_intact() -> tuple[bool, int]:
    from audit import verify
    from audit.services import chain_rows

    rows = list(chain_rows())
    breaks = list(verify.row_chain_breaks(rows, [], complete=True))
    seqs = [row[0] for row in rows]
    return not breaks and seqs == list(range(1, len(rows) + 1)), len(rows)


def measured(args, url: str, workdir: Path) -> tuple[dict, bool, int]:
    """Transactions/s by (held to commit, workers), then whether the chain holds, and its length."""
    setup_django(url, workdir, migrate=True)
    work = args.work_ms / 1000
    results = {}
    for held in (True, False):
        for workers in args.workers:
            runs = [rate(workers, args.transactions, work, held) for _ in range(args.runs)]
            results[held, workers] = statistics.median(runs)
    intact, events = chain_intact()
    from django.db import connections

    connections.close_all()
    return results, intact, events


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_OWNER_URL", ""))
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--transactions", type=int, default=40, help="per worker")
    parser.add_argument("--work-ms", type=float, default=20.0)
    parser.add_argument("--runs", type=int, default=3, help="median of this many")
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        parser.error("a PostgreSQL URL is needed (--database-url or DATABASE_OWNER_URL)")

    with server_admin(args.database_url) as admin:
        admin.execute(f'CREATE DATABASE "{DATABASE}"')
    try:
        with tempfile.TemporaryDirectory() as folder:
            url = with_database(args.database_url, DATABASE)
            results, intact, events = measured(args, url, Path(folder))
    finally:
        with server_admin(args.database_url) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')

    print(f"Audited transactions/s, {args.work_ms:g} ms of other work each, median of {args.runs}")
    print(
        f"{'workers':>8} {'held to commit':>16} {'scaling':>8} {'append at commit':>18} {'scaling':>8}"
    )
    for workers in args.workers:
        held, late = results[True, workers], results[False, workers]
        print(
            f"{workers:>8} {held:>16.1f} {held / results[True, args.workers[0]]:>7.2f}x"
            f" {late:>18.1f} {late / results[False, args.workers[0]]:>7.2f}x"
        )
    print(f"chain: {events} events, {'intact' if intact else 'BROKEN'}")
    most = max(args.workers)
    scaling = results[False, most] / results[False, min(args.workers)]
    if not intact:
        print("FAIL: the chain does not verify")
        return 1
    if scaling < most / 2:
        print(f"FAIL: {most} workers reach {scaling:.2f}x one worker's rate (target {most / 2:g}x)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
