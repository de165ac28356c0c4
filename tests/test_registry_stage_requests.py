"""Moving a high-tier entry from pilot to production is a request (SPEC section 6): the stage
changes only once the council approves the change review it opens; any other outcome drops it."""

import pytest
from django.db import IntegrityError
from django.utils import timezone

import workflows
from audit.models import AuditEvent
from common.errors import ActionForbidden, TransitionNotAllowed
from registry.models import Deployment

from .factories import MembershipFactory
from .registry_support import (
    PILOT_RESULTS,
    csv_rows,
    entry_data,
    entry_events,
    reject_review,
    vote_every_role,
)
from .reviews_support import approve_review
from .shared_world import people, use_case_of

URL = "/api/v1/registry/"
REQUESTED = "Production requested — waiting for the council's approval"


def _high_entry_world():
    """A high-tier entry in pilot (creditworthiness scoring: EU AI Act Annex III 5(b)), built
    once for the module (tests/shared_world.py)."""
    world = people()
    alice, owner = world["alice"], world["owner"]
    use_case = use_case_of(world, "submitted", sensitive_purposes=["creditworthiness"])
    use_case = approve_review(use_case.reviews.get(), alice)
    entry = workflows.deployment_create(
        actor=alice, use_case=use_case, data=entry_data(owner, alice)
    )
    assert entry.risk_tier == "high"
    return {**world, "high_entry": entry}


pytestmark = pytest.mark.shared_world(build=_high_entry_world)


@pytest.fixture
def high_entry(shared):
    return shared["high_entry"]


def _request(entry, user, reason="Pilot met its targets."):
    return workflows.deployment_change_stage(
        actor=user, deployment=entry, stage="production", reason=reason, **PILOT_RESULTS
    )


def _fresh(entry):
    return Deployment.objects.get(pk=entry.pk)


def _open_reviews(entry):
    return entry.use_case.reviews.filter(state="open")


class TestRequest:
    def test_it_keeps_the_entry_in_pilot_records_the_request_and_opens_a_change_review(
        self, high_entry, alice
    ):
        _request(high_entry, alice)

        entry = _fresh(high_entry)
        assert (entry.stage, entry.requested_stage, entry.go_live_date) == (
            "pilot",
            "production",
            None,
        )
        review = _open_reviews(entry).get()
        assert review.kind == "change"
        assert review.reason == "Production requested for a high-tier entry"
        changes = entry_events(entry, "stage_requested").get().changes
        judged = changes.pop("pilot_results")[1]
        assert changes == {
            "requested_stage": ["", "production"],
            "reason": [None, "Pilot met its targets."],
            "version": [1, 2],
        }
        assert (judged["judgement"], judged["judged_by"], judged["kpis"]) == ("met", "alice", [])
        assert entry.pilot_results == judged
        assert not entry_events(entry, "stage_changed").exists()
        assert entry.versions.last().data["requested_stage"] == "production"

    def test_asking_again_while_it_waits_is_refused(self, high_entry, alice):
        _request(high_entry, alice)

        with pytest.raises(TransitionNotAllowed, match="already requested"):
            _request(high_entry, alice)
        assert entry_events(high_entry, "stage_requested").count() == 1

    def test_a_review_already_open_decides_the_request_and_no_second_one_opens(
        self, high_entry, alice
    ):
        workflows.deployment_update(
            actor=alice, deployment=high_entry, data={"model_version": "nbo-2026.4"}
        )
        under_way = _open_reviews(high_entry).get()

        _request(high_entry, alice)

        assert list(_open_reviews(high_entry)) == [under_way]
        assert entry_events(high_entry, "review_requested").last().changes["review"] == [
            None,
            "already under way",
        ]
        approve_review(under_way, alice)
        assert _fresh(high_entry).stage == "production"

    def test_a_lower_tier_entry_moves_at_once(self, entry, alice):
        moved = _request(entry, alice)

        assert (moved.stage, moved.requested_stage) == ("production", "")
        assert moved.go_live_date == timezone.localdate()
        assert not _open_reviews(entry).exists()

    def test_a_high_tier_entry_resumes_production_from_a_team_suspension_without_a_request(
        self, high_entry, alice
    ):
        workflows.deployment_change_stage(actor=alice, deployment=high_entry, stage="suspended")

        moved = _request(high_entry, alice)

        assert (moved.stage, moved.requested_stage) == ("production", "")

    def test_only_an_entry_in_pilot_can_wait_for_a_stage(self, entry):
        Deployment.objects.filter(pk=entry.pk).update(stage="production")
        with pytest.raises(IntegrityError):
            Deployment.objects.filter(pk=entry.pk).update(requested_stage="production")


class TestCouncilDecision:
    def test_approval_moves_the_entry_to_production_and_it_is_audited(self, high_entry, alice):
        _request(high_entry, alice)

        approve_review(_open_reviews(high_entry).get(), alice)

        entry = _fresh(high_entry)
        today = timezone.localdate()
        assert (entry.stage, entry.requested_stage, entry.go_live_date) == ("production", "", today)
        changes = entry_events(entry, "stage_changed").get().changes
        # The council's approval records the pilot's results it approved.
        assert changes.pop("pilot_results") == [None, entry.pilot_results]
        assert entry.pilot_results["summary"] == PILOT_RESULTS["results_summary"]
        assert changes == {
            "stage": ["pilot", "production"],
            "requested_stage": ["production", ""],
            "go_live_date": [None, today.isoformat()],
            "reason": [None, "the council approved the request on review"],
            "version": [3, 4],
        }

    def test_changes_requested_drop_the_request_and_the_entry_stays_in_pilot(
        self, high_entry, alice
    ):
        _request(high_entry, alice)

        vote_every_role(_open_reviews(high_entry).get(), legal="request_changes")

        entry = _fresh(high_entry)
        assert (entry.stage, entry.requested_stage) == ("pilot", "")
        assert entry_events(entry, "stage_request_dropped").get().changes == {
            "requested_stage": ["production", ""],
            "reason": [None, "the council's decision: changes requested"],
            "version": [2, 3],
        }

    def test_rejection_drops_the_request_and_suspends_the_entry(self, high_entry, alice, council):
        _request(high_entry, alice)

        reject_review(_open_reviews(high_entry).get(), council["chair"])

        entry = _fresh(high_entry)
        assert (entry.stage, entry.requested_stage) == ("suspended", "")
        assert entry_events(entry, "stage_request_dropped").exists()

    def test_a_suspension_meanwhile_overtakes_the_request(self, high_entry, alice):
        _request(high_entry, alice)
        workflows.deployment_change_stage(actor=alice, deployment=high_entry, stage="suspended")

        assert entry_events(high_entry, "stage_changed").get().changes["requested_stage"] == [
            "production",
            "",
        ]
        approve_review(_open_reviews(high_entry).get(), alice)
        assert (_fresh(high_entry).stage, _fresh(high_entry).requested_stage) == ("suspended", "")


class TestWhoMayRequest:
    def test_council_members_and_auditors_may_not_request_production(
        self, high_entry, council, auditor, marketing
    ):
        MembershipFactory(user=auditor, team=marketing)  # an auditor in the team is refused too
        for user in (council["chair"], council["privacy"], auditor):
            with pytest.raises(ActionForbidden):
                _request(high_entry, user)
        assert _fresh(high_entry).requested_stage == ""
        assert not _open_reviews(high_entry).exists()

    def test_through_the_api_they_get_403_and_outsiders_404(
        self, api, high_entry, council, auditor, charlie, outsider
    ):
        url = f"{URL}{high_entry.pk}/stage/"
        for user, status in ((council["privacy"], 403), (auditor, 403), (charlie, 404)):
            response = api(user).post(url, {"stage": "production", **PILOT_RESULTS}, format="json")
            assert response.status_code == status, user.username
        assert api(outsider).post(url, {"stage": "production", **PILOT_RESULTS}).status_code == 404
        assert _fresh(high_entry).requested_stage == ""
        assert not AuditEvent.objects.filter(action="stage_requested").exists()


class TestApi:
    def test_a_request_answers_202_with_the_entry_still_in_pilot(self, api, high_entry, owner):
        url = f"{URL}{high_entry.pk}/stage/"

        response = api(owner).post(url, {"stage": "production", **PILOT_RESULTS}, format="json")

        assert response.status_code == 202, response.json()
        assert (response.json()["stage"], response.json()["requested_stage"]) == (
            "pilot",
            "production",
        )
        again = api(owner).post(url, {"stage": "production", **PILOT_RESULTS}, format="json")
        assert again.status_code == 409
        assert "already requested" in again.json()["detail"]

    def test_a_move_made_at_once_answers_200(self, api, entry, alice):
        response = api(alice).post(
            f"{URL}{entry.pk}/stage/", {"stage": "production", **PILOT_RESULTS}
        )

        assert response.status_code == 200, response.json()
        assert (response.json()["stage"], response.json()["requested_stage"]) == (
            "production",
            "",
        )


class TestPages:
    def test_the_confirmation_says_it_is_a_request(self, client, high_entry, alice):
        client.force_login(alice)

        page = client.get(
            f"/registry/{high_entry.pk}/stage/", {"stage": "production", **PILOT_RESULTS}
        )

        assert "Request Production?" in page.content.decode()
        assert "This is a request, not a move" in page.content.decode()
        assert _fresh(high_entry).requested_stage == ""

    def test_the_button_asks_and_the_page_then_says_it_waits(self, client, high_entry, alice):
        client.force_login(alice)
        before = client.get(f"/registry/{high_entry.pk}/").content.decode()

        response = client.post(
            f"/registry/{high_entry.pk}/stage/",
            {"stage": "production", **PILOT_RESULTS},
            follow=True,
        )

        page = response.content.decode()
        assert "Request Production" in before and "Move to Production" not in before
        assert REQUESTED in page
        assert "stays in Pilot until it approves" in page
        assert "Request Production" not in page and "Move to Production" not in page
        assert "(production requested)" in page  # the entry's history

    def test_readers_see_the_request_too(self, client, high_entry, alice, auditor):
        _request(high_entry, alice)
        client.force_login(auditor)

        assert REQUESTED in client.get(f"/registry/{high_entry.pk}/").content.decode()


def test_the_export_shows_the_request_now_and_as_it_stood(api, high_entry, alice, auditor):
    _request(high_entry, alice)
    today = timezone.localdate().isoformat()

    for query in ("format=csv", f"format=csv&as_of={today}"):
        rows = csv_rows(api(auditor).get(f"{URL}export/?{query}"))
        assert [row["requested_stage"] for row in rows] == ["production"], query
