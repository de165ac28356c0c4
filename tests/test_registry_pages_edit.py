"""The registry's pages that change entries: alice's team records, edits, moves and follows up;
the business owner does the same; the chair follows incidents up; council members and auditors
only read; charlie's team and outsiders do not see the entry."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

import workflows
from registry.models import Deployment, DeploymentVersion, Incident
from reviews.models import Condition

from .factories import MembershipFactory
from .registry_support import entry_events
from .reviews_support import approve_review
from .shared_world import approved_world, with_entry

# Every test starts from one approved use case (built once: tests/shared_world.py); the classes
# that edit its entry share that too.
pytestmark = pytest.mark.shared_world(build=approved_world)


def _as(client, user):
    client.force_login(user)
    return client


def _form(owner, alice, **overrides):
    """What a person types in the entry form (lists as ticked boxes)."""
    data = {
        "name": "Acme NBO",
        "vendor": "Acme",
        "model_version": "nbo-2026.3",
        "channels": ["email"],
        "markets": "GB, IE",
        "business_owner": owner.pk,
        "technical_owner": alice.pk,
        "human_oversight": "CRM team reviews the weekly offer mix.",
        "customer_disclosure": "E-mail footer.",
        "data_categories": ["contact_details", "behavioural"],
        "monitoring_kpis": "Unsubscribe rate, complaints.",
    }
    data.update(overrides)
    return data


class TestRecordDeployment:
    def new_url(self, use_case):
        return f"/registry/new/?use_case={use_case.pk}"

    def test_the_use_case_page_offers_it_to_the_team_and_the_business_owner_only(
        self, client, approved, alice, owner, council, auditor
    ):
        for user in (alice, owner):
            page = _as(client, user).get(f"/use-cases/{approved.pk}/").content.decode()
            assert "Record deployment" in page and self.new_url(approved) in page
        for user in (council["privacy"], auditor):
            page = _as(client, user).get(f"/use-cases/{approved.pk}/").content.decode()
            assert "Record deployment" not in page

    def test_a_use_case_not_yet_approved_does_not_offer_it(self, client, make_use_case, alice):
        submitted = make_use_case("submitted")
        page = _as(client, alice).get(f"/use-cases/{submitted.pk}/").content.decode()
        assert "Record deployment" not in page
        response = client.get(self.new_url(submitted), follow=True)
        assert response.redirect_chain[-1][0] == f"/use-cases/{submitted.pk}/"
        assert "Only an approved use case" in response.content.decode()

    def test_the_form_is_prefilled_from_the_use_case(self, client, approved, alice, owner):
        response = _as(client, alice).get(self.new_url(approved))
        assert response.status_code == 200
        form = response.context["form"]
        assert form["name"].value() == "Acme NBO"
        assert form["vendor"].value() == "Acme Personalise"
        assert form["channels"].value() == ["email"]
        assert form["data_categories"].value() == ["contact_details", "behavioural"]
        assert form["business_owner"].value() == owner.pk
        assert form["technical_owner"].value() == alice.pk
        assert "The e-mail footer says" in form["customer_disclosure"].value()

    def test_the_team_records_the_deployment_and_lands_on_the_entry(
        self, client, approved, alice, owner
    ):
        response = _as(client, alice).post(self.new_url(approved), _form(owner, alice))
        entry = Deployment.objects.get()
        assert response.status_code == 302 and response.url == f"/registry/{entry.pk}/"
        assert entry.markets == ["GB", "IE"] and entry.stage == "pilot"
        assert entry_events(entry, "created").exists()

    def test_open_blocking_conditions_are_shown_and_what_was_typed_is_kept(
        self, client, make_use_case, council, alice, owner
    ):
        use_case = approve_review(
            make_use_case("submitted").reviews.get(),
            alice,
            conditions=[{"text": "Publish the privacy notice"}],
        )
        response = _as(client, alice).post(
            self.new_url(use_case), _form(owner, alice, model_version="typed-by-alice")
        )
        assert response.status_code == 400
        page = response.content.decode()
        assert "Blocking condition still open: Publish the privacy notice" in page
        assert 'value="typed-by-alice"' in page
        assert not Deployment.objects.exists()
        Condition.objects.update(status="met")
        response = client.post(self.new_url(use_case), _form(owner, alice))
        assert response.status_code == 302

    def test_open_blocking_conditions_come_before_the_form_with_links(
        self, client, make_use_case, alice, owner
    ):
        use_case = approve_review(
            make_use_case("submitted").reviews.get(),
            alice,
            conditions=[
                {"text": "Publish the privacy notice"},
                {"text": "Report the opt-out rate monthly", "blocking": False},
            ],
        )
        blocking = Condition.objects.get(text="Publish the privacy notice")

        response = _as(client, alice).get(self.new_url(use_case))

        page = response.content.decode()
        assert response.status_code == 200 and "Not ready to go live" in page
        assert f"/reviews/{blocking.review_id}/#condition-{blocking.pk}" in page
        assert "Publish the privacy notice" in page
        assert "Report the opt-out rate monthly" not in page  # does not block go-live
        assert 'name="model_version"' not in page  # no form to fill in for nothing
        Condition.objects.filter(pk=blocking.pk).update(status="waived")
        page = client.get(self.new_url(use_case)).content.decode()
        assert 'name="model_version"' in page and "Not ready to go live" not in page

    def test_missing_answers_are_shown_next_to_their_fields(self, client, approved, alice, owner):
        response = _as(client, alice).post(
            self.new_url(approved), _form(owner, alice, model_version="", channels=[], markets="")
        )
        assert response.status_code == 400
        form = response.context["form"]
        assert {"model_version", "channels", "markets"} <= set(form.errors)
        assert 'id="field-model_version"' in response.content.decode()
        assert not Deployment.objects.exists()

    def test_council_members_and_auditors_get_403(
        self, client, approved, council, auditor, owner, alice
    ):
        for user in (council["privacy"], auditor):
            _as(client, user)
            assert client.get(self.new_url(approved)).status_code == 403
            assert client.post(self.new_url(approved), _form(owner, alice)).status_code == 403
        assert not Deployment.objects.exists()

    def test_users_who_cannot_see_the_use_case_get_404(
        self, client, approved, charlie, outsider, alice, owner
    ):
        for user in (charlie, outsider):
            response = _as(client, user).post(self.new_url(approved), _form(owner, alice))
            assert response.status_code == 404
        assert _as(client, alice).get("/registry/new/").status_code == 404
        assert client.get("/registry/new/?use_case=abc").status_code == 404


@pytest.mark.shared_world(build=with_entry)
class TestEditEntry:
    def test_the_edit_page_is_prefilled_and_explains_change_control(self, client, entry, alice):
        response = _as(client, alice).get(f"/registry/{entry.pk}/edit/")
        assert response.status_code == 200
        assert response.context["form"]["markets"].value() == "GB"
        assert "opens a change review" in response.content.decode()

    def test_an_edit_is_saved_and_audited(self, client, entry, owner, alice):
        response = _as(client, owner).post(
            f"/registry/{entry.pk}/edit/",
            _form(owner, alice, monitoring_kpis="Complaints only", version=entry.version),
        )
        assert response.status_code == 302
        assert Deployment.objects.get(pk=entry.pk).monitoring_kpis == "Complaints only"
        assert set(entry_events(entry, "changed").get().changes) >= {"monitoring_kpis", "markets"}

    def test_a_change_controlled_edit_shows_the_open_review_on_the_entry_page(
        self, client, entry, alice, owner
    ):
        response = _as(client, alice).post(
            f"/registry/{entry.pk}/edit/",
            _form(
                owner,
                alice,
                markets="GB",
                data_categories=["contact_details"],
                version=entry.version,
            ),
            follow=True,
        )
        review = entry.use_case.reviews.get(state="open")
        page = response.content.decode()
        assert "opens a change review" in page  # the message after saving
        assert f'href="/reviews/{review.pk}/"' in page and "Open council review" in page
        assert Deployment.objects.get(pk=entry.pk).stage == "pilot"

    def test_invalid_input_is_shown_next_to_the_fields_and_nothing_is_saved(
        self, client, entry, alice, owner
    ):
        response = _as(client, alice).post(
            f"/registry/{entry.pk}/edit/", _form(owner, alice, name="", channels=["fax"])
        )
        assert response.status_code == 400
        assert {"name", "channels"} <= set(response.context["form"].errors)
        assert 'class="field field--error" id="field-name"' in response.content.decode()
        assert not entry_events(entry, "changed").exists()

    def test_a_retired_entry_cannot_be_edited(self, client, entry, alice, owner):
        workflows.deployment_change_stage(actor=alice, deployment=entry, stage="retired")
        _as(client, alice)
        assert "Edit the entry" not in client.get(f"/registry/{entry.pk}/").content.decode()
        response = client.get(f"/registry/{entry.pk}/edit/", follow=True)
        assert response.redirect_chain[-1][0] == f"/registry/{entry.pk}/"
        assert "A retired entry cannot be edited." in response.content.decode()
        client.post(f"/registry/{entry.pk}/edit/", _form(owner, alice, name="New"))
        assert Deployment.objects.get(pk=entry.pk).name == "Acme NBO"

    def test_council_members_and_auditors_get_403(
        self, client, entry, council, auditor, marketing, owner, alice
    ):
        MembershipFactory(user=auditor, team=marketing)  # an auditor in the team is refused too
        for user in (council["privacy"], auditor):
            _as(client, user)
            assert "Edit the entry" not in client.get(f"/registry/{entry.pk}/").content.decode()
            assert client.get(f"/registry/{entry.pk}/edit/").status_code == 403
            response = client.post(f"/registry/{entry.pk}/edit/", _form(owner, alice, name="X"))
            assert response.status_code == 403
        assert Deployment.objects.get(pk=entry.pk).name == "Acme NBO"

    def test_users_who_cannot_see_the_entry_get_404(self, client, entry, charlie, outsider):
        for user in (charlie, outsider):
            assert _as(client, user).get(f"/registry/{entry.pk}/edit/").status_code == 404


@pytest.mark.shared_world(build=with_entry)
class TestStageButtons:
    def test_editors_see_one_button_per_allowed_move(self, client, entry, alice):
        page = _as(client, alice).get(f"/registry/{entry.pk}/").content.decode()
        for label in ("Move to Production", "Move to Suspended", "Move to Retired"):
            assert label in page
        assert "Move to Pilot" not in page

    def test_a_button_asks_to_confirm_and_moves_nothing(self, client, entry, alice):
        _as(client, alice)
        page = client.get(f"/registry/{entry.pk}/").content.decode()
        assert f'action="/registry/{entry.pk}/stage/"' in page and 'method="get"' in page

        response = client.get(f"/registry/{entry.pk}/stage/", {"stage": "retired"})

        page = response.content.decode()
        assert response.status_code == 200 and "Move to Retired?" in page
        assert "can no longer be edited or moved" in page
        assert 'name="reason"' in page and 'value="retired"' in page
        assert Deployment.objects.get(pk=entry.pk).stage == "pilot"
        assert not entry_events(entry, "stage_changed").exists()

    def test_asking_for_a_stage_the_entry_cannot_reach_is_a_message(self, client, entry, alice):
        for stage in ("pilot", "live", ""):
            response = _as(client, alice).get(
                f"/registry/{entry.pk}/stage/", {"stage": stage}, follow=True
            )
            assert response.status_code == 200
            assert "cannot move to that stage now" in response.content.decode()
        assert Deployment.objects.get(pk=entry.pk).stage == "pilot"

    def test_readers_are_not_asked_to_confirm(self, client, entry, council, auditor):
        for user in (council["privacy"], auditor):
            response = _as(client, user).get(f"/registry/{entry.pk}/stage/", {"stage": "retired"})
            assert response.status_code == 403

    def test_a_move_is_made_with_its_reason_and_audited(self, client, entry, alice):
        response = _as(client, alice).post(
            f"/registry/{entry.pk}/stage/", {"stage": "suspended", "reason": "Vendor outage"}
        )
        assert response.status_code == 302
        assert Deployment.objects.get(pk=entry.pk).stage == "suspended"
        assert entry_events(entry, "stage_changed").get().changes == {
            "stage": ["pilot", "suspended"],
            "reason": [None, "Vendor outage"],
            "version": [1, 2],
        }
        page = client.get(f"/registry/{entry.pk}/").content.decode()
        assert "is now in Suspended" in page and "Move to Pilot" in page

    def test_a_move_that_is_not_allowed_is_a_message(self, client, entry, alice):
        workflows.deployment_change_stage(actor=alice, deployment=entry, stage="retired")
        response = _as(client, alice).post(
            f"/registry/{entry.pk}/stage/", {"stage": "production"}, follow=True
        )
        assert response.status_code == 200
        assert "cannot move to" in response.content.decode()
        assert Deployment.objects.get(pk=entry.pk).stage == "retired"

    def test_an_unknown_stage_is_shown_as_an_error(self, client, entry, alice):
        response = _as(client, alice).post(f"/registry/{entry.pk}/stage/", {"stage": "live"})
        assert response.status_code == 400
        assert "not one of the available choices" in response.content.decode()

    def test_council_members_and_auditors_see_no_buttons_and_get_403(
        self, client, entry, council, auditor
    ):
        for user in (council["privacy"], auditor):
            _as(client, user)
            assert "Move to" not in client.get(f"/registry/{entry.pk}/").content.decode()
            response = client.post(f"/registry/{entry.pk}/stage/", {"stage": "retired"})
            assert response.status_code == 403
        assert Deployment.objects.get(pk=entry.pk).stage == "pilot"

    def test_users_who_cannot_see_the_entry_get_404(self, client, entry, charlie):
        response = _as(client, charlie).post(f"/registry/{entry.pk}/stage/", {"stage": "retired"})
        assert response.status_code == 404


@pytest.mark.shared_world(build=with_entry)
class TestIncidentFollowUp:
    def url(self, incident):
        return f"/registry/{incident.deployment_id}/incidents/{incident.pk}/"

    def fields(self, incident, **values):
        return {f"incident-{incident.pk}-{name}": value for name, value in values.items()}

    def test_the_team_investigates_then_resolves_and_the_resolution_is_listed(
        self, client, entry, incident, alice
    ):
        _as(client, alice)
        page = client.get(f"/registry/{entry.pk}/").content.decode()
        assert "Update incident" in page
        client.post(self.url(incident), self.fields(incident, status="investigating"))
        response = client.post(
            self.url(incident),
            self.fields(incident, status="resolved", resolution="Offer rule fixed."),
            follow=True,
        )
        page = response.content.decode()
        assert "Offer rule fixed." in page and "resolved" in page
        assert "Update incident" not in page  # resolved is final: no form any more
        assert Incident.objects.get(pk=incident.pk).resolved_by == alice
        assert entry_events(entry, "incident_updated").count() == 2

    def test_resolving_without_a_resolution_shows_the_error_next_to_it(
        self, client, incident, alice
    ):
        response = _as(client, alice).post(
            self.url(incident), self.fields(incident, status="resolved")
        )
        assert response.status_code == 400
        page = response.content.decode()
        assert (
            f'class="field field--error field--compact" id="field-incident-{incident.pk}-resolution"'
            in page
        )
        assert "Write how the incident was resolved." in page
        assert Incident.objects.get(pk=incident.pk).status == "open"

    def test_the_chair_follows_up_and_sees_the_form(self, client, entry, incident, council):
        _as(client, council["chair"])
        assert "Update incident" in client.get(f"/registry/{entry.pk}/").content.decode()
        response = client.post(self.url(incident), self.fields(incident, status="investigating"))
        assert response.status_code == 302
        assert Incident.objects.get(pk=incident.pk).status == "investigating"

    def test_council_members_and_auditors_see_no_form_and_get_403(
        self, client, entry, incident, council, auditor
    ):
        for user in (council["privacy"], auditor):
            _as(client, user)
            assert "Update incident" not in client.get(f"/registry/{entry.pk}/").content.decode()
            response = client.post(self.url(incident), self.fields(incident, status="resolved"))
            assert response.status_code == 403
        assert Incident.objects.get(pk=incident.pk).status == "open"

    def test_users_who_cannot_see_the_entry_get_404(self, client, incident, charlie, outsider):
        for user in (charlie, outsider):
            response = _as(client, user).post(
                self.url(incident), self.fields(incident, status="investigating")
            )
            assert response.status_code == 404


# The entry page's queries for each kind of reader, pinned: a change shows here.
ENTRY_PAGE_QUERIES = {"alice": 13, "audrey.auditor": 12}


def test_the_entry_page_runs_constant_queries_as_incidents_and_versions_grow(
    client, entry, alice, auditor
):
    def count(user):
        _as(client, user)
        with CaptureQueriesContext(connection) as context:
            response = client.get(f"/registry/{entry.pk}/")
        assert response.status_code == 200
        return len(context)

    def grow():
        for status in ("open", "investigating", "resolved"):
            Incident.objects.create(
                deployment=entry,
                kind="other",
                severity="low",
                description=status,
                status=status,
                resolution="Fixed" if status == "resolved" else "",
                resolved_by=alice if status == "resolved" else None,
                reported_by=alice,
            )
        workflows.deployment_update(
            actor=alice,
            deployment=entry,
            data={"monitoring_kpis": f"KPI {DeploymentVersion.objects.count()}"},
        )

    grow()
    count(alice)  # warm the per-process caches (content types)
    few = {user.username: count(user) for user in (alice, auditor)}
    for _ in range(4):
        grow()
    assert {user.username: count(user) for user in (alice, auditor)} == few == ENTRY_PAGE_QUERIES
