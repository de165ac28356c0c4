"""The registry's import: the columns of an existing inventory spreadsheet, and each row read into
the answers of a use case and the facts of its registry entry, with an error per cell
(SPEC section 11). Nothing here writes: `workflows.registry_import` does, row by row.

The columns, in the order of the template (`/registry/import/template.csv`):

| column | required | becomes |
|---|---|---|
| `inventory_id` | no | the row's key: importing it again finds its entry (without it: team and name) |
| `name` | yes | the use case's title and the entry's name |
| `description` | no | the use case's summary |
| `team` | yes | the owning team (its name or slug) |
| `business_owner` | yes | the accountable manager (e-mail or username) |
| `technical_owner` | yes | who runs it (e-mail or username) |
| `functions`, `channels`, `capabilities`, `data_categories`, `affected_people` | no | the use case's answers (codes or labels, separated by `;` or `,`) |
| `vendor`, `model`, `model_type`, `model_version` | no | the inventory: the vendor, its model and the version run (matched in any case, created when new) |
| `model_provenance`, `automation_level` | no | the use case's answers (a code or a label) |
| `customer_facing` | no | yes or no |
| `markets` | no | country codes (`EU` for every member state) |
| `stage` | no | `pilot` or `production` (production when empty) |
| `go_live_date` | no | YYYY-MM-DD |
| `human_oversight`, `customer_disclosure`, `monitoring_kpis` | no | the entry's facts |
"""

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db.models import Q, TextChoices

from common.limits import NAME_MAX, TEXT_MAX, date_in_range
from common.spreadsheets import SheetError, sheet_read
from council.models import Team
from council.selectors import business_owner_ineligibility
from inventory.choices import ModelType
from usecases.choices import (
    AffectedPeople,
    AutomationLevel,
    Capability,
    Channel,
    DataCategory,
    Function,
    ModelProvenance,
)
from usecases.markets import parse_markets, unknown_markets

from .models import Deployment, Stage


@dataclass(frozen=True)
class ImportColumn:
    name: str
    required: bool
    example: str
    help: str


COLUMNS = (
    ImportColumn("inventory_id", False, "MKT-014", "Your spreadsheet's own ID for the row."),
    ImportColumn("name", True, "Churn propensity score", "What the tool is called."),
    ImportColumn("description", False, "Scores customers' likelihood to leave.", "What it does."),
    ImportColumn("team", True, "Marketing", "The owning team's name."),
    ImportColumn("business_owner", True, "maria@example.com", "E-mail or username."),
    ImportColumn("technical_owner", True, "tom@example.com", "E-mail or username."),
    ImportColumn("functions", False, "marketing", "Separated by ; or ,"),
    ImportColumn("channels", False, "email; web", "Separated by ; or ,"),
    ImportColumn("capabilities", False, "predictive_scoring", "Separated by ; or ,"),
    ImportColumn("vendor", False, "Northwind AI", "Empty for a tool built in-house."),
    ImportColumn("model", False, "Atlas", "The model's name."),
    ImportColumn("model_type", False, "classifier", "One of: " + ", ".join(ModelType.values)),
    ImportColumn("model_version", False, "2.1", "The version in service."),
    ImportColumn("model_provenance", False, "vendor_hosted", "One of the form's choices."),
    ImportColumn("automation_level", False, "human_on_the_loop", "One of the form's choices."),
    ImportColumn("data_categories", False, "behavioural; transactional", "Separated by ; or ,"),
    ImportColumn("affected_people", False, "customers", "Separated by ; or ,"),
    ImportColumn("customer_facing", False, "no", "yes or no"),
    ImportColumn("markets", False, "GB; IE", "Country codes; EU for every member state."),
    ImportColumn("stage", False, "production", "pilot or production"),
    ImportColumn("go_live_date", False, "2024-03-01", "YYYY-MM-DD"),
    ImportColumn("human_oversight", False, "Campaign manager reviews the segments.", ""),
    ImportColumn("customer_disclosure", False, "", "How customers are told."),
    ImportColumn("monitoring_kpis", False, "Retention rate; precision at top decile", ""),
)
COLUMN_NAMES = tuple(column.name for column in COLUMNS)
REQUIRED = tuple(column.name for column in COLUMNS if column.required)

# Multi-valued answers and the choices of each.
LIST_ANSWERS: dict[str, type[TextChoices]] = {
    "functions": Function,
    "channels": Channel,
    "capabilities": Capability,
    "data_categories": DataCategory,
    "affected_people": AffectedPeople,
}
ONE_OF_ANSWERS: dict[str, type[TextChoices]] = {
    "model_provenance": ModelProvenance,
    "automation_level": AutomationLevel,
}
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0"}
IMPORTABLE_STAGES = (Stage.PILOT, Stage.PRODUCTION)


class RowStatus:
    VALID = "valid"  # the dry run: it would be imported
    CREATED = "created"  # imported: its use case, entry and review now exist
    UNCHANGED = "unchanged"  # imported before (same key): left as it is
    ERROR = "error"  # a cell is wrong: nothing is imported until it is put right


@dataclass
class ImportRow:
    """One row read: what it becomes, or what is wrong with it (per column)."""

    number: int
    key: str = ""
    answers: dict[str, Any] = field(default_factory=dict)  # the use case's
    facts: dict[str, Any] = field(default_factory=dict)  # the registry entry's
    inventory: dict[str, str] = field(default_factory=dict)  # vendor, model, model_type, version
    errors: dict[str, list[str]] = field(default_factory=dict)
    existing: str = ""  # the reference of the entry imported from this row before

    def add_error(self, column: str, message: str) -> None:
        self.errors.setdefault(column, []).append(message)

    @property
    def status(self) -> str:
        if self.errors:
            return RowStatus.ERROR
        return RowStatus.UNCHANGED if self.existing else RowStatus.VALID

    def report(self, *, status: str = "", reference: str = "") -> dict[str, Any]:
        """The row as the API and the page report it (SPEC section 11)."""
        return {
            "row": self.number,
            "name": self.facts.get("name", ""),
            "status": status or self.status,
            "errors": self.errors,
            "reference": reference or self.existing,
        }


@dataclass
class ImportReport:
    rows: list[dict[str, Any]]

    def counts(self) -> dict[str, int]:
        return {
            "rows": len(self.rows),
            "rows_with_errors": sum(1 for r in self.rows if r["status"] == RowStatus.ERROR),
            "rows_new": sum(1 for r in self.rows if r["status"] == RowStatus.VALID),
        }


def import_rows(file: IO[bytes], *, name: str) -> Iterator[ImportRow]:
    """Each row of the spreadsheet, read (streaming: memory does not grow with the rows). A
    file that cannot be read, or whose header is wrong, raises ValidationError on `file`."""
    try:
        sheet = sheet_read(file, name=name)
        problems = header_errors(sheet.header)
        if problems:
            raise ValidationError({"file": problems})
        reader = RowReader()
        for number, values in sheet.rows():
            yield reader.read(number, cells_of(sheet.header, values))
    except SheetError as error:
        raise ValidationError({"file": [str(error)]}) from None


def import_report(file: IO[bytes], *, name: str) -> ImportReport:
    """The dry run: what each row would become."""
    rows = [row.report() for row in import_rows(file, name=name)]
    if not rows:
        raise ValidationError({"file": ["The file has a header but no rows."]})
    return ImportReport(rows)


def header_errors(header: list[str]) -> list[str]:
    """What is wrong with the header row: missing required columns, unknown columns."""
    missing = [name for name in REQUIRED if name not in header]
    unknown = [name for name in header if name and name not in COLUMN_NAMES]
    problems = []
    if missing:
        problems.append(f"Missing required columns: {', '.join(missing)}.")
    if unknown:
        problems.append(f"Unknown columns: {', '.join(unknown)}. Use the template's column names.")
    if len(set(header)) != len(header):
        problems.append("A column name appears twice.")
    return problems


class RowReader:
    """Reads rows against the database: teams, people and rows imported before. Caches what it
    looked up, so a file naming the same owners a thousand times asks once per owner."""

    def __init__(self) -> None:
        self._teams = {
            key: team
            for team in Team.objects.all()
            for key in (team.name.lower(), team.slug.lower())
        }
        self._people: dict[str, User | None] = {}
        self._keys_seen: dict[str, int] = {}

    def read(self, number: int, cells: dict[str, str]) -> ImportRow:
        row = ImportRow(number=number)
        for name in REQUIRED:
            if not cells.get(name):
                row.add_error(name, "Required.")
        self._read_basics(row, cells)
        self._read_answers(row, cells)
        self._read_facts(row, cells)
        self._read_inventory(row, cells)
        self._read_key(row, cells)
        return row

    def _read_basics(self, row: ImportRow, cells: dict[str, str]) -> None:
        name = cells.get("name", "")
        if len(name) > NAME_MAX:
            row.add_error("name", f"At most {NAME_MAX} characters.")
        team = self._teams.get(cells.get("team", "").lower())
        if cells.get("team") and team is None:
            row.add_error("team", f"No team is called “{cells['team']}”.")
        row.answers |= {"title": name, "summary": cells.get("description", ""), "team": team}
        row.facts["name"] = name
        for column in ("business_owner", "technical_owner"):
            person = self._person(row, column, cells.get(column, ""))
            row.facts[column] = person
        row.answers["business_owner"] = row.facts["business_owner"]

    def _person(self, row: ImportRow, column: str, text: str) -> User | None:
        if not text:
            return None
        key = text.lower()
        if key not in self._people:
            self._people[key] = (
                User.objects.filter(Q(username__iexact=text) | Q(email__iexact=text))
                .order_by("-is_active", "pk")
                .first()
            )
        person = self._people[key]
        if person is None:
            row.add_error(column, f"Nobody has the e-mail address or username “{text}”.")
        elif reason := business_owner_ineligibility(person):
            row.add_error(column, reason)
        return person

    def _read_answers(self, row: ImportRow, cells: dict[str, str]) -> None:
        for column, choices in LIST_ANSWERS.items():
            row.answers[column] = _choices_in(row, column, cells.get(column, ""), choices)
        for column, choices in ONE_OF_ANSWERS.items():
            values = _choices_in(row, column, cells.get(column, ""), choices)
            if len(values) > 1:
                row.add_error(column, "Give one value.")
            row.answers[column] = values[0] if values else ""
        row.answers["customer_facing"] = _yes_no(row, "customer_facing", cells)
        markets = parse_markets(cells.get("markets", ""))
        if unknown := unknown_markets(markets):
            row.add_error("markets", f"Not country codes: {', '.join(unknown)}.")
        row.answers |= {
            "markets": markets,
            "vendor": cells.get("vendor", ""),
            "tool_name": cells.get("name", ""),
            "kpis": cells.get("monitoring_kpis", ""),
            "customer_disclosure": cells.get("customer_disclosure", ""),
        }

    def _read_facts(self, row: ImportRow, cells: dict[str, str]) -> None:
        stage = (cells.get("stage") or Stage.PRODUCTION).lower()
        if stage not in IMPORTABLE_STAGES:
            row.add_error("stage", "pilot or production: only tools in service are imported.")
        for column in ("human_oversight", "customer_disclosure", "monitoring_kpis"):
            if len(cells.get(column, "")) > TEXT_MAX:
                row.add_error(column, f"At most {TEXT_MAX} characters.")
            row.facts[column] = cells.get(column, "")
        row.facts |= {
            "stage": stage,
            "go_live_date": _date(row, "go_live_date", cells.get("go_live_date", "")),
            "vendor": cells.get("vendor", ""),
            "model_version": " ".join(
                part for part in (cells.get("model", ""), cells.get("model_version", "")) if part
            ),
            "channels": row.answers["channels"],
            "markets": row.answers["markets"],
            "data_categories": row.answers["data_categories"],
        }

    def _read_inventory(self, row: ImportRow, cells: dict[str, str]) -> None:
        names = {c: cells.get(c, "") for c in ("vendor", "model", "model_type", "model_version")}
        for column, text in names.items():
            if len(text) > NAME_MAX:
                row.add_error(column, f"At most {NAME_MAX} characters.")
        if names["model_version"] and not names["model"]:
            row.add_error("model", "Name the model of this version.")
        model_type = names["model_type"].lower() or ModelType.OTHER
        if model_type not in ModelType.values:
            row.add_error("model_type", f"One of: {', '.join(ModelType.values)}.")
        row.inventory = names | {"model_type": model_type}

    def _read_key(self, row: ImportRow, cells: dict[str, str]) -> None:
        own_id = cells.get("inventory_id", "")
        team = row.answers["team"]
        if own_id:
            row.key = f"id:{own_id.lower()}"
        elif team is not None and row.facts["name"]:
            row.key = f"name:{team.slug}/{' '.join(row.facts['name'].lower().split())}"
        if not row.key:
            return
        if row.key in self._keys_seen:
            column = "inventory_id" if own_id else "name"
            row.add_error(column, f"Row {self._keys_seen[row.key]} is the same tool.")
            return
        self._keys_seen[row.key] = row.number
        found = Deployment.objects.filter(import_key=row.key).values_list("reference", flat=True)
        row.existing = found.first() or ""


def _choices_in(row: ImportRow, column: str, text: str, choices: type[TextChoices]) -> list[str]:
    """'E-mail; web' -> ['email', 'web']: codes or labels, in any case."""
    by_word = {code: code for code in choices.values} | {
        str(label).lower(): code for code, label in choices.choices
    }
    words = [w.strip().lower() for w in re.split(";" if ";" in text else ",", text) if w.strip()]
    unknown = [word for word in words if word not in by_word]
    if unknown:
        row.add_error(column, f"Not known: {', '.join(unknown)}. Use: {', '.join(choices.values)}.")
    return list(dict.fromkeys(by_word[word] for word in words if word in by_word))


def _yes_no(row: ImportRow, column: str, cells: dict[str, str]) -> bool | None:
    text = cells.get(column, "").lower()
    if not text:
        return None
    if text in YES | NO:
        return text in YES
    row.add_error(column, "yes or no.")
    return None


def _date(row: ImportRow, column: str, text: str) -> date | None:
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
        date_in_range(day)
    except ValidationError as error:
        row.add_error(column, " ".join(error.messages))
        return None
    except ValueError:
        row.add_error(column, "A date as YYYY-MM-DD.")
        return None
    return day


def cells_of(header: Iterable[str], values: list[str]) -> dict[str, str]:
    """A row's cells by column name (cells past the header's end ignored)."""
    return {name: value for name, value in zip(header, values, strict=False) if name}
