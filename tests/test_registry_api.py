"""The registry API: alice's team records deployments, charlie's team does not see its
confidential ones, and the auditor reads everything and changes nothing."""

import pytest
import yaml
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from registry.models import Deployment, Incident
from usecases.models import UseCase

from .factories import MembershipFactory, UserFactory
from .registry_support import PILOT_RESULTS, entries_select
from .reviews_support import approve_review as _approve
from .shared_world import approved_world, use_case_of

# Every test starts from one approved use case, built once (tests/shared_world.py).
pytestmark = pytest.mark.shared_world(build=approved_world)

URL = "/api/v1/registry/"


def _payload(use_case, owner, alice, **overrides):
    payload = {
        "use_case": use_case.pk,
        "name": "Acme NBO",
        "vendor": "Acme",
        "model_version": "nbo-2026.3",
        "channels": ["email"],
        "markets": ["GB", "IE"],
        "business_owner": owner.pk,
        "technical_owner": alice.pk,
        "human_oversight": "CRM team reviews the weekly offer mix.",
        "customer_disclosure": "The e-mail footer says offers are chosen automatically.",
        "data_categories": ["contact_details", "behavioural"],
        "monitoring_kpis": "Unsubscribe rate, complaints.",
        "published": True,
    }
    payload.update(overrides)
    return payload


@pytest.fixture
def entry(api, approved, alice, owner):
    response = api(alice).post(URL, _payload(approved, owner, alice), format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def _clone(deployment, number, **changes):
    """Another entry on the same approval, written straight to the table (fast volume)."""
    copy = Deployment.objects.get(pk=deployment["id"])
    copy.pk = None
    copy.reference = f"AI-{number:04d}"
    for name, value in changes.items():
        setattr(copy, name, value)
    copy.save()
    return copy


class TestCreate:
    def test_the_team_enters_an_approved_use_case_and_gets_ai_0001(
        self, api, approved, alice, owner
    ):
        response = api(alice).post(URL, _payload(approved, owner, alice), format="json")
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["reference"] == "AI-0001"
        assert body["stage"] == "pilot"
        assert body["use_case"] == approved.pk
        assert body["use_case_reference"] == approved.reference
        assert body["risk_tier"] == approved.risk_tier
        assert body["open_incidents"] == 0
        assert body["overdue"] is False
        assert body["approval"] == approved.reviews.get().pk
        for field in (
            "id", "name", "vendor", "model_version", "channels", "markets", "go_live_date",
            "business_owner", "technical_owner", "human_oversight", "customer_disclosure",
            "data_categories", "monitoring_kpis", "last_review_date", "next_review_due",
            "published",
        ):  # fmt: skip
            assert field in body
        assert body["markets"] == ["GB", "IE"]
        assert UseCase.objects.get(pk=approved.pk).state == "deployed"

    def test_open_blocking_conditions_are_listed_and_refuse_the_entry(
        self, api, make_use_case, council, alice, owner
    ):
        use_case = _approve(
            make_use_case("submitted").reviews.get(),
            alice,
            conditions=[{"text": "Publish the privacy notice"}],
        )
        response = api(alice).post(URL, _payload(use_case, owner, alice), format="json")
        assert response.status_code == 400
        assert response.json()["use_case"] == [
            "Blocking condition still open: Publish the privacy notice"
        ]
        assert not Deployment.objects.exists()

    def test_a_use_case_not_approved_answers_409(self, api, make_use_case, alice, owner):
        response = api(alice).post(
            URL, _payload(make_use_case("submitted"), owner, alice), format="json"
        )
        assert response.status_code == 409
        assert "approved" in response.json()["detail"]

    def test_a_council_member_who_sees_the_use_case_may_not_record_it(
        self, api, approved, council, owner, alice
    ):
        response = api(council["privacy"]).post(
            URL, _payload(approved, owner, alice), format="json"
        )
        assert response.status_code == 403
        assert not Deployment.objects.exists()

    def test_another_team_that_cannot_see_the_use_case_is_told_it_does_not_exist(
        self, api, approved, charlie, owner
    ):
        response = api(charlie).post(URL, _payload(approved, owner, charlie), format="json")
        assert response.status_code == 400
        assert response.json() == {"use_case": ["No such use case."]}

    def test_an_invisible_or_missing_use_case_answers_the_same_400(
        self, api, make_use_case, alice, owner, outsider
    ):
        draft = make_use_case()  # a draft: outsiders may not see it
        invisible = api(outsider).post(URL, _payload(draft, owner, alice), format="json")
        missing = api(outsider).post(
            URL, {**_payload(draft, owner, alice), "use_case": 999999}, format="json"
        )
        assert invisible.status_code == missing.status_code == 400
        assert invisible.json() == missing.json() == {"use_case": ["No such use case."]}

    def test_bad_fields_are_listed_by_name(self, api, approved, alice, owner):
        response = api(alice).post(
            URL,
            _payload(
                approved, owner, alice, channels=["fax"], markets=[], name="", stage="retired"
            ),
            format="json",
        )
        assert response.status_code == 400
        assert {"channels", "markets", "name", "stage"} <= set(response.json())


class TestStage:
    def test_the_team_moves_the_entry_and_an_illegal_move_answers_409(self, api, entry, alice):
        client = api(alice)
        moved = client.post(
            f"{URL}{entry['id']}/stage/", {"stage": "production", **PILOT_RESULTS}, format="json"
        )
        assert moved.status_code == 200, moved.json()
        assert moved.json()["stage"] == "production"
        assert moved.json()["go_live_date"] is not None
        retired = client.post(
            f"{URL}{entry['id']}/stage/", {"stage": "retired", "reason": "Replaced"}, format="json"
        )
        assert retired.json()["stage"] == "retired"
        back = client.post(
            f"{URL}{entry['id']}/stage/", {"stage": "production", **PILOT_RESULTS}, format="json"
        )
        assert back.status_code == 409
        assert "detail" in back.json()

    def test_an_unknown_stage_answers_400(self, api, entry, alice):
        response = api(alice).post(f"{URL}{entry['id']}/stage/", {"stage": "live"}, format="json")
        assert response.status_code == 400
        assert "stage" in response.json()

    def test_a_council_member_who_sees_the_entry_may_not_move_it(self, api, entry, council):
        response = api(council["privacy"]).post(
            f"{URL}{entry['id']}/stage/", {"stage": "retired"}, format="json"
        )
        assert response.status_code == 403


class TestIncidents:
    def test_a_critical_incident_suspends_the_entry(self, api, entry, alice):
        client = api(alice)
        response = client.post(
            f"{URL}{entry['id']}/incidents/",
            {"kind": "harmful_output", "severity": "critical", "description": "Offensive text"},
            format="json",
        )
        assert response.status_code == 201, response.json()
        assert response.json()["status"] == "open"
        assert response.json()["reported_by_username"] == "alice"
        detail = client.get(f"{URL}{entry['id']}/").json()
        assert detail["stage"] == "suspended"
        assert detail["open_incidents"] == 1
        listed = client.get(f"{URL}{entry['id']}/incidents/").json()
        assert [i["severity"] for i in listed] == ["critical"]

    def test_a_low_incident_leaves_the_entry_running(self, api, entry, council):
        # Anyone who can see the entry reports: here a council member.
        response = api(council["privacy"]).post(
            f"{URL}{entry['id']}/incidents/",
            {"kind": "other", "severity": "low", "description": "Typo in an offer"},
            format="json",
        )
        assert response.status_code == 201, response.json()
        assert Deployment.objects.get(pk=entry["id"]).stage == "pilot"

    def test_bad_values_are_refused_by_field(self, api, entry, alice):
        response = api(alice).post(
            f"{URL}{entry['id']}/incidents/",
            {"kind": "ufo", "severity": "apocalyptic", "description": ""},
            format="json",
        )
        assert response.status_code == 400
        assert {"kind", "severity", "description"} <= set(response.json())


class TestAuditor:
    def test_the_auditor_reads_everything(self, api, entry, auditor):
        client = api(auditor)
        assert client.get(URL).json()["count"] == 1
        assert client.get(f"{URL}{entry['id']}/").status_code == 200
        assert client.get(f"{URL}{entry['id']}/incidents/").status_code == 200

    def test_the_auditor_is_refused_every_write(self, api, entry, approved, auditor, owner, alice):
        client = api(auditor)
        writes = [
            (URL, _payload(approved, owner, alice)),
            (f"{URL}{entry['id']}/stage/", {"stage": "retired"}),
            (
                f"{URL}{entry['id']}/incidents/",
                {"kind": "other", "severity": "low", "description": "x"},
            ),
        ]
        for url, body in writes:
            response = client.post(url, body, format="json")
            assert response.status_code == 403, url
        assert Deployment.objects.get(pk=entry["id"]).stage == "pilot"
        assert not Incident.objects.exists()
        assert Deployment.objects.count() == 1

    def test_an_auditor_in_the_owning_team_is_still_refused(self, api, entry, auditor, marketing):
        MembershipFactory(user=auditor, team=marketing)
        response = api(auditor).post(
            f"{URL}{entry['id']}/stage/", {"stage": "retired"}, format="json"
        )
        assert response.status_code == 403


def _confidential_entry(shared):
    """A confidential approved use case of alice's team and its entry, recorded through the API."""
    alice, owner = shared["alice"], shared["owner"]
    use_case = _approve(use_case_of(shared, "submitted", confidential=True).reviews.get(), alice)
    response = APIClient()
    response.force_authenticate(alice)
    response = response.post(URL, _payload(use_case, owner, alice), format="json")
    assert response.status_code == 201, response.json()
    return {"confidential_entry": response.json()}


@pytest.mark.shared_world(build=_confidential_entry)
class TestVisibility:
    @pytest.fixture
    def confidential_entry(self, shared):
        return shared["confidential_entry"]

    def test_another_team_gets_404_on_a_confidential_entry_and_does_not_list_it(
        self, api, confidential_entry, charlie, council_member
    ):
        for user in (charlie, council_member):
            client = api(user)
            assert client.get(f"{URL}{confidential_entry['id']}/").status_code == 404
            assert (
                client.post(
                    f"{URL}{confidential_entry['id']}/incidents/",
                    {"kind": "other", "severity": "low", "description": "x"},
                    format="json",
                ).status_code
                == 404
            )
            assert client.get(URL).json()["count"] == 0

    def test_the_team_and_the_auditor_see_the_confidential_entry(
        self, api, confidential_entry, alice, auditor
    ):
        for user in (alice, auditor):
            assert api(user).get(f"{URL}{confidential_entry['id']}/").status_code == 200

    def test_anonymous_callers_are_refused(self, api, entry):
        assert api().get(URL).status_code in {401, 403}
        assert api().get(f"{URL}{entry['id']}/").status_code in {401, 403}

    def test_a_non_numeric_id_is_not_an_entry(self, api, entry, alice):
        assert api(alice).get(f"{URL}abc/").status_code == 404


class TestList:
    def test_filters_by_team_risk_tier_and_stage(
        self, api, entry, alice, marketing, contact_centre
    ):
        _clone(entry, 2, stage="production", risk_tier="high")
        _clone(entry, 3, stage="retired")
        client = api(alice)

        def references(query):
            response = client.get(f"{URL}?{query}")
            assert response.status_code == 200, response.json()
            return [row["reference"] for row in response.json()["results"]]

        assert references("") == ["AI-0001", "AI-0002", "AI-0003"]
        assert references("stage=production") == ["AI-0002"]
        assert references("risk_tier=high") == ["AI-0002"]
        assert references("risk_tier=limited&stage=retired") == ["AI-0003"]
        assert references(f"team={marketing.pk}") == ["AI-0001", "AI-0002", "AI-0003"]
        assert references(f"team={contact_centre.pk}") == []
        assert client.get(f"{URL}?stage=live").status_code == 400

    def test_open_incidents_count_only_unresolved_ones(self, api, entry, alice):
        deployment = Deployment.objects.get(pk=entry["id"])
        for status in ("open", "investigating", "resolved"):
            Incident.objects.create(
                deployment=deployment,
                kind="other",
                severity="low",
                description=status,
                status=status,
                reported_by=alice,
            )
        assert api(alice).get(URL).json()["results"][0]["open_incidents"] == 2


def _count_list_queries(api, user, url=URL):
    fresh = type(user).objects.get  # a fresh user object, as in a real request
    api(fresh(pk=user.pk)).get(url)  # warm the per-process caches (content types)
    client = api(fresh(pk=user.pk))
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context)


# The list's queries for each kind of reader, pinned (one of them prefetches the model versions): a
# change shows here.
LIST_QUERIES = {"alice": 4, "audrey.auditor": 4, "pia.privacy": 4}


def test_the_list_runs_the_same_number_of_queries_for_3_and_30_entries(
    api, entry, alice, auditor, council
):
    def add(numbers):
        for number in numbers:
            copy = _clone(entry, number)
            Incident.objects.create(
                deployment=copy, kind="other", severity="low", description="x", reported_by=alice
            )

    users = (alice, auditor, council["privacy"])
    add(range(2, 4))
    few = {user.username: _count_list_queries(api, user) for user in users}
    assert api(alice).get(URL).json()["count"] == 3
    add(range(4, 31))
    many = {user.username: _count_list_queries(api, user) for user in users}
    assert api(alice).get(URL).json()["count"] == 30
    assert few == many == LIST_QUERIES


def test_a_listed_entry_reads_only_what_it_shows_of_its_use_case(api, entry, alice):
    with CaptureQueriesContext(connection) as context:
        response = api(alice).get(URL)
    page = entries_select(context)
    assert '"usecases_usecase"."reference"' in page
    assert '"usecases_usecase"."summary"' not in page
    assert '"usecases_usecase"."risk_reasons"' not in page
    (listed,) = response.json()["results"]
    use_case = Deployment.objects.get(pk=entry["id"]).use_case
    assert (listed["use_case_reference"], listed["team"]) == (use_case.reference, use_case.team_id)


def test_the_schema_lists_the_registry_endpoints(client, alice):
    client.force_login(alice)
    paths = yaml.safe_load(client.get("/api/schema/").content)["paths"]
    for path in (
        "/api/v1/registry/",
        "/api/v1/registry/{id}/",
        "/api/v1/registry/{id}/stage/",
        "/api/v1/registry/{id}/incidents/",
    ):
        assert path in paths
    assert set(paths["/api/v1/registry/"]) >= {"get", "post"}


def test_the_admin_shows_entries_and_incidents_read_only(client, entry, alice):
    admin_user = UserFactory(username="ada.admin", is_staff=True, is_superuser=True)
    deployment = Deployment.objects.get(pk=entry["id"])
    Incident.objects.create(
        deployment=deployment, kind="other", severity="low", description="x", reported_by=alice
    )
    client.force_login(admin_user)
    assert client.get("/admin/registry/deployment/").status_code == 200
    page = client.get(f"/admin/registry/deployment/{deployment.pk}/change/")
    assert page.status_code == 200
    assert b"Save" not in page.content  # view only
    assert client.get("/admin/registry/incident/").status_code == 200
    assert client.get("/admin/registry/deployment/add/").status_code == 403
