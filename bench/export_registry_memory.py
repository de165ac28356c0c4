"""Peak memory of the registry export in each format as the registry grows (SPEC 8: "memory stays
flat"; the target: peak RSS growth of at most 50 MB from 10^4 to 10^6 entries).

Run: .venv/bin/python bench/export_registry_memory.py [N ...]   (default 10000 100000)

Each size gets its own throwaway SQLite database, migrated and filled with bulk inserts in one
process. Then, for each format, a fresh process sets Django up, reads its resident memory, runs
the export as the API does (`oversight.exports.registry_export`: rows written and hashed, the
file spooled, then read through as a response would send it) and reads its peak resident memory
(`ru_maxrss`). The growth is the peak less the memory before the export. Fails if the growth at
the largest size exceeds the growth at the smallest by more than 50 MB.
"""

import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from itertools import islice
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.django_setup import setup_sqlite  # noqa: E402 (once the project is on the path)

FORMATS = ("csv", "json", "xlsx")
ALLOWED_GROWTH_MB = 50
BATCH = 5_000


def _batches(n: int):
    numbers = iter(range(n))
    while batch := list(islice(numbers, BATCH)):
        yield batch


def fill(n: int) -> None:
    """`n` registry entries, each of its own approved use case with one approving vote, in
    batches (memory stays low whatever `n`)."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from council.models import Team
    from registry.models import Deployment, DeploymentVersion
    from reviews.models import ChecklistTemplate, Review, ReviewPolicy, Vote
    from usecases.models import UseCase

    now, today = timezone.now(), timezone.localdate()
    user = get_user_model().objects.create(username="bench.owner")
    team = Team.objects.create(name="Bench", slug="bench")
    policy = ReviewPolicy.objects.filter(tier="limited").first()
    template = ChecklistTemplate.objects.first()
    for batch in _batches(n):
        with transaction.atomic():
            use_cases = UseCase.objects.bulk_create(
                UseCase(reference=f"UC-{i:07d}", state="deployed", revision=1,
                        title=f"Use case {i}", team=team, business_owner=user, created_by=user,
                        risk_tier="limited")
                for i in batch
            )  # fmt: skip
            reviews = Review.objects.bulk_create(
                Review(use_case=uc, revision=1, policy=policy, checklist_template=template,
                       required_roles=["privacy"], state="decided", outcome="approved",
                       decided_at=now, opened_at=now, due_date=today)
                for uc in use_cases
            )  # fmt: skip
            Vote.objects.bulk_create(
                Vote(review=r, reviewer=user, revision=1, roles=["privacy"], choice="approve",
                     cast_at=now)
                for r in reviews
            )  # fmt: skip
            deployments = Deployment.objects.bulk_create(
                Deployment(reference=f"AI-{i:07d}", use_case=uc, approval=r, name=f"Tool {i}",
                           vendor="Acme", model_version="v1", channels=["email", "chat"],
                           markets=["GB"], business_owner=user, technical_owner=user,
                           risk_tier="limited",
                           human_oversight="Weekly sample review by the CRM team.",
                           data_categories=["contact_details"], monitoring_kpis="Complaints",
                           last_review_date=today, next_review_due=today + timedelta(days=365),
                           created_by=user)
                for i, uc, r in zip(batch, use_cases, reviews, strict=True)
            )  # fmt: skip
            DeploymentVersion.objects.bulk_create(
                DeploymentVersion(deployment=d, valid_from=now, data={"stage": "pilot"})
                for d in deployments
            )


def _resident_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def measure(fmt: str) -> tuple[int, int, float, int]:
    """(rows, RSS growth in bytes, seconds, bytes delivered) of one export, in this process."""
    from oversight.exports import RegistryFilters, registry_export

    before = _resident_bytes()
    started = time.perf_counter()
    export = registry_export(user=None, fmt=fmt, filters=RegistryFilters())
    size = 0
    if export.file is not None:
        with export.file as body:
            while block := body.read(64 * 1024):
                size += len(block)
    else:
        size = sum(len(chunk) for chunk in export.chunks)
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    return export.manifest["rows"], peak - before, elapsed, size


def _child(*args: str) -> list[str]:
    command = [sys.executable, __file__, *args]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout.split()


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [10_000, 100_000]
    growth: dict[int, dict[str, int]] = {}
    for n in sizes:
        with tempfile.TemporaryDirectory() as folder:
            db = str(Path(folder) / "bench.sqlite3")
            started = time.perf_counter()
            _child("--fill", db, str(n))
            print(f"N={n:>9,}: filled in {time.perf_counter() - started:.0f} s", flush=True)
            growth[n] = {}
            for fmt in FORMATS:
                rows, grew, elapsed, size = _child("--export", db, fmt)
                growth[n][fmt] = int(grew)
                print(
                    f"  {fmt:4}: {int(rows):>9,} rows, peak RSS +{int(grew) / 1e6:7.1f} MB, "
                    f"{float(elapsed):7.1f} s, {int(size) / 1e6:8.1f} MB",
                    flush=True,
                )
    first, last = sizes[0], sizes[-1]
    failed = []
    for fmt in FORMATS:
        extra = (growth[last][fmt] - growth[first][fmt]) / 1e6
        print(f"{fmt}: peak RSS growth {first:,} -> {last:,} entries: {extra:+.1f} MB")
        if extra > ALLOWED_GROWTH_MB:
            failed.append(fmt)
    assert not failed, f"export memory grows with the registry: {', '.join(failed)}"


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--fill":
        setup_sqlite(sys.argv[2], migrate=True)
        fill(int(sys.argv[3]))
    elif len(sys.argv) == 4 and sys.argv[1] == "--export":
        setup_sqlite(sys.argv[2])
        print(*measure(sys.argv[3]))
    else:
        main()
