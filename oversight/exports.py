"""Exports for auditors (SPEC section 8): the registry and the audit trail, streamed and signed.

Design, and why:
- Rows are plain dicts built from `values()` querysets read 2,000 at a time, the next chunk
  fetched while this one is written (`common.reading.values_read_ahead`, in a `long_read`).
  Today's registry is one SELECT: what a row needs from other rows (its use case and team,
  owners, approval date, unresolved incidents) is joined, and its lists (approvers, open
  conditions, waived items, KPIs) come as JSON texts the database writes
  (`common.expressions.json_rows`: `_approval_lists`, `registry.selectors.kpis_listed`). An
  `as_of` export reads what the rows need as it stood with a few bulk queries per chunk (its
  ids as one parameter: `__in_ids`). Either way the query count depends on the number of chunks,
  never on the number of rows, and memory stays flat (no serializers: ~100x slower per row).
  JSON columns and lists are read as text and decoded by orjson, and rows are written as JSON by
  orjson: Django's and the standard library's JSON took a quarter of an export's time.
- The manifest's `sha256` is taken over the rows as canonical JSON lines (sorted keys, compact,
  UTF-8, one row per line), the same whatever the format, so an auditor can check a CSV and a
  JSON export of the same data against each other. It is not over the file's bytes: the CSV's
  byte-order mark, the XLSX's cells and sheets do not change it.
- The manifest is signed with the installation's Ed25519 key (`audit.signing`); the signed dict
  is exactly the one recorded in the export's audit event and sent in `X-Export-Manifest`, and
  the signature travels beside it: `X-Export-Signature` for every format, `"signature"` in the
  JSON body, a `signature` row on the XLSX's Manifest sheet. The public key is published, so
  anyone can check a manifest without the app.
- Every format makes one pass over the database: the rows are written and hashed at once, CSV
  and JSON to a temporary file (in memory up to 8 MiB, then on disk), XLSX to its workbook, so
  the manifest can be recorded in the audit event and sent in the `X-Export-Manifest` header
  (and at the head of the JSON body) before any row leaves, and it always holds the hash of
  exactly the rows delivered, whatever changes meanwhile. The audit trail export stops at the
  chain head read before the pass.
- JSON is one object, `{"manifest": {...}, "signature": "...", "rows": [{...}, ...]}` (not JSON
  Lines): it opens in any JSON tool, and the manifest, known before the rows, comes first.
- XLSX is written once to a temporary file (XlsxWriter's constant-memory mode keeps memory flat),
  then streamed from that file. Its Manifest sheet is added after
  the data sheet, once the row count and the sha256 are known.

Readable in a spreadsheet, one rule for every column:
- JSON keys are stable machine names, and each row has the same keys in every format (the
  sha256 covers them). A coded value keeps its key and its stored code (`stage`: `pilot`,
  `channels`: `["voice_ivr"]`); the words people read sit beside it under `<key>_label`
  (`stage_label`: `Pilot`, `channels_label`: `["Voice / IVR"]`). A person keeps their
  username under the key; their full name (the username when they have none) is `<key>_name`.
  Approvers: `approvers` holds `role: username` pairs, `approvers_label` reads
  `Customer experience: Carla Diaz (council.cx)`.
- CSV's header row is the keys (scripts read it; labels are in their own columns); the file
  starts with a UTF-8 byte-order mark, which Excel needs to read accents as UTF-8.
- XLSX's header row is titles for people (`Stage`, `Stage (code)`), bold on a tinted fill,
  frozen, with a filter over the data; dates are date cells, and the audit trail's `at` is a
  date-and-time cell in UTC (its column says so; the CSV and JSON keep the ISO text the event's
  hash covers). Every column sits in the same order as in the CSV.
- The audit trail's rows carry every field its hash covers, named as in the hash and in the
  offline bundle (`actor` is the numeric id, `actor_username` the username the event recorded),
  so `audit/verify.py`'s `event_hash(row["prev_hash"], row)` re-checks any row on its own; the
  actor's name is `actor_name`.

The entry's value, beside `monitoring_kpis`:
- `kpis`: every KPI of the entry as it stands now, by name. JSON holds a list of records (`name`,
  `unit`, `baseline`, `target`, `latest`, `measured_on`, `status`, `status_label`; numbers as
  text, as people write them: `2.4`, not `2.4000`); CSV and XLSX read one sentence per KPI,
  `Unsubscribe rate: baseline 2.4%, target 2%, latest 1.9% on 2026-11-28 (Target met)`, joined
  by `; ` as every list is. Each entry's KPIs come in its own row of the SELECT (`registry.
  selectors.kpis_listed`, read by `kpi_records_in`).
- The pilot's results, judged on leaving pilot: `pilot_judgement` (`met`, `partly_met`,
  `not_met`) beside `pilot_judgement_label`, `pilot_summary`, who judged them
  (`pilot_judged_by`, `pilot_judged_by_name`), when (`pilot_judged_at`), and `pilot_kpis`, the
  KPIs as they stood then, written as `kpis` is. Empty until someone judges them (production
  made or requested).
- An `as_of` export leaves these columns empty: the registry's history keeps neither KPIs nor
  the pilot's results as they stood on a past day, and today's would read as that day's.
"""

import csv
import hashlib
import io
import json
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import chain, islice
from operator import itemgetter
from typing import IO, Any

import orjson
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import (
    Count,
    Exists,
    F,
    JSONField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from audit.checkpoints import checkpoint_after_commit
from audit.services import audit_record, chain_head, plain_json
from audit.signing import manifest_signature
from common.expressions import json_rows, rows_of
from common.reading import long_read, values_read_ahead
from common.spreadsheets import FORMULA_TRIGGERS, csv_safe
from council.models import CouncilRole, Team
from registry.models import Deployment, DeploymentVersion, Incident, Stage
from registry.selectors import (
    deployment_list_visible,
    deployments_published,
    kpi_records_in,
    kpis_listed,
    running_past_due,
    unresolved_incidents_count,
)
from registry.services import SNAPSHOT_ATTNAMES
from reviews.models import CLOSED_CONDITION_STATUSES, ChecklistWaiver, Condition, Review, Vote
from reviews.rules import APPROVING
from reviews.selectors import standing_conditions
from usecases.choices import (
    MARKET_NAMES,
    AiActClass,
    Channel,
    DataCategory,
    OperatorRole,
    RiskTier,
)
from usecases.models import UseCase, UseCaseRevision

from . import interop
from .value import JUDGEMENT_LABELS, kpi_in_words, kpi_labelled, pilot_judged

CHUNK_SIZE = 2000
# A CSV or JSON export is written once, while it is hashed, to a temporary file kept in memory
# up to this size (then on disk), and streamed from there.
SPOOL_IN_MEMORY = 8 * 1024 * 1024
READ_BLOCK = 64 * 1024
FORMATS = ("csv", "json", "xlsx")
# Other people's formats of the registry (`oversight.interop`), and the file each is written as.
INTEROP_FORMATS = {"omb": "csv", "eu_db": "json"}
REGISTRY_FORMATS = (*FORMATS, *INTEROP_FORMATS)
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Excel reads a CSV without it in the machine's legacy code page: "Müller" would show as "MÃ¼ller".
UTF8_BOM = "\ufeff"
DATE, DATETIME = "date", "datetime"


@dataclass(frozen=True)
class Column:
    key: str  # the row's key in JSON, and the CSV header
    title: str  # the XLSX header
    width: int = 14  # XLSX column width, in characters
    kind: str = ""  # DATE or DATETIME: a real date cell in XLSX (ISO text in CSV and JSON)


REGISTRY_SHEET = (
    Column("reference", "Reference", 10),
    Column("use_case_reference", "Use case", 13),
    Column("title", "Title", 32),
    Column("team", "Team", 16),
    Column("name", "Name", 24),
    Column("vendor", "Vendor", 16),
    Column("model_version", "Model version", 16),
    Column("channels_label", "Channels", 22),
    Column("channels", "Channels (codes)", 16),
    Column("markets_label", "Markets", 22),
    Column("markets", "Markets (codes)", 12),
    Column("stage_label", "Stage", 11),
    Column("stage", "Stage (code)", 11),
    Column("requested_stage_label", "Requested stage", 11),
    Column("requested_stage", "Requested stage (code)", 11),
    Column("go_live_date", "Go-live date", 12, DATE),
    Column("business_owner_name", "Business owner", 20),
    Column("business_owner", "Business owner (username)", 16),
    Column("technical_owner_name", "Technical owner", 20),
    Column("technical_owner", "Technical owner (username)", 16),
    Column("risk_tier_label", "Risk tier", 10),
    Column("risk_tier", "Risk tier (code)", 10),
    Column("ai_act_class_label", "EU AI Act class", 18),
    Column("ai_act_class", "EU AI Act class (code)", 14),
    Column("operator_role_label", "Operator role", 30),
    Column("operator_role", "Operator role (code)", 12),
    Column("human_oversight", "Human oversight", 32),
    Column("customer_disclosure", "Customer disclosure", 32),
    Column("data_categories_label", "Data categories", 32),
    Column("data_categories", "Data categories (codes)", 22),
    Column("monitoring_kpis", "Monitoring KPIs", 32),
    Column("kpis", "KPIs now", 48),
    Column("pilot_judgement_label", "Pilot results", 20),
    Column("pilot_judgement", "Pilot results (code)", 12),
    Column("pilot_summary", "Pilot results summary", 40),
    Column("pilot_judged_by_name", "Pilot judged by", 20),
    Column("pilot_judged_by", "Pilot judged by (username)", 16),
    Column("pilot_judged_at", "Pilot judged at (UTC)", 20, DATETIME),
    Column("pilot_kpis", "KPIs when the pilot was judged", 48),
    Column("last_review_date", "Last review", 12, DATE),
    Column("next_review_due", "Next review due", 12, DATE),
    Column("published", "Published", 10),
    Column("legacy", "Imported (legacy)", 10),
    Column("approval_date", "Approval date", 12, DATE),
    Column("approvers_label", "Approvers", 44),
    Column("approvers", "Approvers (roles and usernames)", 30),
    Column("open_conditions", "Open conditions", 32),
    Column("waived_items", "Waived checklist items", 32),
    Column("open_incidents", "Open incidents", 10),
    Column("overdue", "Overdue", 9),
)
AUDIT_SHEET = (
    Column("seq", "Seq", 8),
    Column("at", "At (UTC)", 20, DATETIME),
    Column("actor_name", "Actor", 20),
    Column("actor_username", "Actor (username)", 16),
    Column("actor", "Actor (id)", 9),
    Column("action", "Action", 20),
    Column("object_type", "Object type", 20),
    Column("object_id", "Object id", 10),
    Column("object_ref", "Reference", 14),
    Column("changes", "Changes (JSON)", 60),
    Column("prev_hash", "Previous hash", 20),
    Column("hash", "Hash", 20),
)
REGISTRY_COLUMNS = tuple(column.key for column in REGISTRY_SHEET)
AUDIT_COLUMNS = tuple(column.key for column in AUDIT_SHEET)

# The labels of each coded registry column, by code; a code without one shows as stored.
LABELS: dict[str, dict[str, str]] = {
    "channels": dict(Channel.choices),
    "markets": MARKET_NAMES,
    "stage": dict(Stage.choices),
    "requested_stage": dict(Stage.choices),
    "risk_tier": dict(RiskTier.choices),
    "ai_act_class": dict(AiActClass.choices),
    "operator_role": dict(OperatorRole.choices),
    "data_categories": dict(DataCategory.choices),
    "pilot_judgement": JUDGEMENT_LABELS,
}
ROLE_LABELS = dict(CouncilRole.choices)


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
    signature: str  # base64 Ed25519 over the manifest (audit.signing.manifest_signature)
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
    """The row as one canonical JSON line: sorted keys, compact, UTF-8, then a newline; byte for
    byte `json.dumps(row, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\\n"`,
    written by orjson in a tenth of the time."""
    return orjson.dumps(row, option=orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE)


class _Tally:
    """Counts the rows and hashes their canonical lines as they pass on their way to the file:
    the manifest's `rows` and `sha256`."""

    def __init__(self) -> None:
        self.digest, self.count = hashlib.sha256(), 0

    def passing(self, rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for row in rows:
            self.digest.update(_canonical_line(row))
            self.count += 1
            yield row

    @property
    def sha256(self) -> str:
        return self.digest.hexdigest()


def _spooled(chunks: Iterable[bytes]) -> IO[bytes]:
    """The chunks written to a temporary file (in memory up to SPOOL_IN_MEMORY, then on disk),
    rewound for reading."""
    body = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115 (read later)
    for chunk in chunks:
        body.write(chunk)
    body.seek(0)
    return body


def _blocks(body: IO[bytes]) -> Iterator[bytes]:
    """The file's bytes, a block at a time, then the file closed (and so deleted)."""
    with body:
        while block := body.read(READ_BLOCK):
            yield block


def _cell(value: Any) -> Any:
    """A row value as one spreadsheet/CSV cell: lists joined (a KPI in words), booleans as
    yes/no."""
    if isinstance(value, list):
        try:
            return "; ".join(value)  # text, as most lists are
        except TypeError:
            return "; ".join(kpi_in_words(v) if isinstance(v, dict) else str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else value


def _csv_cell(value: Any) -> Any:
    """csv_safe(_cell(value))."""
    return csv_safe(_cell(value))


def csv_chunks(columns: tuple[str, ...], rows: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    buffer = io.StringIO(UTF8_BOM)
    buffer.seek(0, io.SEEK_END)
    writer = csv.writer(buffer)
    writer.writerow(columns)
    yield _drained(buffer)
    values_of = itemgetter(*columns)
    # A few hundred rows per chunk: one network write per row would dominate the cost. Text
    # that starts no formula and empty cells, most of an export, go to the writer as they are.
    for chunk in _chunked(iter(rows), 500):
        writer.writerows(
            [
                value
                if type(value) is str and not value.startswith(FORMULA_TRIGGERS)
                else ""
                if value is None
                else _csv_cell(value)
                for value in values_of(row)
            ]
            for row in chunk
        )
        yield _drained(buffer)


def _drained(buffer: io.StringIO) -> bytes:
    """What was written to the buffer, as UTF-8; the buffer emptied."""
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text.encode()


def json_head(manifest: dict[str, Any], signature: str) -> bytes:
    """A JSON export up to its rows: the manifest and its signature first."""
    return (
        f'{{"manifest": {json.dumps(manifest)}, "signature": {json.dumps(signature)}, "rows": ['
    ).encode()


JSON_TAIL = b"]}\n"


def json_row_chunks(rows: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    """The rows of a JSON export, comma-separated (between json_head and JSON_TAIL)."""
    first = True
    for chunk in _chunked(iter(rows), 500):
        yield (b"" if first else b",") + b",".join(orjson.dumps(r) for r in chunk)
        first = False


# --- XLSX ------------------------------------------------------------------------------------
# XlsxWriter in constant-memory mode: each row goes to disk as it is written, so memory stays
# flat; it is imported on use (only XLSX exports need it). Strings are always written as text,
# never as formulas, numbers or links (the workbook's options), which keeps a cell starting with
# `=` inert as the CSV's leading `'` does.

HEADER_FILL = "D9E1F2"
MANIFEST_SHEET = (Column("field", "Field", 18), Column("value", "Value", 90))
XLSX_OPTIONS = {
    "constant_memory": True,
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
}


class _Xlsx:
    """A workbook written row by row to a temporary file: sheets with their columns' widths and
    a bold, tinted header row frozen in place, dates as date cells."""

    def __init__(self) -> None:
        import xlsxwriter  # noqa: PLC0415

        # Not a `with`: the open file is handed to the response (or command), which closes it;
        # a TemporaryFile has no name on disk and vanishes when closed.
        self.handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115
        self.workbook = xlsxwriter.Workbook(self.handle, XLSX_OPTIONS)
        self.header = self.workbook.add_format(
            {"bold": True, "bg_color": f"#{HEADER_FILL}", "valign": "top", "text_wrap": True}
        )
        self.formats = {
            DATE: self.workbook.add_format({"num_format": "yyyy-mm-dd"}),
            DATETIME: self.workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
        }

    def sheet(self, title: str, columns: tuple[Column, ...]) -> Any:
        sheet = self.workbook.add_worksheet(title)
        for index, column in enumerate(columns):
            sheet.set_column(index, index, column.width)
        sheet.freeze_panes(1, 0)
        for index, column in enumerate(columns):
            sheet.write_string(0, index, column.title, self.header)
        return sheet

    def write_row(self, sheet, number: int, columns: tuple[Column, ...], row: dict) -> None:
        for index, column in enumerate(columns):
            value = _xlsx_value(column, row[column.key])
            if value is None or value == "":
                continue
            if column.kind and isinstance(value, date):
                sheet.write_datetime(number, index, value, self.formats[column.kind])
            elif isinstance(value, str):
                sheet.write_string(number, index, value)
            else:
                sheet.write(number, index, value)

    def file(self) -> IO[bytes]:
        self.workbook.close()
        self.handle.seek(0)
        return self.handle


def _xlsx_value(column: Column, value: Any) -> Any:
    """A row value as its XLSX cell: dates as date cells, nothing as an empty cell, the rest as
    in the CSV."""
    if value is None:
        return None
    if column.kind == DATE and value:
        return date.fromisoformat(value)
    if column.kind == DATETIME and value:
        # Excel has no time zones: the cell holds UTC, as the column's title says.
        return datetime.fromisoformat(value).astimezone(UTC).replace(tzinfo=None)
    return _cell(value)


def _xlsx_rows(title: str, columns: tuple[Column, ...], rows: Iterable[dict[str, Any]]):
    """A workbook holding the rows in its first sheet, their count and sha256."""
    xlsx = _Xlsx()
    sheet = xlsx.sheet(title, columns)
    tally = _Tally()
    for row in tally.passing(rows):
        xlsx.write_row(sheet, tally.count, columns, row)
    # The filter spans exactly the header and the rows written.
    sheet.autofilter(0, 0, tally.count, len(columns) - 1)
    return xlsx, tally.count, tally.sha256


def _xlsx_file(xlsx: _Xlsx, manifest: dict[str, Any], signature: str) -> IO[bytes]:
    """Add the Manifest sheet (one row per key, nested values as JSON, then the signature) and
    finish the file, rewound."""
    sheet = xlsx.sheet("Manifest", MANIFEST_SHEET)
    fields = [*manifest.items(), ("signature", signature)]
    for number, (key, value) in enumerate(fields, start=1):
        if isinstance(value, dict | list):
            value = json.dumps(value, sort_keys=True, ensure_ascii=False)
        xlsx.write_row(sheet, number, MANIFEST_SHEET, {"field": key, "value": value})
    return xlsx.file()


# --- Every export ----------------------------------------------------------------------------


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


def _export(
    *,
    kind,
    fmt,
    columns: tuple[Column, ...],
    rows: Callable[[], Iterator[dict]],
    filters,
    user,
    head,
) -> Export:
    """One pass over the rows, written (a workbook, or a spooled file of CSV or JSON rows) and
    hashed at once; then sign, audit, and hand back what streams. The manifest, which comes
    first (in the headers, or at the head of the JSON), holds the hash of exactly what follows.
    An interoperability format (`INTEROP_FORMATS`) is written as the file it is one of."""
    written_as = INTEROP_FORMATS.get(fmt, fmt)
    named = kind if written_as == fmt else f"{kind}-{fmt.replace('_', '-')}"
    filename = f"{named}-{timezone.localtime():%Y%m%d-%H%M%S}.{written_as}"
    workbook: _Xlsx | None = None
    body: IO[bytes] = io.BytesIO()
    # A long read (`common.reading`): on PostgreSQL the pass and its audit event are one
    # transaction, and the database reads ahead while the rows are written.
    with long_read():
        if written_as == "xlsx":
            title = kind.replace("_", " ").capitalize()
            workbook, count, sha = _xlsx_rows(title, columns, rows())
        else:
            tally = _Tally()
            if written_as == "csv":
                keys = tuple(column.key for column in columns)
                body = _spooled(csv_chunks(keys, tally.passing(rows())))
            else:
                body = _spooled(json_row_chunks(tally.passing(rows())))
            count, sha = tally.count, tally.sha256
        manifest = _manifest(
            kind=kind, fmt=fmt, filters=filters, user=user, rows=count, sha256=sha, head=head
        )
        signature = manifest_signature(manifest)
        audit_record(
            actor=user,
            action="exported",
            object_type=kind,
            changes={"manifest": [None, manifest]},
        )
        checkpoint_after_commit()
    export = Export(
        manifest=manifest,
        signature=signature,
        content_type=CONTENT_TYPES[written_as],
        filename=filename,
    )
    if workbook is not None:
        export.file = _xlsx_file(workbook, manifest, signature)
    elif written_as == "csv":
        export.chunks = _blocks(body)
    else:
        export.chunks = chain([json_head(manifest, signature)], _blocks(body), [JSON_TAIL])
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


def _conditions_open(cutoff: datetime | None) -> QuerySet[Condition]:
    """Standing conditions not closed (open, or marked met and waiting for the council to confirm
    it): now, or at the cutoff."""
    not_closed = ~Q(status__in=CLOSED_CONDITION_STATUSES)
    if cutoff is None:
        return standing_conditions().filter(not_closed)
    return (
        standing_conditions()
        .filter(created_at__lt=cutoff)
        .filter(not_closed | Q(closed_at__gte=cutoff))
    )


def _approval_lists(approval: OuterRef, *, cutoff: datetime | None) -> dict[str, Subquery]:
    """What a row lists of its approval (the review at `approval`), each as a `json_rows` text:
    the current approving votes, the conditions open (at the cutoff), and the required checklist
    items the chair waived when approving the judged revision, with why."""
    votes = Vote.objects.filter(review_id=approval, current=True, choice__in=APPROVING)
    waivers = ChecklistWaiver.objects.filter(review_id=approval, revision=F("review__revision"))
    return {
        "approvers_listed": json_rows(
            votes,
            "review_id",
            Cast("roles", TextField()),
            "reviewer__username",
            "reviewer__first_name",
            "reviewer__last_name",
        ),
        "conditions_listed": json_rows(
            _conditions_open(cutoff).filter(review_id=approval), "review_id", "pk", "text"
        ),
        "waived_listed": json_rows(waivers, "review_id", "item__position", "item__code", "reason"),
    }


def _full_name_of(username: Any) -> Subquery:
    """`first_name last_name` of the user with that username (None: no such user)."""
    users = get_user_model().objects.filter(username=username)
    full = Concat("first_name", Value(" "), "last_name", output_field=TextField())
    return Subquery(users.values(full=full)[:1])


# What an entry's row needs today from its use case, owners, approval, incidents, KPIs and who
# judged its pilot's results, read by the database in the entries' own SELECT (an `as_of` export
# reads them per chunk, as they were). The lists come as JSON texts (`json_rows`).
_JOINED_NOW: dict[str, Any] = {
    "use_case_reference": F("use_case__reference"),
    "use_case_title": F("use_case__title"),
    "use_case_team": F("use_case__team__name"),
    "use_case_ai_act_class": F("use_case__ai_act_class"),
    "use_case_operator_role": F("use_case__operator_role"),
    **{
        f"{owner}_{part}": F(f"{owner}__{part}")
        for owner in ("business_owner", "technical_owner")
        for part in ("username", "first_name", "last_name")
    },
    "approval_decided_at": F("approval__decided_at"),
    "pilot_judge_name": _full_name_of(KeyTextTransform("judged_by", OuterRef("pilot_results"))),
    "unresolved_incidents": unresolved_incidents_count(),
    **_approval_lists(OuterRef("approval_id"), cutoff=None),
    "kpis_listed": kpis_listed(),
}


# The JSON columns of an entry. Read as their text and decoded by orjson: Django's own decoding
# (`json.loads`, a value at a time) took a tenth of an export's time.
_ENTRY_JSON = tuple(
    field.attname for field in Deployment._meta.concrete_fields if isinstance(field, JSONField)
)


def _as_text(names: Iterable[str]) -> dict[str, Cast]:
    """`<name>_text`: each JSON column as its text, for `_decoded`."""
    return {f"{name}_text": Cast(name, TextField()) for name in names}


def _decoded(text: str | None) -> Any:
    return None if text is None else orjson.loads(text)


def _visible_entries(*, user, filters: RegistryFilters) -> QuerySet[Deployment]:
    """The entries the user may see (user None: every one), of the team asked for."""
    base = Deployment.objects.all() if user is None else deployment_list_visible(user=user)
    if filters.team is not None:
        base = base.filter(use_case__team_id=filters.team)
    return base


def _entries_now(base: QuerySet[Deployment], filters: RegistryFilters) -> QuerySet[Deployment]:
    """Today's entries of `base` with the tier and the stage asked for."""
    if filters.risk_tier:
        base = base.filter(risk_tier=filters.risk_tier)
    if filters.stage:
        base = base.filter(stage=filters.stage)
    return base


def _registry_records(*, user, filters: RegistryFilters) -> Iterator[dict[str, Any]]:
    """Entries as plain dicts keyed like a DeploymentVersion snapshot (foreign keys as ids);
    today's also carry what `_JOINED_NOW` reads with them, under `joined`."""
    base = _visible_entries(user=user, filters=filters)
    if filters.as_of is None:
        attnames = {"pk": "pk", "pilot_results": "pilot_results", **SNAPSHOT_ATTNAMES}
        plain = [att for att in attnames.values() if att not in _ENTRY_JSON]
        rows = (
            _entries_now(base, filters)
            .order_by("reference")
            .values(*plain, **_as_text(_ENTRY_JSON), **_JOINED_NOW)
        )
        for row in values_read_ahead(rows, CHUNK_SIZE):
            yield {
                **{
                    name: _decoded(row[f"{att}_text"]) if att in _ENTRY_JSON else row[att]
                    for name, att in attnames.items()
                },
                "joined": {key: row[key] for key in _JOINED_NOW},
            }
        return
    # The last version of each visible entry that began before the end of the day; entries
    # created later have none and drop out. Filters then apply to that historical data. The
    # versions keep no pilot results: their columns stay empty.
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
    for row in values_read_ahead(rows, CHUNK_SIZE):
        yield {**row["data"], "pk": row["deployment_id"]}


def _use_case_facts(ids: set[int], cutoff: datetime | None) -> dict[int, dict[str, Any]]:
    """The export columns that come from each use case, in two or three queries.

    As they are now, or with a cutoff as the last revision submitted before it answered them
    (a deployed use case changes its answers only through a new revision); a revision frozen
    before an answer or a derived value existed has none, and its cell stays empty. Team names
    are today's: teams keep no history of their names.
    """
    current = UseCase.objects.filter(pk__in_ids=ids).values(
        "pk", "reference", "title", "team_id", "ai_act_class", "operator_role"
    )
    facts: dict[int, dict[str, Any]] = {row["pk"]: dict(row) for row in current}
    if cutoff is not None:
        revisions = (
            UseCaseRevision.objects.filter(use_case_id__in_ids=ids, submitted_at__lt=cutoff)
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


@dataclass(frozen=True)
class _Related:
    """What one chunk's rows need from other tables: read with them (today's) or in a few bulk
    queries (as of a day)."""

    use_cases: dict[int, dict[str, Any]]
    people: dict[int, tuple[str, str]]  # user id: (username, name)
    names: dict[str, str]  # username: name (who judged a pilot's results)
    approval_dates: dict[int, str]  # approval (review) id: the day it was decided (ISO)
    approvers: dict[int, list[tuple[str, str, str]]]  # review id: [(role, username, full name)]
    open_conditions: dict[int, list[str]]  # review id: texts
    waived_items: dict[int, list[str]]  # review id: "code: reason"
    open_incidents: dict[int, int]  # entry id: how many
    kpis: dict[int, list[dict[str, Any]]]  # entry id: its KPIs now (none in an as_of export)


def _full_name(first_name: str, last_name: str) -> str:
    return f"{first_name} {last_name}".strip()


def _related(records: list[dict[str, Any]], cutoff: datetime | None) -> _Related:
    if cutoff is None:
        facts = _facts_now(records)
        lists = {r["approval"]: r["joined"] for r in records}
    else:
        facts = _facts_then(records, cutoff)
        lists = _approval_lists_then({r["approval"] for r in records}, cutoff)
    return _Related(
        **facts,
        approvers={pk: _approvers_in(listed["approvers_listed"]) for pk, listed in lists.items()},
        open_conditions={
            pk: [text for _, text in sorted(rows_of(listed["conditions_listed"]))]
            for pk, listed in lists.items()
        },
        waived_items={
            pk: [
                f"{code}: {reason}" for _, code, reason in sorted(rows_of(listed["waived_listed"]))
            ]
            for pk, listed in lists.items()
        },
        kpis={
            r["pk"]: [kpi_labelled(kpi) for kpi in kpi_records_in(r["joined"]["kpis_listed"])]
            for r in records
        }
        if cutoff is None
        else {},
    )


def _approval_lists_then(approval_ids: set[int], cutoff: datetime) -> dict[int, dict[str, Any]]:
    """Each approval's `_approval_lists` at the cutoff, in one query."""
    reviews = Review.objects.filter(pk__in_ids=approval_ids).order_by()
    listed = reviews.values("pk", **_approval_lists(OuterRef("pk"), cutoff=cutoff))
    return {row["pk"]: dict(row) for row in listed}


def _approvers_in(listed: str | None) -> list[tuple[str, str, str]]:
    """(role, username, full name) of each role of each approving vote `_approval_lists` read."""
    return [
        (role, username, _full_name(first, last))
        for roles, username, first, last in rows_of(listed)
        for role in _decoded(roles) or []
    ]


def _facts_now(records: list[dict[str, Any]]) -> dict[str, Any]:
    """The use cases, owners, approval dates, unresolved incidents and who judged pilots' results
    of today's rows, from what their SELECT joined (`_JOINED_NOW`)."""
    use_cases: dict[int, dict[str, Any]] = {}
    people: dict[int, tuple[str, str]] = {}
    approval_dates: dict[int, str] = {}
    open_incidents: dict[int, int] = {}
    judges: dict[str, str] = {}  # who judged pilots' results: username -> name
    zone = timezone.get_current_timezone()  # a context-local lookup: once a chunk, not a row
    for r in records:
        joined = r["joined"]
        use_cases[r["use_case"]] = {
            "use_case_reference": joined["use_case_reference"],
            "title": joined["use_case_title"],
            "team": joined["use_case_team"] or "",
            "ai_act_class": joined["use_case_ai_act_class"],
            "operator_role": joined["use_case_operator_role"],
        }
        for owner in ("business_owner", "technical_owner"):
            username = joined[f"{owner}_username"]
            name = _full_name(joined[f"{owner}_first_name"], joined[f"{owner}_last_name"])
            people[r[owner]] = (username, name or username)
        if joined["approval_decided_at"] is not None:
            decided = timezone.localdate(joined["approval_decided_at"], zone)
            approval_dates[r["approval"]] = decided.isoformat()
        if joined["unresolved_incidents"]:
            open_incidents[r["pk"]] = joined["unresolved_incidents"]
        if judge := (r["pilot_results"] or {}).get("judged_by"):
            judges[judge] = (joined["pilot_judge_name"] or "").strip() or judge
    names = dict(people.values()) | judges
    return {
        "use_cases": use_cases,
        "people": people,
        "names": names,
        "approval_dates": approval_dates,
        "open_incidents": open_incidents,
    }


def _facts_then(records: list[dict[str, Any]], cutoff: datetime) -> dict[str, Any]:
    """The same as they stood at the cutoff, read per chunk: the use cases' answers of the
    revision then, the incidents not resolved then (owners' names are today's)."""
    user_ids = {r["business_owner"] for r in records} | {r["technical_owner"] for r in records}
    people = {
        pk: (username, _full_name(first, last) or username)
        for pk, username, first, last in get_user_model()
        .objects.filter(pk__in_ids=user_ids)
        .values_list("pk", "username", "first_name", "last_name")
    }
    incidents = Incident.objects.filter(
        deployment_id__in_ids=[r["pk"] for r in records], reported_at__lt=cutoff
    ).filter(Q(resolved_at__isnull=True) | Q(resolved_at__gte=cutoff))
    return {
        "use_cases": _use_case_facts({r["use_case"] for r in records}, cutoff),
        "people": people,
        "names": dict(people.values()),
        "approval_dates": _approval_dates({r["approval"] for r in records}),
        "open_incidents": dict(
            incidents.order_by().values_list("deployment_id").annotate(n=Count("pk"))
        ),
    }


def _approval_dates(approval_ids: set[int]) -> dict[int, str]:
    """Review id -> the day it was decided, in the server's time zone (read once a chunk: the
    current time zone is a context-local lookup, slow to repeat for every row)."""
    zone = timezone.get_current_timezone()
    decided = Review.objects.filter(pk__in_ids=approval_ids, decided_at__isnull=False)
    return {
        pk: timezone.localdate(at, zone).isoformat()
        for pk, at in decided.values_list("pk", "decided_at")
    }


def _label(key: str, value: Any) -> Any:
    """The words for a coded value (each one of a list); a code without a label shows as is."""
    labels = LABELS[key]
    if isinstance(value, list):
        return [labels.get(code, code) for code in value]
    return labels.get(value, value)


def _approvers(approvers: list[tuple[str, str, str]]) -> tuple[str, str]:
    """`role: username; …` and `Role label: Full Name (username); …`, by role."""
    ordered = sorted(approvers)
    codes = "; ".join(f"{role}: {username}" for role, username, _ in ordered)
    words = "; ".join(
        f"{ROLE_LABELS.get(role, role)}: " + (f"{name} ({username})" if name else username)
        for role, username, name in ordered
    )
    return codes, words


def _registry_row(r: dict[str, Any], related: _Related, today: date) -> dict[str, Any]:
    use_case = related.use_cases[r["use_case"]]
    next_due = _as_date(r["next_review_due"])
    assert next_due is not None  # a required field: every entry and snapshot has one
    owner = related.people.get(r["business_owner"], ("", ""))
    technical = related.people.get(r["technical_owner"], ("", ""))
    approvers, approvers_label = _approvers(related.approvers.get(r["approval"], []))
    values = {
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
        "business_owner": owner[0],
        "business_owner_name": owner[1],
        "technical_owner": technical[0],
        "technical_owner_name": technical[1],
        "risk_tier": r["risk_tier"],
        "ai_act_class": use_case["ai_act_class"],
        "operator_role": use_case["operator_role"],
        "human_oversight": r["human_oversight"],
        "customer_disclosure": r["customer_disclosure"],
        "data_categories": list(r["data_categories"] or []),
        "monitoring_kpis": r["monitoring_kpis"],
        "kpis": related.kpis.get(r["pk"], []),
        **_pilot_values(r.get("pilot_results"), related.names),
        "last_review_date": plain_json(_as_date(r["last_review_date"])),
        "next_review_due": plain_json(next_due),
        "published": bool(r["published"]),
        # Imported as already in service; snapshots older than imports have no such key.
        "legacy": bool(r.get("legacy", False)),
        "approval_date": related.approval_dates.get(r["approval"]),
        "approvers": approvers,
        "approvers_label": approvers_label,
        "open_conditions": related.open_conditions.get(r["approval"], []),
        "waived_items": related.waived_items.get(r["approval"], []),
        "open_incidents": related.open_incidents.get(r["pk"], 0),
        "overdue": running_past_due(stage=r["stage"], next_review_due=next_due, today=today),
    }
    for key in LABELS:
        values[f"{key}_label"] = _label(key, values[key])
    return {key: values[key] for key in REGISTRY_COLUMNS}


def _pilot_values(pilot_results: dict[str, Any] | None, names: dict[str, str]) -> dict[str, Any]:
    """The pilot's judged results as the row's `pilot_*` values, empty while none were judged."""
    judged = pilot_judged(pilot_results)
    if judged is None:
        return {
            "pilot_judgement": "",
            "pilot_summary": "",
            "pilot_judged_by": "",
            "pilot_judged_by_name": "",
            "pilot_judged_at": None,
            "pilot_kpis": [],
        }
    return {
        "pilot_judgement": judged.judgement,
        "pilot_summary": judged.summary,
        "pilot_judged_by": judged.judged_by,
        "pilot_judged_by_name": names.get(judged.judged_by, judged.judged_by),
        "pilot_judged_at": judged.judged_at,
        "pilot_kpis": judged.kpis,
    }


def _registry_chunk(records: list[dict[str, Any]], filters: RegistryFilters) -> Iterator[dict]:
    """Turn one chunk of records into export rows with a few bulk queries, whatever its size.

    Rows are yielded one by one rather than listed: only the chunk's records are held.
    """
    related = _related(records, _end_of_day(filters.as_of) if filters.as_of else None)
    today = filters.as_of or timezone.localdate()
    for record in records:
        yield _registry_row(record, related, today)


def registry_rows(*, user, filters: RegistryFilters) -> Iterator[dict[str, Any]]:
    """Export rows the user may see (user None: every entry, for the management command)."""
    for chunk in _chunked(_registry_records(user=user, filters=filters)):
        yield from _registry_chunk(chunk, filters)


# What the interoperability formats read of an entry today, in its own SELECT.
_INTEROP_FIELDS = ("reference", "name", "vendor", "model_version", "markets", "stage",
                   "go_live_date", "human_oversight", "data_categories", "monitoring_kpis",
                   "pilot_results", "legacy")  # fmt: skip
_INTEROP_OF_USE_CASE = ("reference", "title", "summary", "business_problem", "expected_benefits",
                        "capabilities", "functions", "model_provenance", "automation_level",
                        "significant_decisions", "confidential", "ai_act_class", "operator_role",
                        "risk_reasons", "art_6_3_conditions", "art_6_3_grounds")  # fmt: skip


def _interop_joined() -> dict[str, Any]:
    return {
        **{f"uc_{name}": F(f"use_case__{name}") for name in _INTEROP_OF_USE_CASE},
        "team_name": F("use_case__team__name"),
        "owner_email": F("business_owner__email"),
        "on_pages": Exists(deployments_published().filter(pk=OuterRef("pk"))),
    }


def organisation(site: str = "") -> interop.Organisation:
    return interop.Organisation(
        name=settings.ORGANISATION_NAME,
        address=settings.ORGANISATION_ADDRESS,
        contact=settings.ORGANISATION_CONTACT,
        site=site.rstrip("/"),
    )


def interop_rows(*, user, fmt: str, filters: RegistryFilters, site: str = "") -> Iterator[dict]:
    """Today's entries the user may see as rows of `fmt` (an `INTEROP_FORMATS` name): every
    entry for `omb`, those a provider registers in the EU database for `eu_db`."""
    entries = _entries_now(_visible_entries(user=user, filters=filters), filters)
    if fmt == "eu_db":
        entries = entries.filter(interop.EU_REGISTRATION)
    records = entries.order_by("reference").values(*_INTEROP_FIELDS, **_interop_joined())
    who = organisation(site)
    row = interop.omb_row if fmt == "omb" else interop.eu_db_record
    for record in values_read_ahead(records, CHUNK_SIZE):
        yield row(record, who)


def registry_export(*, user, fmt: str, filters: RegistryFilters, site: str = "") -> Export:
    """The registry in `fmt` (`REGISTRY_FORMATS`); `site` (scheme and host) makes the links of
    the interoperability formats whole. They hold today's entries: an `as_of` is refused."""
    if fmt in INTEROP_FORMATS:
        if filters.as_of is not None:
            raise ValueError(f"The {fmt} format holds today's entries only: it takes no as_of.")
        columns = tuple(Column(key, key) for key in interop.OMB_KEYS) if fmt == "omb" else ()
        rows = lambda: interop_rows(user=user, fmt=fmt, filters=filters, site=site)  # noqa: E731
    else:
        columns, rows = REGISTRY_SHEET, lambda: registry_rows(user=user, filters=filters)
    head = chain_head()
    return _export(
        kind="registry",
        fmt=fmt,
        columns=columns,
        rows=rows,
        filters=filters.as_dict(),
        user=user,
        head=head,
    )


# --- Audit trail -----------------------------------------------------------------------------


def audit_rows(events) -> Iterator[dict[str, Any]]:
    """Each event with every field its hash covers, named and written as the hash has them,
    then `prev_hash`, `hash`, and the actor's name as their account has it now."""
    fields = ("seq", "at", "actor_id", "actor_username", "actor__first_name", "actor__last_name",
              "action", "object_type", "object_id", "object_ref", "changes", "prev_hash",
              "hash")  # fmt: skip
    for row in values_read_ahead(events.order_by("seq").values(*fields), CHUNK_SIZE):
        row["at"] = row["at"].isoformat()
        row["actor"] = row["actor_id"]
        name = _full_name(row["actor__first_name"] or "", row["actor__last_name"] or "")
        row["actor_name"] = name or row["actor_username"]
        yield {c: row[c] for c in AUDIT_COLUMNS}


def audit_export(*, user, fmt: str, events, filters: dict[str, Any]) -> Export:
    """Events of `events` (a filtered queryset) up to the chain head read now."""
    head = chain_head()
    # The export's own audit event (and any later one) lies past the head: both passes agree.
    bounded = events.filter(seq__lte=head.seq)
    return _export(
        kind="audit_trail",
        fmt=fmt,
        columns=AUDIT_SHEET,
        rows=lambda: audit_rows(bounded),
        filters=filters,
        user=user,
        head=head,
    )
