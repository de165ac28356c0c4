"""An entry's value reaches the auditor: its KPIs now and the pilot's judged results are in the
registry exports (CSV, JSON, XLSX) and in the dossier; an entry without them shows empty cells,
and the exports' and the dossier's queries do not grow with the KPIs."""

import csv
import io
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

import workflows
from oversight.exports import REGISTRY_COLUMNS, RegistryFilters, registry_rows
from registry import services

from .registry_support import PILOT_RESULTS, entry_data
from .reviews_support import approve_review
from .shared_world import two_entries_world

URL = "/api/v1/registry/export/"
WEEK_AGO = timezone.localdate() - timedelta(days=7)
UNSUBSCRIBES = "Unsubscribe rate: baseline 2.4%, target 2%, latest 1.9% on {day} (Target met)"
CLICKS = "Click-through rate: baseline 3%, target 4%, no value yet (Not measured yet)"


def track(entry, actor, name, *, baseline, target, direction="lower", values=()):
    """A KPI of the entry with a value measured each day before last week's, oldest first."""
    kpi = services.kpi_define(
        actor=actor,
        deployment=entry,
        name=name,
        unit="%",
        direction=direction,
        baseline=Decimal(baseline),
        target=Decimal(target),
    )
    for days_before, value in enumerate(reversed(values)):
        services.kpi_measure(
            actor=actor,
            kpi=kpi,
            value=Decimal(value),
            measured_on=WEEK_AGO - timedelta(days=days_before),
        )
    return kpi


def _value_world():
    """Two entries of alice's team: the first tracks two KPIs (one met, one not measured yet)
    and left pilot with its results judged; the second, "Second", tracks none and is in pilot."""
    world = two_entries_world()
    entry, alice = world["entry"], world["alice"]
    track(entry, alice, "Unsubscribe rate", baseline="2.4", target="2.0", values=("2.2", "1.9"))
    track(entry, alice, "Click-through rate", baseline="3", target="4", direction="higher")
    workflows.deployment_change_stage(
        actor=alice, deployment=entry, stage="production", **PILOT_RESULTS
    )
    return world


pytestmark = pytest.mark.shared_world(build=_value_world)


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _export(api, user, fmt, **params):
    response = api(user).get(URL, {"format": fmt, **params})
    assert response.status_code == 200
    return _body(response)


def _csv_rows(api, user, **params) -> dict[str, dict[str, str]]:
    text = _export(api, user, "csv", **params).decode("utf-8-sig")
    return {row["reference"]: row for row in csv.DictReader(io.StringIO(text))}


def _json_rows(api, user) -> dict[str, dict]:
    return {row["reference"]: row for row in json.loads(_export(api, user, "json"))["rows"]}


def _xlsx_rows(api, user) -> dict[str, dict]:
    sheet = load_workbook(io.BytesIO(_export(api, user, "xlsx"))).worksheets[0]
    rows = [
        dict(zip(REGISTRY_COLUMNS, row, strict=True))
        for row in sheet.iter_rows(min_row=2, values_only=True)
    ]
    return {row["reference"]: row for row in rows}


class TestTheRegistryExport:
    def test_the_csv_reads_each_kpi_and_the_pilots_results_in_words(
        self, api, auditor, entry, second_entry, alice
    ):
        row = _csv_rows(api, auditor)[entry.reference]
        # By name: the click-through rate comes first.
        assert row["kpis"] == f"{CLICKS}; {UNSUBSCRIBES.format(day=WEEK_AGO.isoformat())}"
        assert row["pilot_judgement"] == "met"
        assert row["pilot_judgement_label"] == "Success criteria met"
        assert row["pilot_summary"] == PILOT_RESULTS["results_summary"]
        assert row["pilot_judged_by"] == "alice"
        assert row["pilot_judged_by_name"] == (alice.get_full_name() or "alice")
        assert row["pilot_judged_at"].startswith(timezone.now().date().isoformat())
        assert "Unsubscribe rate: baseline 2.4%, target 2%, latest 1.9%" in row["pilot_kpis"]

    def test_an_entry_without_kpis_or_judged_results_has_empty_cells(
        self, api, auditor, second_entry
    ):
        row = _csv_rows(api, auditor)[second_entry.reference]
        value_columns = [key for key in REGISTRY_COLUMNS if key == "kpis" or "pilot" in key]
        assert len(value_columns) == 8
        assert {key: row[key] for key in value_columns} == dict.fromkeys(value_columns, "")

    def test_the_json_holds_the_kpis_and_results_as_structured_records(
        self, api, auditor, entry, second_entry
    ):
        rows = _json_rows(api, auditor)
        clicks, unsubscribes = rows[entry.reference]["kpis"]
        assert unsubscribes == {
            "name": "Unsubscribe rate",
            "unit": "%",
            "baseline": "2.4",
            "target": "2",
            "latest": "1.9",
            "measured_on": WEEK_AGO.isoformat(),
            "status": "met",
            "status_label": "Target met",
        }
        assert (clicks["latest"], clicks["measured_on"], clicks["status"]) == (
            None,
            None,
            "not_measured",
        )
        assert rows[entry.reference]["pilot_judgement"] == "met"
        assert [kpi["status_label"] for kpi in rows[entry.reference]["pilot_kpis"]] == [
            "Not measured yet",
            "Target met",
        ]
        second = rows[second_entry.reference]
        assert (second["kpis"], second["pilot_kpis"], second["pilot_judgement"]) == ([], [], "")
        assert second["pilot_judged_at"] is None

    def test_the_xlsx_has_the_same_words_and_a_date_cell_for_the_judgement(
        self, api, auditor, entry, second_entry
    ):
        rows = _xlsx_rows(api, auditor)
        row = rows[entry.reference]
        assert UNSUBSCRIBES.format(day=WEEK_AGO.isoformat()) in row["kpis"]
        assert row["pilot_judgement_label"] == "Success criteria met"
        assert row["pilot_judged_at"].date() == timezone.now().date()
        second = rows[second_entry.reference]
        assert (second["kpis"], second["pilot_judgement"], second["pilot_judged_at"]) == (
            None,
            None,
            None,
        )

    def test_an_as_of_export_does_not_pass_todays_value_off_as_that_days(self, api, auditor, entry):
        row = _csv_rows(api, auditor, as_of=timezone.localdate().isoformat())[entry.reference]
        assert row["stage"] == "production"
        assert (row["kpis"], row["pilot_judgement"], row["pilot_kpis"]) == ("", "", "")

    def test_a_kpi_named_like_a_formula_stays_text(self, api, auditor, second_entry, alice):
        track(second_entry, alice, "=1+1", baseline="5", target="4")
        cell = _csv_rows(api, auditor)[second_entry.reference]["kpis"]
        assert not cell.startswith("=") and "=1+1: baseline 5%" in cell

    def test_a_team_member_may_not_export_the_registry_and_its_value(self, api, alice):
        assert api(alice).get(URL, {"format": "json"}).status_code == 403


def _more_entries_with_kpis(make_use_case, alice, owner, how_many):
    """`how_many` more entries of alice's team, each tracking three measured KPIs."""
    for n in range(how_many):
        use_case = approve_review(make_use_case("submitted").reviews.get(), alice)
        entry = workflows.deployment_create(
            actor=alice, use_case=use_case, data=entry_data(owner, alice, name=f"More {n}")
        )
        for name in ("Opt-outs", "Complaints", "Returns"):
            track(entry, alice, name, baseline="10", target="5", values=("9", "8", "6"))


def _export_queries(user, **filters) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        rows = list(registry_rows(user=user, filters=RegistryFilters(**filters)))
    return sum(1 for row in rows if row["kpis"]), len(queries)


class TestTheQueries:
    def test_the_export_reads_the_kpis_of_any_number_of_entries_in_one_query(
        self, auditor, second_entry, alice, owner, make_use_case
    ):
        _export_queries(auditor)  # warm the per-request caches (the viewer's roles)
        with_one = _export_queries(auditor)
        track(second_entry, alice, "Opt-outs", baseline="10", target="5", values=("9",))
        _more_entries_with_kpis(make_use_case, alice, owner, how_many=3)
        with_five = _export_queries(auditor)
        assert (with_one[0], with_five[0]) == (1, 5)
        assert with_five[1] == with_one[1]

    def test_the_dossier_reads_the_kpis_in_one_query_however_many(
        self, client, auditor, entry, alice
    ):
        client.force_login(auditor)
        url = reverse("oversight:dossier", args=[entry.use_case_id])
        client.get(url)  # warm the per-request caches
        with CaptureQueriesContext(connection) as few:
            client.get(url)
        for name in ("Opt-outs", "Complaints", "Returns"):
            track(entry, alice, name, baseline="10", target="5", values=("9", "6"))
        with CaptureQueriesContext(connection) as more:
            page = client.get(url).content.decode()
        assert "Returns" in page
        assert len(more) == len(few)


class TestTheDossier:
    def test_the_entry_shows_its_kpis_and_the_pilots_judged_results(self, client, auditor, entry):
        client.force_login(auditor)
        response = client.get(reverse("oversight:dossier", args=[entry.use_case_id]))
        assert response.status_code == 200
        page = response.content.decode()
        section = page[page.index(f'id="dossier-value-{entry.pk}"') :]
        for text in [
            "The pilot's results: Success criteria met",
            "judged by alice on",
            PILOT_RESULTS["results_summary"],
            f"KPIs of {entry.reference} when the pilot was judged",
            f"KPIs of {entry.reference} now",
            "Unsubscribe rate",
            "2.4%",
            "1.9%",
            f"on {WEEK_AGO.isoformat()}",
            "Target met",
            "Click-through rate",
            "Not measured yet",
        ]:
            assert text in section, text

    def test_an_entry_in_pilot_without_kpis_says_so(self, client, auditor, second_entry):
        client.force_login(auditor)
        page = client.get(reverse("oversight:dossier", args=[second_entry.use_case_id]))
        text = page.content.decode()
        assert "No KPI tracked." in text
        assert "The pilot's results are judged when the entry leaves pilot." in text
        # The other entry's KPIs and results stay with it.
        assert "Target met" not in text and "Success criteria met" not in text

    def test_a_team_member_may_not_read_the_dossier(self, client, alice, entry):
        client.force_login(alice)
        response = client.get(reverse("oversight:dossier", args=[entry.use_case_id]))
        assert response.status_code == 403

    def test_the_pdf_carries_the_value_too(self, client, auditor, entry):
        client.force_login(auditor)
        response = client.get(reverse("oversight:dossier_pdf", args=[entry.use_case_id]))
        assert response.status_code == 200
        text = " ".join(
            page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages
        )
        assert "Success criteria met" in text and "Unsubscribe rate" in text
