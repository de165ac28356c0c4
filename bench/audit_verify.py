"""Speed of the audit chain's verification (`verify_audit_log`), in events per second.

Run: .venv/bin/python bench/audit_verify.py [N ...]   (default 100000 1000000)

Each size gets its own throwaway SQLite database (migrated, then filled with N chained events
whose hashes the app's own `audit.verify.event_hash` computes, inserted with executemany), and
one signed checkpoint of the head in a throwaway witness. Measured in the same run, best of 3:

- reading: a plain `SELECT` of the same columns iterated with a cursor (what just reading costs);
- verify_audit_log: `audit.checkpoints.record_verification`, the function the command and the
  `/audit/` page's task call;
- model instances: the chain walked through `AuditEvent` objects, as verification did before it
  read rows as tuples (sizes up to 200,000 only; `--no-instances` skips it).

Prints events/s and the ratio of each to reading; fails when verification is under 100,000
events/s (the target of issue 14: 10^6 events in 10 s or less).
"""

import json
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.django_setup import setup_sqlite  # noqa: E402 (once the project is on the path)

TARGET = 100_000  # events/s
INSTANCES_UP_TO = 200_000
BATCH = 20_000
COLUMNS = (
    "seq", "at", "actor_id", "actor_username", "action", "object_type", "object_id", "object_ref",
    "changes", "prev_hash", "hash",
)  # fmt: skip


def event_rows(n: int, actor_id: int):
    """N chained events as the table stores them, hashed with the app's own function."""
    from audit.verify import GENESIS_HASH, event_hash

    start, prev_hash = datetime(2026, 1, 1, tzinfo=UTC), GENESIS_HASH
    for seq in range(1, n + 1):
        at = start + timedelta(milliseconds=seq * 7)
        event = {
            "seq": seq,
            "at": at.isoformat(),
            "actor": actor_id if seq % 5 else None,
            "actor_username": "bench.auditor" if seq % 5 else "",
            "action": "usecase_updated",
            "object_type": "usecases.usecase",
            "object_id": str(seq % 1000),
            "object_ref": f"UC-2026-{seq % 1000:04d}",
            "changes": {"title": [f"Use case {seq}", f"Cas d'usage n° {seq}"], "state": [None, "draft"]},
        }  # fmt: skip
        digest = event_hash(prev_hash, event)
        yield (
            seq, str(at.replace(tzinfo=None)), event["actor"], event["actor_username"],
            event["action"], event["object_type"], event["object_id"], event["object_ref"],
            json.dumps(event["changes"]), prev_hash, digest,
        )  # fmt: skip
        prev_hash = digest


def fill(n: int) -> None:
    from itertools import islice

    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from audit.checkpoints import checkpoint_write

    actor = get_user_model().objects.create(username="bench.auditor")
    sql = (
        f"INSERT INTO audit_auditevent ({', '.join(COLUMNS)})"
        f" VALUES ({', '.join(['%s'] * len(COLUMNS))})"
    )
    rows = event_rows(n, actor.pk)
    with transaction.atomic(), connection.cursor() as cursor:
        while batch := list(islice(rows, BATCH)):
            cursor.executemany(sql, batch)
    checkpoint_write()


def reading() -> int:
    from django.db import connection

    count = 0
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(COLUMNS)} FROM audit_auditevent ORDER BY seq")
        while rows := cursor.fetchmany(2000):
            count += len(rows)
    return count


def verifying() -> int:
    from audit.checkpoints import record_verification

    verification = record_verification()
    assert verification.broken is None, verification.summary()
    return verification.events


def through_instances() -> int:
    from audit import verify
    from audit.models import AuditEvent
    from audit.services import event_record

    events = AuditEvent.objects.order_by("seq").iterator(chunk_size=2000)
    records = (event_record(event) for event in events)
    broken = next(verify.chain_breaks(records, [], complete=True), None)
    assert broken is None, broken
    return AuditEvent.objects.count()


def best_rates(run, n: int, repeats: int = 3) -> dict[str, float]:
    """Events/s of the fastest of `repeats` runs, by CPU time and by the wall clock."""
    cpu = wall = float("inf")
    for _ in range(repeats):
        started, started_cpu = time.perf_counter(), time.process_time()
        assert run() == n
        cpu = min(cpu, time.process_time() - started_cpu)
        wall = min(wall, time.perf_counter() - started)
    return {"cpu": n / cpu, "wall": n / wall}


def run_one(n: int, instances: bool) -> None:
    """In a child process: one database and one Django setup per size."""
    with tempfile.TemporaryDirectory() as folder:
        setup_sqlite(Path(folder) / "bench.sqlite3", migrate=True)
        started = time.perf_counter()
        fill(n)
        built = time.perf_counter() - started
        rates = {"reading": best_rates(reading, n), "verify_audit_log": best_rates(verifying, n)}
        if instances and n <= INSTANCES_UP_TO:
            rates["model instances"] = best_rates(through_instances, n, repeats=1)
        print(json.dumps({"n": n, "built_s": built, "rates": rates}))


def main() -> None:
    import subprocess

    args = sys.argv[1:]
    instances = "--no-instances" not in args
    sizes = [int(a) for a in args if a.isdigit()] or [100_000, 1_000_000]
    slow = []
    for n in sizes:
        command = [sys.executable, __file__, "--one", str(n)] + (
            [] if instances else ["--no-instances"]
        )
        result = json.loads(
            subprocess.run(command, check=True, capture_output=True, text=True).stdout
        )
        rates = result["rates"]
        print(f"N={n:>9,} events (built in {result['built_s']:.0f} s)")
        for name, rate in rates.items():
            print(
                f"  {name:<18} {rate['cpu']:>10,.0f} events/s of CPU"
                f" ({rate['cpu'] / rates['reading']['cpu']:4.2f} of reading),"
                f" {rate['wall']:>10,.0f} by the wall clock"
                f" ({rate['wall'] / rates['reading']['wall']:4.2f})"
            )
        if rates["verify_audit_log"]["cpu"] < TARGET:
            slow.append(n)
    assert not slow, f"verify_audit_log under {TARGET:,} events/s at N={slow}"


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "--one":
        run_one(int(sys.argv[2]), "--no-instances" not in sys.argv)
    else:
        main()
