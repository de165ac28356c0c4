"""Value of a registry entry: its team tracks KPIs with a baseline and a target and records what
it measures; the page shows where each stands. Council members, auditors and other teams only
read; a retired entry records no more."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import workflows
from common.errors import ActionForbidden, TransitionNotAllowed
from registry import services
from registry.models import Deployment, Kpi, KpiMeasurement
from registry.rules import kpi_status
from registry.selectors import kpi_results

from .registry_support import PILOT_RESULTS, entry_events
from .shared_world import entry_world

pytestmark = pytest.mark.shared_world(build=entry_world)
TODAY = timezone.localdate


def unsubscribes(entry, actor, **overrides):
    data = {
        "name": "Unsubscribe rate",
        "unit": "%",
        "direction": "lower",
        "baseline": Decimal("2.4"),
        "target": Decimal("2.0"),
        **overrides,
    }
    return services.kpi_define(actor=actor, deployment=entry, **data)


class TestWhereAKpiStands:
    @pytest.mark.parametrize(
        "higher, latest, expected",
        [
            (False, None, "not_measured"),
            (False, "1.9", "met"),
            (False, "2.0", "met"),
            (False, "2.2", "improving"),
            (False, "2.4", "not_met"),
            (True, "80", "met"),
            (True, "75", "improving"),
            (True, "60", "not_met"),
        ],
    )
    def test_against_baseline_and_target(self, higher, latest, expected):
        baseline, target = (
            (Decimal("70"), Decimal("80")) if higher else (Decimal("2.4"), Decimal("2.0"))
        )
        value = None if latest is None else Decimal(latest)
        assert (
            kpi_status(higher_is_better=higher, baseline=baseline, target=target, latest=value)
            == expected
        )


class TestTheTeamTracksValue:
    def test_a_kpi_and_its_values_are_recorded_and_audited(self, entry, alice):
        kpi = unsubscribes(entry, alice)
        for days_ago, value in ((14, "2.3"), (7, "2.1")):
            services.kpi_measure(
                actor=alice,
                kpi=kpi,
                value=Decimal(value),
                measured_on=TODAY() - timedelta(days=days_ago),
            )

        (result,) = kpi_results(entry)
        assert (result.latest, result.measurements, result.status) == (
            Decimal("2.1"),
            2,
            "improving",
        )
        assert entry_events(entry, "kpi_defined").get().changes["target"] == [None, "2"]
        assert [
            e.changes["value"][1] for e in entry_events(entry, "kpi_measured").order_by("seq")
        ] == [
            "2.3",
            "2.1",
        ]

    def test_bad_input_is_named_by_field(self, entry, alice):
        kpi = unsubscribes(entry, alice)
        cases = [
            (lambda: unsubscribes(entry, alice, name="unsubscribe RATE"), "name"),
            (lambda: unsubscribes(entry, alice, name="Churn", target=Decimal("3")), "target"),
            (lambda: unsubscribes(entry, alice, name="Churn", direction="sideways"), "direction"),
            (
                lambda: services.kpi_measure(
                    actor=alice, kpi=kpi, value=Decimal(1), measured_on=TODAY() + timedelta(days=1)
                ),
                "measured_on",
            ),
        ]
        for attempt, field in cases:
            with pytest.raises(ValidationError) as error:
                attempt()
            assert field in error.value.message_dict
        services.kpi_measure(actor=alice, kpi=kpi, value=Decimal(2), measured_on=TODAY())
        with pytest.raises(ValidationError, match="already has a value"):
            services.kpi_measure(actor=alice, kpi=kpi, value=Decimal(3), measured_on=TODAY())
        assert Kpi.objects.count() == 1 and KpiMeasurement.objects.count() == 1

    def test_only_the_team_and_the_business_owner_record(
        self, entry, alice, owner, council, auditor, charlie
    ):
        kpi = unsubscribes(entry, owner)
        for user in (council["privacy"], council["chair"], auditor, charlie):
            with pytest.raises(ActionForbidden):
                unsubscribes(entry, user, name="Other")
            with pytest.raises(ActionForbidden):
                services.kpi_measure(actor=user, kpi=kpi, value=Decimal(2), measured_on=TODAY())
        assert Kpi.objects.count() == 1 and not KpiMeasurement.objects.exists()

    def test_a_retired_entry_records_no_more(self, entry, alice):
        kpi = unsubscribes(entry, alice)
        workflows.deployment_change_stage(actor=alice, deployment=entry, stage="retired")
        with pytest.raises(TransitionNotAllowed):
            services.kpi_measure(actor=alice, kpi=kpi, value=Decimal(2), measured_on=TODAY())


class TestThePage:
    def url(self, entry, tail=""):
        return f"/registry/{entry.pk}/{tail}"

    def test_the_team_tracks_a_kpi_and_records_a_value(self, client, entry, alice):
        client.force_login(alice)
        response = client.post(
            self.url(entry, "kpis/"),
            {
                "kpi-name": "CSAT",
                "kpi-unit": "",
                "kpi-direction": "higher",
                "kpi-baseline": "70",
                "kpi-target": "80",
            },
        )
        assert response.status_code == 302 and response.url.endswith("#value")
        kpi = Kpi.objects.get(name="CSAT")
        response = client.post(
            self.url(entry, "kpis/measurements/"),
            {
                "measure-kpi": kpi.pk,
                "measure-value": "81",
                "measure-measured_on": TODAY().isoformat(),
            },
        )
        assert response.status_code == 302
        page = client.get(self.url(entry)).content.decode()
        assert "CSAT" in page and "Target met" in page and "Record a value" in page

    def test_mistakes_come_back_next_to_their_fields(self, client, entry, alice):
        client.force_login(alice)
        response = client.post(
            self.url(entry, "kpis/"),
            {
                "kpi-name": "CSAT",
                "kpi-direction": "higher",
                "kpi-baseline": "70",
                "kpi-target": "lots",
            },
        )
        assert response.status_code == 400
        assert "Enter a number, e.g. 12.5." in response.content.decode()
        assert not Kpi.objects.exists()

    def test_a_kpi_of_another_entry_cannot_be_measured_here(
        self, client, entry, alice, owner, make_entry
    ):
        other = make_entry()
        foreign = unsubscribes(other, alice)
        client.force_login(alice)
        response = client.post(
            self.url(entry, "kpis/measurements/"),
            {
                "measure-kpi": foreign.pk,
                "measure-value": "2",
                "measure-measured_on": TODAY().isoformat(),
            },
        )
        assert response.status_code == 400 and "Choose the KPI." in response.content.decode()
        assert not KpiMeasurement.objects.exists()

    def test_readers_see_the_value_without_forms_and_cannot_post(
        self, client, entry, alice, council, auditor
    ):
        unsubscribes(entry, alice)
        for user in (council["privacy"], auditor):
            client.force_login(user)
            page = client.get(self.url(entry)).content.decode()
            assert "Unsubscribe rate" in page and "Track a KPI" not in page
            response = client.post(
                self.url(entry, "kpis/"),
                {
                    "kpi-name": "X",
                    "kpi-direction": "higher",
                    "kpi-baseline": "1",
                    "kpi-target": "2",
                },
            )
            assert response.status_code == 403
        assert Kpi.objects.count() == 1

    def test_the_page_reads_kpis_in_the_same_queries_whatever_their_number(
        self, client, entry, alice
    ):
        client.force_login(alice)

        def queries():
            with CaptureQueriesContext(connection) as context:
                assert client.get(self.url(entry)).status_code == 200
            return len(context.captured_queries)

        unsubscribes(entry, alice)
        queries()  # warm what lives for the whole process
        few = queries()
        for n in range(5):
            kpi = unsubscribes(entry, alice, name=f"KPI {n}")
            services.kpi_measure(
                actor=alice, kpi=kpi, value=Decimal(1), measured_on=date(2026, 1, 5)
            )
        assert queries() == few


class TestTheApi:
    def url(self, entry, tail="kpis/"):
        return f"/api/v1/registry/{entry.pk}/{tail}"

    def test_a_reporting_job_tracks_and_posts_values(self, api, entry, alice):
        client = api(alice)
        created = client.post(
            self.url(entry),
            {"name": "CSAT", "direction": "higher", "baseline": "70", "target": "80"},
            format="json",
        )
        assert created.status_code == 201, created.json()
        kpi_id = created.json()["id"]
        posted = client.post(
            self.url(entry, f"kpis/{kpi_id}/measurements/"),
            {"value": "76.5", "measured_on": TODAY().isoformat()},
            format="json",
        )
        assert posted.status_code == 201, posted.json()
        (kpi,) = client.get(self.url(entry)).json()
        assert (kpi["latest"], kpi["status"], kpi["measurements"]) == ("76.5000", "improving", 1)
        values = client.get(self.url(entry, f"kpis/{kpi_id}/measurements/")).json()
        assert [v["value"] for v in values] == ["76.5000"]

    def test_errors_name_their_fields_and_readers_get_403(
        self, api, entry, alice, council, auditor
    ):
        bad = api(alice).post(
            self.url(entry),
            {"name": "CSAT", "direction": "higher", "baseline": "70", "target": "60"},
            format="json",
        )
        assert bad.status_code == 400 and "target" in bad.json()
        kpi = unsubscribes(entry, alice)
        future = api(alice).post(
            self.url(entry, f"kpis/{kpi.pk}/measurements/"),
            {"value": "2", "measured_on": (TODAY() + timedelta(days=3)).isoformat()},
            format="json",
        )
        assert future.status_code == 400 and "measured_on" in future.json()
        for user in (council["privacy"], auditor):
            response = api(user).post(
                self.url(entry, f"kpis/{kpi.pk}/measurements/"),
                {"value": "2", "measured_on": TODAY().isoformat()},
                format="json",
            )
            assert response.status_code == 403
        assert not KpiMeasurement.objects.exists()

    def test_a_kpi_of_another_entry_is_404_here(self, api, entry, alice, make_entry):
        foreign = unsubscribes(make_entry(), alice)
        response = api(alice).post(
            self.url(entry, f"kpis/{foreign.pk}/measurements/"),
            {"value": "2", "measured_on": TODAY().isoformat()},
            format="json",
        )
        assert response.status_code == 404


class TestThePilotGate:
    """Leaving pilot for production needs the pilot's results judged against the success
    criteria; the judgement and the KPIs as they stood are kept."""

    def test_without_a_judgement_the_entry_stays_in_pilot(self, entry, alice):
        with pytest.raises(ValidationError) as error:
            workflows.deployment_change_stage(actor=alice, deployment=entry, stage="production")
        assert set(error.value.message_dict) == {"results", "results_summary"}
        entry.refresh_from_db()
        assert (entry.stage, entry.pilot_results) == ("pilot", {})
        assert not entry_events(entry, "stage_changed").exists()

    def test_the_judgement_and_the_kpis_are_kept_with_the_move(self, entry, alice):
        kpi = unsubscribes(entry, alice)
        services.kpi_measure(actor=alice, kpi=kpi, value=Decimal("1.9"), measured_on=TODAY())

        workflows.deployment_change_stage(
            actor=alice, deployment=entry, stage="production", **PILOT_RESULTS
        )

        entry.refresh_from_db()
        assert entry.stage == "production"
        assert entry.pilot_results["kpis"] == [
            {
                "name": "Unsubscribe rate",
                "unit": "%",
                "baseline": "2.4",
                "target": "2",
                "latest": "1.9",
                "measured_on": TODAY().isoformat(),
                "status": "met",
            }
        ]
        moved = entry_events(entry, "stage_changed").get().changes
        assert moved["pilot_results"] == [None, entry.pilot_results]

    def test_resuming_production_after_a_suspension_asks_nothing(self, entry, alice):
        workflows.deployment_change_stage(
            actor=alice, deployment=entry, stage="production", **PILOT_RESULTS
        )
        workflows.deployment_change_stage(actor=alice, deployment=entry, stage="suspended")
        moved = workflows.deployment_change_stage(actor=alice, deployment=entry, stage="production")
        assert moved.stage == "production"

    def test_the_page_asks_for_the_results_and_shows_them_after(self, client, entry, alice):
        unsubscribes(entry, alice)
        client.force_login(alice)
        url = f"/registry/{entry.pk}/stage/"
        page = client.get(url, {"stage": "production"}).content.decode()
        assert "<h2>The pilot's results</h2>" in page and "Unsubscribe rate" in page
        assert 'name="results"' in page and 'name="results_summary"' in page

        refused = client.post(url, {"stage": "production"})
        assert refused.status_code == 400
        assert "Judge the pilot" in refused.content.decode()
        assert Deployment.objects.get(pk=entry.pk).stage == "pilot"

        moved = client.post(url, {"stage": "production", **PILOT_RESULTS}, follow=True)
        page = moved.content.decode()
        assert "is now in Production" in page and "Success criteria met" in page
        assert "Unsubscribes fell from 2.4% to 2.0%" in page

    def test_the_api_answers_400_naming_the_fields(self, api, entry, alice):
        response = api(alice).post(
            f"/api/v1/registry/{entry.pk}/stage/", {"stage": "production"}, format="json"
        )
        assert response.status_code == 400
        assert set(response.json()) >= {"results", "results_summary"}
        moved = api(alice).post(
            f"/api/v1/registry/{entry.pk}/stage/",
            {"stage": "production", **PILOT_RESULTS},
            format="json",
        )
        assert moved.status_code == 200 and moved.json()["pilot_results"]["judgement"] == "met"
