"""The registry's import at growing sizes (SPEC 11: "10,000 rows imported in one go with flat
memory"): the time of the check (dry run) and of the import itself, and the process's peak
resident memory.

Run: .venv/bin/python bench/import_memory.py [N ...]   (default 1000 10000)

Each size gets its own throwaway SQLite database, migrated (with a team, owners and one council
member per role) by one process; another reads the CSV of N rows over 20 vendors and 60 models,
checks and imports it. Its peak resident memory (`ru_maxrss`) is read once the CSV is in memory
and after the import: the growth is what the check and the import held. The report (one small dict per row: what the API answers and the import keeps) and
the file itself are the only things that should grow with N.
"""

import csv
import io
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.django_setup import setup_sqlite  # noqa: E402 (once the project is on the path)

ROLES = ("marketing", "customer_experience", "privacy", "legal", "data_science", "security",
         "ethics", "chair")  # fmt: skip


def people():
    from django.contrib.auth import get_user_model

    from council.models import RoleAssignment, Team, TeamMembership

    users = get_user_model().objects
    team = Team.objects.create(name="Marketing", slug="marketing")
    member = users.create(username="mark", email="mark@example.com")
    TeamMembership.objects.create(user=member, team=team)
    users.create(username="owner", email="owner@example.com")
    council = {}
    for role in ROLES:
        council[role] = users.create(username=f"council.{role}")
        RoleAssignment.objects.create(user=council[role], role=role)
    return council["chair"]


def sheet(n: int) -> bytes:
    from registry.imports import COLUMN_NAMES

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMN_NAMES)
    writer.writeheader()
    for i in range(n):
        writer.writerow(
            {
                "inventory_id": f"INV-{i}",
                "name": f"Tool {i}",
                "team": "Marketing",
                "business_owner": "owner@example.com",
                "technical_owner": "mark",
                "functions": "marketing",
                "channels": "email; web",
                "capabilities": "segmentation",
                "vendor": f"Vendor {i % 20}",
                "model": f"Model {i % 60}",
                "model_version": "1.0",
                "data_categories": "behavioural",
                "affected_people": "customers",
                "customer_facing": "no",
                "markets": "GB",
                "stage": "production",
                "human_oversight": "Reviewed weekly.",
            }  # fmt: skip
        )
    return out.getvalue().encode()


def timed(step):
    started = time.perf_counter()
    result = step()
    return result, time.perf_counter() - started


def peak_rss() -> int:
    """The process's peak resident memory so far, in bytes (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def prepare(db_path: str) -> None:
    """In its own process, so that the migrations' memory is not the import's: the database,
    the team, the owners and the council."""
    setup_sqlite(db_path, migrate=True)
    people()


def run_one(n: int, db_path: str) -> None:
    setup_sqlite(db_path)
    from django.contrib.auth.models import User
    from django.core.files.uploadedfile import SimpleUploadedFile

    import workflows

    chair = User.objects.get(username="council.chair")
    upload = SimpleUploadedFile("inventory.csv", sheet(n), content_type="text/csv")
    before = peak_rss()
    checked, check_s = timed(lambda: workflows.registry_import_check(actor=chair, upload=upload))
    done, run_s = timed(lambda: workflows.registry_import_run(actor=chair, registry_import=checked))
    assert done.rows_new == n, done.rows_new
    print(f"{n} {check_s:.2f} {run_s:.2f} {before} {peak_rss()}")


def main() -> None:
    import subprocess

    sizes = [int(a) for a in sys.argv[1:]] or [1_000, 10_000]
    growth = {}
    for n in sizes:
        with tempfile.TemporaryDirectory() as folder:
            db_path = str(Path(folder) / "bench.sqlite3")
            subprocess.run([sys.executable, __file__, "--prepare", db_path], check=True)
            out = subprocess.run(
                [sys.executable, __file__, "--one", str(n), db_path],
                check=True,
                capture_output=True,
                text=True,
            ).stdout.split()
        check_s, run_s, before, after = float(out[1]), float(out[2]), int(out[3]), int(out[4])
        growth[n] = after - before
        print(
            f"N={n:>6}: check {check_s:7.2f} s ({n / check_s:6.0f} rows/s) | import {run_s:7.2f} s "
            f"({n / run_s:5.0f} rows/s, {run_s / n * 1000:5.1f} ms/row) | peak RSS "
            f"{after / 2**20:6.1f} MiB, +{growth[n] / 2**20:5.1f} MiB over the file read"
        )
    first, last = sizes[0], sizes[-1]
    if last > first:
        per_row = (growth[last] - growth[first]) / (last - first)
        print(
            f"growth {first} -> {last} rows: {(growth[last] - growth[first]) / 2**20:.1f} MiB "
            f"({per_row:.0f} bytes per row)"
        )
        # The report keeps one small dict per row and the file is read from memory here
        # (~0.4 KiB a row each); anything much bigger is the import holding its rows.
        assert per_row < 4096, f"import memory grows {per_row:.0f} bytes per row"


if __name__ == "__main__":
    if sys.argv[1:2] == ["--prepare"]:
        prepare(sys.argv[2])
    elif sys.argv[1:2] == ["--one"]:
        run_one(int(sys.argv[2]), sys.argv[3])
    else:
        main()
