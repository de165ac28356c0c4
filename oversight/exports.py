"""Exports for auditors (SPEC section 8): the registry and the audit trail, streamed.

Design, and why:
- Rows are plain dicts built from `values()` querysets read with `.iterator(chunk_size=2000)`;
  what a row needs from other tables (use case, owners, approvers, conditions, incidents) is
  fetched with one bulk query per chunk, so the query count depends on the number of chunks,
  never on the number of rows, and memory stays flat (no serializers: ~100x slower per row).
- The manifest's `sha256` is taken over the rows as canonical JSON lines (sorted keys, compact,
  UTF-8, one row per line), the same whatever the format, so an auditor can check a CSV and a
  JSON export of the same data against each other.
- CSV and JSON make two passes over the database: the first counts and hashes the rows, so the
  manifest can be recorded in the audit event and sent in the `X-Export-Manifest` header (and at
  the head of the JSON body) before any row leaves; the second streams them. Holding the rows
  in memory between the passes would break the flat-memory promise. If the registry changes
  between the passes, the delivered rows no longer match the manifest's sha256: the check
  tells the auditor to run the export again, which is the honest outcome. The audit trail export
  cannot drift this way: both passes stop at the chain head read before the first one.
- JSON is one object, `{"manifest": {...}, "rows": [{...}, ...]}` (not JSON Lines): it opens
  in any JSON tool, and the manifest, known before the rows, comes first.
- XLSX is written once to a temporary file (openpyxl's write-only mode keeps memory flat),
  hashed while it is written, then streamed from that file.
"""

import csv
import hashlib
import json
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from itertools import islice
from typing import IO, Any

from django.contrib.auth import get_user_model
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.utils import timezone

from audit.services import audit_record, chain_head, plain_json
from common.spreadsheets import csv_safe, starts_a_formula
from council.models import Team
from registry.models import Deployment, DeploymentVersion, Incident, IncidentStatus
from registry.selectors import deployment_list_visible, running_past_due
from registry.services import SNAPSHOT_ATTNAMES
from reviews.models import ChecklistWaiver, ConditionStatus, Review, Vote
from reviews.rules import APPROVING
from reviews.selectors import standing_conditions
from usecases.models import UseCase, UseCaseRevision

CHUNK_SIZE = 2000
FORMATS = ("csv", "json", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
REGISTRY_COLUMNS = (
    "reference", "use_case_reference", "title", "team", "name", "vendor", "model_version",
    "channels", "markets", "stage", "requested_stage", "go_live_date", "business_owner",
    "technical_owner", "risk_tier", "ai_act_class", "operator_role", "human_oversight",
    "customer_disclosure", "data_categories", "monitoring_kpis", "last_review_date",
    "next_review_due", "published", "approval_date", "approvers", "open_conditions",
    "waived_items", "open_incidents", "overdue",
)  # fmt: skip
AUDIT_COLUMNS = (
    "seq", "at", "actor", "action", "object_type", "object_id", "object_ref", "changes",
    "prev_hash", "hash",
)  # fmt: skip


@dataclass(frozen=True)
class RegistryFilters:
    team: int | None = None
    risk_tier: str | None = None
    stage: str | None = None
    as_of: date | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: plain_json(v) for k, v in asdict(self).items() if v not in (None, "")}


@dataclass
class Export:
    manifest: dict[str, Any]
    content_type: str
    filename: str
    chunks: Iterable[bytes] = ()
    file: IO[bytes] | None = None  # XLSX: an open temporary file, already unlinked


# --- Shared plumbing -------------------------------------------------------------------------


def _chunked(rows: Iterator[Any], size: int = CHUNK_SIZE) -> Iterator[list[Any]]:
    rows = iter(rows)
    while chunk := list(islice(rows, size)):
        yield chunk


def _canonical_line(row: dict[str, Any]) -> bytes:
    return (
        json.dumps(row, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"
    ).encode()


def _count_and_hash(rows: Iterable[dict[str, Any]]) -> tuple[int, str]:
    digest, count = hashlib.sha256(), 0
    for row in rows:
        digest.update(_canonical_line(row))
        count += 1
    return count, digest.hexdigest()


def _cell(value: Any) -> Any:
    """A row value as one spreadsheet/CSV cell: lists joined, booleans as yes/no."""
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else value


class _Echo:
    """csv.writer needs a file; this one hands each written line back."""

    def write(self, value: str) -> str:
        return value


def csv_chunks(columns: tuple[str, ...], rows: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    writer = csv.writer(_Echo())
    yield writer.writerow(columns).encode()
    # A few hundred rows per chunk: one network write per row would dominate the cost.
    for chunk in _chunked(iter(rows), 500):
        yield "".join(
            writer.writerow([csv_safe(_cell(r[c])) for c in columns]) for r in chunk
        ).encode()


def json_chunks(manifest: dict[str, Any], rows: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    yield b'{"manifest": ' + json.dumps(manifest).encode() + b', "rows": ['
    first = True
    for chunk in _chunked(iter(rows), 500):
        parts = [json.dumps(r, ensure_ascii=False) for r in chunk]
        yield (("" if first else ",") + ",".join(parts)).encode()
        first = False
    yield b"]}\n"


def _xlsx_file(columns: tuple[str, ...], rows: Iterable[dict[str, Any]]) -> tuple[IO, int, str]:
    # Imported on use: openpyxl is large, and only XLSX exports need it.
    from openpyxl import Workbook  # noqa: PLC0415
    from openpyxl.cell import WriteOnlyCell  # noqa: PLC0415

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("export")
    sheet.append(list(columns))

    def text_if_formula(value: Any) -> Any:
        """openpyxl stores a string starting with `=` as a formula: store it as text instead."""
        if not starts_a_formula(value):
            return value
        cell = WriteOnlyCell(sheet, value)
        cell.data_type = "s"
        return cell

    digest, count = hashlib.sha256(), 0
    for row in rows:
        digest.update(_canonical_line(row))
        count += 1
        sheet.append([text_if_formula(_cell(row[c])) for c in columns])
    # Not a `with`: the open file is handed to the response (or command), which closes it;
    # a TemporaryFile has no name on disk and vanishes when closed.
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115
    workbook.save(handle)
    handle.seek(0)
    return handle, count, digest.hexdigest()


def _manifest(*, kind, fmt, filters, user, rows, sha256, head) -> dict[str, Any]:
    authenticated = user is not None and getattr(user, "is_authenticated", False)
    return {
        "export": kind,
        "format": fmt,
        "rows": rows,
        "filters": filters,
        "generated_at": timezone.now().isoformat(),
        "generated_by": user.get_username() if authenticated else None,
        "sha256": sha256,
        "sha256_of": "rows as canonical JSON lines (sorted keys, compact, UTF-8, one per line)",
        "audit_chain_head": {"seq": head.seq, "hash": head.hash},
    }


def _export(*, kind, fmt, columns, rows: Callable[[], Iterator[dict]], filters, user, head):
    """Hash (first pass or while writing XLSX), audit, then hand back what streams the rows."""
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    filename = f"{kind}-{stamp}.{fmt}"
    if fmt == "xlsx":
        handle, count, sha = _xlsx_file(columns, rows())
    else:
        handle = None
        count, sha = _count_and_hash(rows())
    manifest = _manifest(
        kind=kind, fmt=fmt, filters=filters, user=user, rows=count, sha256=sha, head=head
    )
    audit_record(
        actor=user,
        action="exported",
        object_type=kind,
        changes={"manifest": [None, manifest]},
    )
    export = Export(manifest=manifest, content_type=CONTENT_TYPES[fmt], filename=filename)
    if handle is not None:
        export.file = handle
    elif fmt == "csv":
        export.chunks = csv_chunks(columns, rows())
    else:
        export.chunks = json_chunks(manifest, rows())
    return export


# --- Registry --------------------------------------------------------------------------------


def _end_of_day(day: date) -> datetime:
    """The first instant after `day` in the server time zone."""
    return datetime.combine(
        day + timedelta(days=1), time.min, tzinfo=timezone.get_default_timezone()
    )


def _as_date(value) -> date | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _registry_records(*, user, filters: RegistryFilters) -> Iterator[dict[str, Any]]:
    """Entries as plain dicts keyed like a DeploymentVersion snapshot (foreign keys as ids)."""
    base = Deployment.objects.all() if user is None else deployment_list_visible(user=user)
    if filters.team is not None:
        base = base.filter(use_case__team_id=filters.team)
    if filters.as_of is None:
        if filters.risk_tier:
            base = base.filter(risk_tier=filters.risk_tier)
        if filters.stage:
            base = base.filter(stage=filters.stage)
        rows = base.order_by("reference").values("pk", *SNAPSHOT_ATTNAMES.values())
        for row in rows.iterator(chunk_size=CHUNK_SIZE):
            yield {"pk": row["pk"], **{name: row[att] for name, att in SNAPSHOT_ATTNAMES.items()}}
        return
    # The last version of each visible entry that began before the end of the day; entries
    # created later have none and drop out. Filters then apply to that historical data.
    latest = (
        DeploymentVersion.objects.filter(
            deployment=OuterRef("pk"), valid_from__lt=_end_of_day(filters.as_of)
        )
        .order_by("-valid_from", "-id")
        .values("pk")[:1]
    )
    versions = DeploymentVersion.objects.filter(
        pk__in=base.annotate(version_then=Subquery(latest)).values("version_then")
    )
    if filters.risk_tier:
        versions = versions.filter(data__risk_tier=filters.risk_tier)
    if filters.stage:
        versions = versions.filter(data__stage=filters.stage)
    rows = versions.order_by("deployment__reference").values("deployment_id", "data")
    for row in rows.iterator(chunk_size=CHUNK_SIZE):
        yield {**row["data"], "pk": row["deployment_id"]}


def _use_case_facts(ids: set[int], cutoff: datetime | None) -> dict[int, dict[str, Any]]:
    """The export columns that come from each use case, in two or three queries.

    As they are now, or with a cutoff as the last revision submitted before it answered them
    (a deployed use case changes its answers only through a new revision); a revision frozen
    before an answer or a derived value existed has none, and its cell stays empty. Team names
    are today's: teams keep no history of their names.
    """
    current = UseCase.objects.filter(pk__in=ids).values(
        "pk", "reference", "title", "team_id", "ai_act_class", "operator_role"
    )
    facts: dict[int, dict[str, Any]] = {row["pk"]: dict(row) for row in current}
    if cutoff is not None:
        revisions = (
            UseCaseRevision.objects.filter(use_case_id__in=ids, submitted_at__lt=cutoff)
            .order_by("use_case_id", "number")
            .values_list("use_case_id", "answers", "ai_act_class")
        )
        for use_case_id, answers, ai_act_class in revisions:  # the last revision of each wins
            facts[use_case_id].update(
                title=answers.get("title", ""),
                team_id=answers.get("team"),
                ai_act_class=ai_act_class,
                operator_role=answers.get("operator_role", ""),
            )
    names = dict(
        Team.objects.filter(pk__in={f["team_id"] for f in facts.values()}).values_list("pk", "name")
    )
    return {
        pk: {
            "use_case_reference": f["reference"],
            "title": f["title"],
            "team": names.get(f["team_id"], ""),
            "ai_act_class": f["ai_act_class"],
            "operator_role": f["operator_role"],
        }
        for pk, f in facts.items()
    }


def _registry_chunk(records: list[dict[str, Any]], filters: RegistryFilters) -> Iterator[dict]:
    """Turn one chunk of records into export rows with a few bulk queries, whatever its size.

    Rows are yielded one by one rather than listed: only the chunk's records are held.
    """
    cutoff = _end_of_day(filters.as_of) if filters.as_of else None
    today = filters.as_of or timezone.localdate()
    pks = [r["pk"] for r in records]
    approval_ids = {r["approval"] for r in records}
    use_cases = _use_case_facts({r["use_case"] for r in records}, cutoff)
    user_ids = {r["business_owner"] for r in records} | {r["technical_owner"] for r in records}
    usernames = dict(get_user_model().objects.filter(pk__in=user_ids).values_list("pk", "username"))
    decided = dict(Review.objects.filter(pk__in=approval_ids).values_list("pk", "decided_at"))
    approvers: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for review_id, roles, username in Vote.objects.filter(
        review_id__in=approval_ids, current=True, choice__in=APPROVING
    ).values_list("review_id", "roles", "reviewer__username"):
        approvers[review_id].extend((role, username) for role in roles or [])
    conditions = standing_conditions().filter(review_id__in=approval_ids)
    incidents = Incident.objects.filter(deployment_id__in=pks)
    if cutoff is None:
        conditions = conditions.filter(status=ConditionStatus.OPEN)
        incidents = incidents.exclude(status=IncidentStatus.RESOLVED)
    else:
        conditions = conditions.filter(created_at__lt=cutoff).filter(
            Q(status=ConditionStatus.OPEN) | Q(closed_at__gte=cutoff)
        )
        incidents = incidents.filter(reported_at__lt=cutoff).filter(
            Q(resolved_at__isnull=True) | Q(resolved_at__gte=cutoff)
        )
    open_conditions: dict[int, list[str]] = defaultdict(list)
    for review_id, text in conditions.order_by("pk").values_list("review_id", "text"):
        open_conditions[review_id].append(text)
    open_incidents = dict(incidents.order_by().values_list("deployment_id").annotate(n=Count("pk")))
    # Required checklist items the chair waived when approving the judged revision, with why.
    waived_items: dict[int, list[str]] = defaultdict(list)
    for review_id, code, reason in (
        ChecklistWaiver.objects.filter(review_id__in=approval_ids, revision=F("review__revision"))
        .order_by("item__position")
        .values_list("review_id", "item__code", "reason")
    ):
        waived_items[review_id].append(f"{code}: {reason}")

    for r in records:
        use_case = use_cases[r["use_case"]]
        decided_at = decided.get(r["approval"])
        next_due = _as_date(r["next_review_due"])
        assert next_due is not None  # a required field: every entry and snapshot has one
        overdue = running_past_due(stage=r["stage"], next_review_due=next_due, today=today)
        yield {
            "reference": r["reference"],
            "use_case_reference": use_case["use_case_reference"],
            "title": use_case["title"],
            "team": use_case["team"],
            "name": r["name"],
            "vendor": r["vendor"],
            "model_version": r["model_version"],
            "channels": list(r["channels"] or []),
            "markets": list(r["markets"] or []),
            "stage": r["stage"],
            # Versions recorded before requests existed have none.
            "requested_stage": r.get("requested_stage", ""),
            "go_live_date": plain_json(_as_date(r["go_live_date"])),
            "business_owner": usernames.get(r["business_owner"], ""),
            "technical_owner": usernames.get(r["technical_owner"], ""),
            "risk_tier": r["risk_tier"],
            "ai_act_class": use_case["ai_act_class"],
            "operator_role": use_case["operator_role"],
            "human_oversight": r["human_oversight"],
            "customer_disclosure": r["customer_disclosure"],
            "data_categories": list(r["data_categories"] or []),
            "monitoring_kpis": r["monitoring_kpis"],
            "last_review_date": plain_json(_as_date(r["last_review_date"])),
            "next_review_due": plain_json(next_due),
            "published": bool(r["published"]),
            "approval_date": (timezone.localdate(decided_at).isoformat() if decided_at else None),
            "approvers": "; ".join(
                f"{role}: {name}" for role, name in sorted(approvers.get(r["approval"], []))
            ),
            "open_conditions": open_conditions.get(r["approval"], []),
            "waived_items": waived_items.get(r["approval"], []),
            "open_incidents": open_incidents.get(r["pk"], 0),
            "overdue": overdue,
        }


def registry_rows(*, user, filters: RegistryFilters) -> Iterator[dict[str, Any]]:
    """Export rows the user may see (user None: every entry, for the management command)."""
    for chunk in _chunked(_registry_records(user=user, filters=filters)):
        yield from _registry_chunk(chunk, filters)


def registry_export(*, user, fmt: str, filters: RegistryFilters) -> Export:
    head = chain_head()
    return _export(
        kind="registry",
        fmt=fmt,
        columns=REGISTRY_COLUMNS,
        rows=lambda: registry_rows(user=user, filters=filters),
        filters=filters.as_dict(),
        user=user,
        head=head,
    )


# --- Audit trail -----------------------------------------------------------------------------


def audit_rows(events) -> Iterator[dict[str, Any]]:
    fields = ("seq", "at", "actor_username", "action", "object_type", "object_id", "object_ref",
              "changes", "prev_hash", "hash")  # fmt: skip
    for row in events.order_by("seq").values(*fields).iterator(chunk_size=CHUNK_SIZE):
        row["at"] = row["at"].isoformat()
        row["actor"] = row.pop("actor_username") or None
        yield {c: row[c] for c in AUDIT_COLUMNS}


def audit_export(*, user, fmt: str, events, filters: dict[str, Any]) -> Export:
    """Events of `events` (a filtered queryset) up to the chain head read now."""
    head = chain_head()
    # The export's own audit event (and any later one) lies past the head: both passes agree.
    bounded = events.filter(seq__lte=head.seq)
    return _export(
        kind="audit_trail",
        fmt=fmt,
        columns=AUDIT_COLUMNS,
        rows=lambda: audit_rows(bounded),
        filters=filters,
        user=user,
        head=head,
    )
