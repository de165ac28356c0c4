"""Editing registry entries and following incidents up, through the API: alice's team and the
business owner edit, the chair follows incidents up too, council members and auditors read only,
and charlie's team does not see the entry at all."""

import pytest
import yaml

import workflows
from common.errors import ActionForbidden, TransitionNotAllowed
from registry import services
from registry.models import Deployment, Incident

from .factories import MembershipFactory
from .registry_support import entry_events
from .shared_world import entry_world

# Every test starts from one approved use case and its entry, built once (tests/shared_world.py).
pytestmark = pytest.mark.shared_world(build=entry_world)

URL = "/api/v1/registry/"


def _patch(api, user, entry, body):
    return api(user).patch(f"{URL}{entry.pk}/", body, format="json")


class TestEditEntry:
    def test_the_team_edits_a_fact_and_it_is_audited_without_a_review(self, api, entry, alice):
        response = _patch(api, alice, entry, {"monitoring_kpis": "Complaints per 1,000 e-mails"})
        assert response.status_code == 200, response.json()
        assert response.json()["monitoring_kpis"] == "Complaints per 1,000 e-mails"
        event = entry_events(entry, "changed").get()
        assert event.changes == {
            "monitoring_kpis": ["Unsubscribe rate, complaints.", "Complaints per 1,000 e-mails"],
            "version": [1, 2],
        }
        assert not entry.use_case.reviews.filter(state="open").exists()

    def test_the_business_owner_edits_like_the_team(self, api, entry, owner):
        response = _patch(api, owner, entry, {"markets": ["GB", "IE", "GB"], "published": True})
        assert response.status_code == 200, response.json()
        assert response.json()["markets"] == ["GB", "IE"]
        assert response.json()["published"] is True

    def test_a_new_model_version_opens_a_change_review_and_the_entry_keeps_its_stage(
        self, api, entry, alice
    ):
        response = _patch(api, alice, entry, {"model_version": "nbo-2026.4"})
        assert response.status_code == 200, response.json()
        assert response.json()["stage"] == "pilot"
        review = entry.use_case.reviews.get(state="open")
        assert review.kind == "change" and "model_version" in review.reason
        assert entry_events(entry, "review_requested").count() == 1

    def test_invalid_input_is_refused_by_field_name(self, api, entry, alice):
        response = _patch(
            api,
            alice,
            entry,
            {"channels": ["fax"], "name": "", "markets": [], "technical_owner": 0},
        )
        assert response.status_code == 400
        assert {"channels", "name", "markets", "technical_owner"} <= set(response.json())
        assert Deployment.objects.get(pk=entry.pk).name == "Acme NBO"

    def test_fields_the_team_does_not_type_are_refused_by_name(self, api, entry, alice):
        response = _patch(api, alice, entry, {"stage": "retired", "risk_tier": "minimal"})
        assert response.status_code == 400
        assert set(response.json()) == {"stage", "risk_tier"}
        assert "stage/" in response.json()["stage"][0]
        assert Deployment.objects.get(pk=entry.pk).stage == "pilot"

    def test_a_retired_entry_answers_409(self, api, entry, alice):
        workflows.deployment_change_stage(actor=alice, deployment=entry, stage="retired")
        response = _patch(api, alice, entry, {"monitoring_kpis": "None"})
        assert response.status_code == 409
        assert "retired" in response.json()["detail"]

    def test_a_council_member_who_sees_the_entry_gets_403(self, api, entry, council):
        response = _patch(api, council["privacy"], entry, {"name": "Mine now"})
        assert response.status_code == 403
        assert not entry_events(entry, "changed").exists()

    def test_auditors_get_403_even_in_the_owning_team(self, api, entry, auditor, marketing):
        assert _patch(api, auditor, entry, {"name": "Audited"}).status_code == 403
        MembershipFactory(user=auditor, team=marketing)
        assert _patch(api, auditor, entry, {"name": "Audited"}).status_code == 403
        assert Deployment.objects.get(pk=entry.pk).name == "Acme NBO"

    def test_users_who_cannot_see_the_entry_get_404(self, api, entry, charlie, outsider):
        for user in (charlie, outsider):
            assert _patch(api, user, entry, {"name": "x"}).status_code == 404


def _update(api, user, incident, body):
    url = f"{URL}{incident.deployment_id}/incidents/{incident.pk}/"
    return api(user).patch(url, body, format="json")


class TestIncidentFollowUp:
    def test_the_team_investigates_then_resolves_with_a_resolution(
        self, api, entry, incident, alice
    ):
        investigating = _update(api, alice, incident, {"status": "investigating"})
        assert investigating.status_code == 200, investigating.json()
        assert investigating.json()["status"] == "investigating"
        resolved = _update(
            api, alice, incident, {"status": "resolved", "resolution": "Offer rule fixed."}
        )
        assert resolved.status_code == 200, resolved.json()
        body = resolved.json()
        assert body["resolution"] == "Offer rule fixed."
        assert body["resolved_by_username"] == "alice" and body["resolved_at"]
        assert api(alice).get(f"{URL}{entry.pk}/").json()["open_incidents"] == 0
        changes = [e.changes for e in entry_events(entry, "incident_updated").order_by("seq")]
        assert changes == [
            {"incident": [None, incident.pk], "status": ["open", "investigating"]},
            {
                "incident": [None, incident.pk],
                "status": ["investigating", "resolved"],
                "resolution": ["", "Offer rule fixed."],
            },
        ]

    def test_resolving_needs_a_written_resolution(self, api, incident, alice):
        response = _update(api, alice, incident, {"status": "resolved", "resolution": "  "})
        assert response.status_code == 400
        assert "resolution" in response.json()
        assert Incident.objects.get(pk=incident.pk).status == "open"

    def test_resolved_is_final(self, api, incident, alice):
        _update(api, alice, incident, {"status": "resolved", "resolution": "Done."})
        for status in ("investigating", "resolved"):
            response = _update(api, alice, incident, {"status": status, "resolution": "Again"})
            assert response.status_code == 409, status
        assert Incident.objects.get(pk=incident.pk).resolution == "Done."

    def test_an_unknown_or_backwards_status_answers_400(self, api, incident, alice):
        for status in ("closed", "open"):
            response = _update(api, alice, incident, {"status": status})
            assert response.status_code == 400
            assert "status" in response.json()

    def test_the_chair_follows_up_an_incident(self, api, incident, council):
        response = _update(api, council["chair"], incident, {"status": "investigating"})
        assert response.status_code == 200, response.json()

    def test_council_members_and_auditors_get_403(self, api, entry, incident, council, auditor):
        for user in (council["privacy"], auditor):
            response = _update(api, user, incident, {"status": "investigating"})
            assert response.status_code == 403, user.username
        assert Incident.objects.get(pk=incident.pk).status == "open"
        assert not entry_events(entry, "incident_updated").exists()

    def test_users_who_cannot_see_the_entry_get_404(self, api, incident, charlie, outsider):
        for user in (charlie, outsider):
            assert _update(api, user, incident, {"status": "investigating"}).status_code == 404

    def test_an_incident_of_another_entry_is_not_found(self, api, entry, incident, alice):
        other = Deployment.objects.get(pk=entry.pk)
        other.pk, other.reference = None, "AI-0999"
        other.save()
        response = api(alice).patch(
            f"{URL}{other.pk}/incidents/{incident.pk}/", {"status": "investigating"}, format="json"
        )
        assert response.status_code == 404


class TestIncidentService:
    def test_an_auditor_in_the_owning_team_may_not_follow_up(self, incident, auditor, marketing):
        MembershipFactory(user=auditor, team=marketing)
        with pytest.raises(ActionForbidden):
            services.incident_update(actor=auditor, incident=incident, status="investigating")

    def test_an_auditor_in_the_owning_team_changes_nothing_through_the_services(
        self, entry, auditor, marketing
    ):
        MembershipFactory(user=auditor, team=marketing)
        writes = (
            lambda: workflows.deployment_update(
                actor=auditor, deployment=entry, data={"name": "X"}
            ),
            lambda: workflows.deployment_change_stage(
                actor=auditor, deployment=entry, stage="suspended"
            ),
            lambda: workflows.incident_report(
                actor=auditor, deployment=entry, kind="other", severity="low", description="x"
            ),
        )
        for write in writes:
            with pytest.raises(ActionForbidden):
                write()
        assert Deployment.objects.get(pk=entry.pk).stage == "pilot"
        assert not entry.incidents.exists()

    def test_open_goes_straight_to_resolved_but_never_back(self, incident, owner):
        resolved = services.incident_update(
            actor=owner, incident=incident, status="resolved", resolution="False alarm."
        )
        assert resolved.resolved_by == owner and resolved.resolved_at is not None
        with pytest.raises(TransitionNotAllowed):
            services.incident_update(actor=owner, incident=incident, status="investigating")


def test_the_schema_lists_the_edit_and_follow_up_endpoints(client, alice):
    client.force_login(alice)
    paths = yaml.safe_load(client.get("/api/schema/").content)["paths"]
    assert "patch" in paths["/api/v1/registry/{id}/"]
    assert "put" not in paths["/api/v1/registry/{id}/"]
    assert "patch" in paths["/api/v1/registry/{id}/incidents/{incident_id}/"]
