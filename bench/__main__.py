"""`make bench` / `python -m bench`: the app's cost at two sizes, each figure with its ratio.

    .venv/bin/python -m bench [--sizes 1000 100000] [--database-url URL] [--repeats 5]
                              [--json bench-results.json] [--keep]

For each size, a child process builds (or, with --keep, reuses) a database of that many use
cases (`bench.dataset`: the demo seeded, then copied with bulk inserts), then times every list
page and endpoint, the home page, the dashboard and each export (`bench.measure`) beside its
references measured in the same process (`bench.references`). The parent prints one table and
writes the JSON.

URL names a PostgreSQL server and a role that may create databases (`bin/dev-services env`'s
DATABASE_OWNER_URL); without it each size gets a SQLite file. Databases are named by size
(`ai_council_bench_<size>`, or `<workdir>/bench-<size>.sqlite3`) and dropped at the end unless
--keep is given; a kept database is reused by the next run.

Targets (issue 14): at the largest size each page within 1.5x of its own time at the smallest
(growth), and at least 0.5 of its hand-written reference's throughput (ratio = reference time /
page time); exports at least 0.5 (CSV), 0.3 (JSON) and 0.2 (XLSX) of the database's own reading
of the same rows (COPY on PostgreSQL); no big table read whole (EXPLAIN ANALYZE).
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench import django_setup

ROOT = Path(__file__).resolve().parent.parent
PAGE_GROWTH, PAGE_RATIO = 1.5, 0.5
EXPORT_RATIO = {"csv": 0.5, "json": 0.3, "xlsx": 0.2}


def database_url(base: str | None, size: int, workdir: Path) -> str:
    if not base:
        return f"sqlite:///{workdir / f'bench-{size}.sqlite3'}"
    return urlunsplit(urlsplit(base)._replace(path=f"/ai_council_bench_{size}"))


def create_database(base: str, size: int, fresh: bool) -> None:
    import psycopg

    name = f"ai_council_bench_{size}"
    with psycopg.connect(base, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and fresh:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        if not exists or fresh:
            admin.execute(f'CREATE DATABASE "{name}"')


def drop_database(base: str | None, size: int, workdir: Path) -> None:
    if not base:
        (workdir / f"bench-{size}.sqlite3").unlink(missing_ok=True)
        return
    import psycopg

    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "ai_council_bench_{size}" WITH (FORCE)')


def setup_django(url: str, workdir: Path) -> None:
    """`bench.django_setup`, serving the app's URLs beside the references."""
    django_setup.setup_django(url, workdir, migrate=True)
    from django.conf import settings

    settings.ROOT_URLCONF = "bench.references"


def one_size(size: int, url: str, workdir: Path, repeats: int) -> dict:
    """In a child process: build or reuse the database of `size` use cases, then measure."""
    setup_django(url, workdir)
    from django.core.management import call_command

    from bench import dataset, measure
    from usecases.models import UseCase

    started, built = time.perf_counter(), None
    if not UseCase.objects.exists():
        with open(os.devnull, "w") as quiet:
            call_command("seed_demo", password="bench", verbosity=0, stdout=quiet)
    if UseCase.objects.count() < size:
        dataset.build(size, log=lambda line: print(line, file=sys.stderr, flush=True))
        built = round(time.perf_counter() - started, 1)
    else:
        dataset.settle()
    from django.db import connection

    return {
        "size": size,
        "database": connection.vendor,
        "built_s": built,  # None: a kept database, reused
        "tables": dataset.table_sizes(),
        "pages": measure.pages(repeats),
        "exports": measure.exports(repeats),
        "background": measure.background(repeats),
    }


def _mark(ok: bool) -> str:
    return "ok" if ok else "MISS"


def table(results: list[dict]) -> str:
    small, large = results[0], results[-1]
    lines = [
        f"Database: {large['database']}; sizes: "
        + ", ".join(
            f"{r['size']:,} use cases ({r['tables']['registry entries']:,} registry "
            f"entries, {r['tables']['audit events']:,} audit events, "
            f"{r['tables']['permission rows']:,} permission rows; "
            + ("a kept database)" if r["built_s"] is None else f"built in {r['built_s']:.0f} s)")
            for r in results
        ),
        "",
        f"| page | user | ms at {small['size']:,} | ms at {large['size']:,} | growth (<= "
        f"{PAGE_GROWTH}) | reference | ratio to reference (>= {PAGE_RATIO}) | x trivial view "
        "| queries | whole-table reads |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, big in large["pages"].items():
        little = small["pages"][name]
        growth = big["median_ms"] / little["median_ms"]
        ratio = big["reference_ms"] / big["median_ms"]
        trivial = big["median_ms"] / large["pages"]["vendors"]["reference_ms"]
        graded = big["reference"] != "trivial"
        lines.append(
            f"| {name} | {big['user']} | {little['median_ms']:.1f} | {big['median_ms']:.1f} | "
            f"{growth:.2f} {_mark(growth <= PAGE_GROWTH)} | {big['reference']} | "
            + (f"{ratio:.2f} {_mark(ratio >= PAGE_RATIO)}" if graded else "-")
            + f" | {trivial:.1f} | {little['queries']} / {big['queries']}"
            f"{'' if little['queries'] == big['queries'] else ' MISS'} | "
            f"{', '.join(big['whole_table_reads']) or 'none'} |"
        )
    lines += [
        "",
        f"| export | rows/s at {small['size']:,} | ratio to {small['exports']['csv']['reference']} "
        f"| rows/s at {large['size']:,} | ratio to {large['exports']['csv']['reference']} "
        "| target |",
        "|---|---|---|---|---|---|",
    ]
    for fmt, big in large["exports"].items():
        little = small["exports"][fmt]
        ratios = [r["rows_per_s"] / r["reference_rows_per_s"] for r in (little, big)]
        lines.append(
            f"| {fmt} | {little['rows_per_s']:,.0f} | {ratios[0]:.3f} | {big['rows_per_s']:,.0f} "
            f"| {ratios[1]:.3f} {_mark(ratios[1] >= EXPORT_RATIO[fmt])} | {EXPORT_RATIO[fmt]} |"
        )
    lines += [
        "",
        f"| out of the request | ms at {small['size']:,} | ms at {large['size']:,} |",
        "|---|---|---|",
    ]
    for name, big_ms in large.get("background", {}).items():
        little_ms = small.get("background", {}).get(name, float("nan"))
        lines.append(f"| {name} | {little_ms:.1f} | {big_ms:.1f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", type=Path, default=Path("bench-results.json"))
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/ai-council-bench"))
    parser.add_argument("--keep", action="store_true", help="keep the databases for next time")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    if args.one:
        url = database_url(args.database_url, args.one, args.workdir)
        print(json.dumps(one_size(args.one, url, args.workdir, args.repeats)))
        return
    results = []
    for size in sorted(args.sizes):
        if args.database_url:
            create_database(args.database_url, size, fresh=not args.keep)
        elif not args.keep:
            drop_database(None, size, args.workdir)
        print(f"size {size:,}: building and measuring", file=sys.stderr, flush=True)
        command = [sys.executable, "-m", "bench", "--one", str(size), "--repeats",
                   str(args.repeats), "--workdir", str(args.workdir)]  # fmt: skip
        if args.database_url:
            command += ["--database-url", args.database_url]
        child = subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.PIPE, text=True)
        results.append(json.loads(child.stdout.strip().splitlines()[-1]))
        if not args.keep:
            drop_database(args.database_url, size, args.workdir)
    args.json.write_text(json.dumps(results, indent=2))
    print(table(results))
    print(f"\nJSON: {args.json}")


if __name__ == "__main__":
    main()
