"""The council review API: shapes, who may do what, and constant query counts.

Personas as everywhere: alice submits for Marketing, charlie is in another team, the council
(one member per role, from reviews_support.make_council) is assigned automatically, the
auditor reads everything and changes nothing.
"""

import datetime

import pytest
import yaml
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

import workflows
from reviews import services
from reviews.models import ChecklistAnswer, Comment, Condition, Vote
from reviews.selectors import applicable_items, unverified_required_items

from .factories import MembershipFactory, RoleFactory, UserFactory
from .reviews_support import (
    answer_and_verify_checklist,
    item_of,
    reviewer_for,
    send_back_for_changes,
)
from .shared_world import review_world

# The tests that ask for `review` start from one submitted review (tests/shared_world.py).
pytestmark = pytest.mark.shared_world(build=review_world, for_tests_using="review")

REVIEWS = "/api/v1/reviews/"
CONDITIONS = "/api/v1/conditions/"
MEMBERS = "/api/v1/members/"


def _url(review, suffix=""):
    return f"{REVIEWS}{review.pk}/{suffix}"


def _conditions_on(review):
    """Privacy approves with two conditions (the review stays open: the others have not voted)."""
    workflows.vote_cast(
        actor=reviewer_for(review, "privacy"),
        review=review,
        choice="approve_with_conditions",
        conditions=[
            {"text": "Publish the notice", "due_date": None},
            {"text": "Monthly bias report", "blocking": False},
        ],
    )
    return list(Condition.objects.filter(review=review).order_by("id"))


class TestListAndDetail:
    def test_the_list_and_the_detail_have_the_contract_shape(self, api, review, alice):
        body = api(alice).get(REVIEWS).json()
        assert body["count"] == 1
        row = body["results"][0]
        assert row == api(alice).get(_url(review)).json()
        assert row["id"] == review.pk
        assert row["use_case"] == review.use_case_id
        assert row["use_case_reference"] == review.use_case.reference
        assert (row["revision"], row["state"]) == (1, "open")
        assert row["required_roles"] == ["marketing", "privacy", "legal", "data_science"]
        assert row["decision"] is None
        assert row["proposed_outcome"] is None
        assert row["overdue"] is False
        assert row["due_date"] == review.due_date.isoformat()
        assert row["opened_at"]
        assert row["policy"] == {
            "tier": "limited",
            "version": review.policy.version,
            "sla_working_days": 10,
            "rereview_months": 12,
        }
        assert row["checklist_template"] == {
            "name": review.checklist_template.name,
            "version": review.checklist_template.version,
        }
        privacy = reviewer_for(review, "privacy")
        assert {
            "reviewer": privacy.pk,
            "username": privacy.username,
            "role": "privacy",
            "voting": True,
            "recused": False,
            "recusal_reason": "",
        } in row["assignments"]
        voting = {a["role"] for a in row["assignments"] if a["voting"]}
        assert voting == set(row["required_roles"])
        # Verifiers: roles whose checklist items apply, seated without a vote.
        verifiers = {a["role"] for a in row["assignments"] if not a["voting"]}
        assert verifiers == {"customer_experience", "security", "ethics"}

    def test_a_review_past_its_due_date_is_overdue(self, api, review, alice):
        review.due_date = review.opened_at.date().replace(year=2000)
        review.save(update_fields=["due_date"])
        assert api(alice).get(_url(review)).json()["overdue"] is True

    def test_filters_by_use_case_state_outcome_and_active_reviewer(
        self, api, make_use_case, council, alice
    ):
        first = make_use_case("submitted").reviews.get()
        second = make_use_case("submitted").reviews.get()
        send_back_for_changes(second)
        client = api(alice)

        def ids(**params):
            response = client.get(REVIEWS, params)
            assert response.status_code == 200, response.json()
            return sorted(row["id"] for row in response.json()["results"])

        assert ids(use_case=first.use_case_id) == [first.pk]
        assert ids(state="open") == [first.pk]
        assert ids(state="decided") == [second.pk]
        assert ids(outcome="changes_requested") == [second.pk]
        privacy = council["privacy"]
        assert ids(reviewer=privacy.pk) == sorted([first.pk, second.pk])
        assert ids(reviewer=alice.pk) == []

        stand_in = UserFactory(username="pat.privacy")
        RoleFactory(user=stand_in, role="privacy")
        workflows.review_recuse(actor=privacy, review=first, reason="I advised the vendor")
        assert ids(reviewer=privacy.pk) == [second.pk]  # still seated on the decided one
        assert ids(reviewer=stand_in.pk) == [first.pk]

        assert client.get(REVIEWS, {"reviewer": "abc"}).status_code == 400
        assert client.get(REVIEWS, {"state": "pending"}).status_code == 400

    def test_anonymous_requests_are_refused(self, review):
        for url in (REVIEWS, _url(review), _url(review, "checklist/"), CONDITIONS, MEMBERS):
            assert APIClient().get(url).status_code in (401, 403), url
        response = APIClient().post(_url(review, "votes/"), {"choice": "approve"}, format="json")
        assert response.status_code in (401, 403)


class TestVisibility:
    def test_another_team_gets_404_on_a_confidential_review_and_never_sees_it_listed(
        self, api, make_use_case, council, charlie, council_member
    ):
        review = make_use_case("submitted", confidential=True, title="Secret launch").reviews.get()
        conditions = _conditions_on(review)
        for user in (charlie, council_member):
            client = api(user)
            listing = client.get(REVIEWS)
            assert listing.json()["count"] == 0
            assert "Secret launch" not in listing.content.decode()
            assert client.get(CONDITIONS).json()["count"] == 0
            for suffix in ("", "checklist/", "votes/", "decision/", "comments/"):
                assert client.get(_url(review, suffix)).status_code == 404, suffix
            assert client.get(f"{CONDITIONS}{conditions[0].pk}/").status_code == 404
            # Writes on what the user may not see answer 404 too, never 403.
            assert (
                client.post(
                    _url(review, "votes/"), {"choice": "approve"}, format="json"
                ).status_code
                == 404
            )
            assert (
                client.post(_url(review, "comments/"), {"body": "Hi"}, format="json").status_code
                == 404
            )
            assert (
                client.post(
                    f"{CONDITIONS}{conditions[0].pk}/meet/", {"evidence": "x"}, format="json"
                ).status_code
                == 404
            )

    def test_the_assigned_reviewers_of_a_confidential_use_case_see_its_review(
        self, api, make_use_case, council
    ):
        unseated = UserFactory(username="stan.security")
        RoleFactory(user=unseated, role="security")
        review = make_use_case("submitted", confidential=True).reviews.get()
        for seated in (reviewer_for(review, "privacy"), reviewer_for(review, "security")):
            client = api(seated)  # a reviewer, then a verifier
            assert client.get(REVIEWS).json()["count"] == 1
            assert client.get(_url(review)).status_code == 200
        assert api(unseated).get(_url(review)).status_code == 404


class TestChecklist:
    def test_only_applicable_items_are_listed_with_the_answers_of_the_judged_revision(
        self, api, review, alice
    ):
        client = api(alice)
        items = client.get(_url(review, "checklist/")).json()
        assert [item["id"] for item in items] == [item.pk for item in applicable_items(review)]
        # Applicability follows the answers: security verifies its items without a vote here.
        assert "security" in {item["role"] for item in items}
        assert "security" not in review.required_roles
        assert {
            "id", "code", "section", "text", "guidance", "role", "required", "references",
            "answer", "evidence", "verification", "version", "vendor_evidence",
        } == set(items[0])  # fmt: skip
        assert all(item["answer"] is None and item["verification"] is None for item in items)
        assert all(item["version"] is None for item in items)

        item = item_of(review, "privacy")
        response = client.patch(
            _url(review, f"checklist/{item.pk}/"),
            {"answer": "partial", "evidence": "DPA in signature"},
            format="json",
        )
        assert response.status_code == 200, response.json()
        listed = {row["id"]: row for row in client.get(_url(review, "checklist/")).json()}
        assert (listed[item.pk]["answer"], listed[item.pk]["evidence"]) == (
            "partial",
            "DPA in signature",
        )
        assert listed[item.pk]["verification"] is None

    def test_the_team_answers_the_items_reviewer_verifies_and_another_reviewer_gets_403(
        self, api, review, alice
    ):
        item = item_of(review, "privacy")
        answer_url = _url(review, f"checklist/{item.pk}/")
        verify_url = _url(review, f"checklist/{item.pk}/verify/")
        privacy, legal = reviewer_for(review, "privacy"), reviewer_for(review, "legal")

        response = api(alice).patch(
            answer_url, {"answer": "yes", "evidence": "DPA signed"}, format="json"
        )
        assert response.status_code == 200
        assert (response.json()["answer"], response.json()["evidence"]) == ("yes", "DPA signed")
        assert api(privacy).patch(answer_url, {"answer": "yes"}, format="json").status_code == 403

        response = api(legal).post(verify_url, {"verdict": "verified"}, format="json")
        assert response.status_code == 403
        assert "Privacy reviewer" in response.json()["detail"]
        response = api(privacy).post(verify_url, {"verdict": "rejected"}, format="json")
        assert response.status_code == 400
        assert "comment" in response.json()

        response = api(privacy).post(
            verify_url, {"verdict": "verified", "comment": "Checked"}, format="json"
        )
        assert response.status_code == 200, response.json()
        verification = response.json()["verification"]
        assert verification["verdict"] == "verified"
        assert verification["comment"] == "Checked"
        assert verification["verified_by"] == privacy.pk
        assert verification["verified_at"]

    def test_bad_answers_are_400s_with_field_messages(self, api, review, alice):
        item = item_of(review, "privacy")
        client = api(alice)
        url = _url(review, f"checklist/{item.pk}/")
        assert "answer" in client.patch(url, {"answer": "maybe"}, format="json").json()
        response = client.patch(url, {"answer": "not_applicable"}, format="json")
        assert response.status_code == 400
        assert "evidence" in response.json()
        security_item = review.checklist_template.items.filter(role="security").first()
        response = client.patch(
            _url(review, f"checklist/{security_item.pk}/"), {"answer": "yes"}, format="json"
        )
        assert response.status_code == 400
        assert "item" in response.json()
        assert not ChecklistAnswer.objects.filter(review=review).exists()


class TestVotes:
    def test_votes_through_the_api_reach_approved_with_conditions(self, api, review, alice, owner):
        for item in applicable_items(review):
            response = api(alice).patch(
                _url(review, f"checklist/{item.pk}/"),
                {"answer": "yes", "evidence": "See DPIA v2"},
                format="json",
            )
            assert response.status_code == 200, response.json()
        for item in applicable_items(review):
            response = api(reviewer_for(review, item.role)).post(
                _url(review, f"checklist/{item.pk}/verify/"), {"verdict": "verified"}, format="json"
            )
            assert response.status_code == 200, response.json()

        privacy = reviewer_for(review, "privacy")
        response = api(privacy).post(
            _url(review, "votes/"),
            {
                "choice": "approve_with_conditions",
                "reasons": "Fine once the notice is out",
                "conditions": [
                    {
                        "text": "Publish the privacy notice",
                        "blocking": True,
                        "due_date": "2030-01-31",
                    }
                ],
            },
            format="json",
        )
        assert response.status_code == 201, response.json()
        vote = response.json()
        assert (vote["reviewer"], vote["username"], vote["roles"]) == (
            privacy.pk,
            privacy.username,
            ["privacy"],
        )
        assert (vote["choice"], vote["revision"], vote["current"]) == (
            "approve_with_conditions",
            1,
            True,
        )
        assert [c["text"] for c in vote["conditions"]] == ["Publish the privacy notice"]
        assert vote["review"]["state"] == "open"

        for role in ("marketing", "legal", "data_science"):
            response = api(reviewer_for(review, role)).post(
                _url(review, "votes/"), {"choice": "approve"}, format="json"
            )
            assert response.status_code == 201, response.json()
        after = response.json()["review"]
        assert (after["state"], after["outcome"]) == ("decided", "approved_with_conditions")
        assert after["decision"]["outcome"] == "approved_with_conditions"
        assert after["decision"]["by_chair"] is False

        client = api(alice)
        decision = client.get(_url(review, "decision/")).json()["decision"]
        assert decision["outcome"] == "approved_with_conditions"
        assert (decision["by_chair"], decision["decided_by"]) == (False, None)
        votes = client.get(_url(review, "votes/")).json()
        assert sorted(v["roles"][0] for v in votes) == sorted(review.required_roles)
        conditions = client.get(CONDITIONS, {"review": review.pk}).json()["results"]
        assert [
            (c["text"], c["owner"], c["due_date"], c["blocking"], c["status"]) for c in conditions
        ] == [("Publish the privacy notice", owner.pk, "2030-01-31", True, "open")]

    def test_a_reject_without_reasons_is_a_400_naming_reasons(self, api, review):
        response = api(reviewer_for(review, "legal")).post(
            _url(review, "votes/"), {"choice": "reject"}, format="json"
        )
        assert response.status_code == 400
        assert "reasons" in response.json()
        assert not Vote.objects.filter(review=review).exists()

    def test_an_unknown_choice_or_conditions_on_a_plain_approval_are_400s(self, api, review):
        client = api(reviewer_for(review, "legal"))
        response = client.post(_url(review, "votes/"), {"choice": "maybe"}, format="json")
        assert "choice" in response.json()
        response = client.post(
            _url(review, "votes/"),
            {"choice": "approve", "conditions": [{"text": "Something"}]},
            format="json",
        )
        assert response.status_code == 400
        assert "conditions" in response.json()

    def test_an_unassigned_council_member_voting_gets_403(
        self, api, review, council, council_member
    ):
        for user in (council["security"], council_member, council["chair"]):
            response = api(user).post(_url(review, "votes/"), {"choice": "approve"}, format="json")
            assert response.status_code == 403, user
        assert not Vote.objects.filter(review=review).exists()

    def test_a_changed_vote_keeps_its_history(self, api, review, alice):
        client = api(reviewer_for(review, "privacy"))
        client.post(_url(review, "votes/"), {"choice": "abstain"}, format="json")
        client.post(_url(review, "votes/"), {"choice": "approve"}, format="json")
        current = api(alice).get(_url(review, "votes/")).json()
        assert [(v["choice"], v["current"]) for v in current] == [("approve", True)]
        history = api(alice).get(_url(review, "votes/"), {"history": "true"}).json()
        assert [(v["choice"], v["current"]) for v in history] == [
            ("abstain", False),
            ("approve", True),
        ]

    def test_a_decided_review_takes_no_more_votes(self, api, review):
        api(reviewer_for(review, "legal")).post(
            _url(review, "votes/"),
            {"choice": "request_changes", "reasons": "No basis"},
            format="json",
        )
        for role in ("marketing", "privacy", "data_science"):
            response = api(reviewer_for(review, role)).post(
                _url(review, "votes/"), {"choice": "approve"}, format="json"
            )
        assert response.json()["review"]["outcome"] == "changes_requested"
        response = api(reviewer_for(review, "privacy")).post(
            _url(review, "votes/"), {"choice": "abstain"}, format="json"
        )
        assert response.status_code == 409

    def test_a_verifier_voting_gets_403_and_no_vote_is_recorded(self, api, review, alice):
        verifier = reviewer_for(review, "security")
        item = item_of(review, "security")
        api(alice).patch(_url(review, f"checklist/{item.pk}/"), {"answer": "yes"}, format="json")
        response = api(verifier).post(
            _url(review, f"checklist/{item.pk}/verify/"), {"verdict": "verified"}, format="json"
        )
        assert response.status_code == 200, response.json()
        response = api(verifier).post(
            _url(review, "votes/"), {"choice": "reject", "reasons": "Unsafe"}, format="json"
        )
        assert response.status_code == 403
        assert "verifiers comment but do not vote" in response.json()["detail"]
        assert not Vote.objects.filter(review=review).exists()
        response = api(verifier).post(
            _url(review, "comments/"), {"body": "Pen test report?"}, format="json"
        )
        assert response.status_code == 201

    def test_a_reject_proposes_a_rejection_once_every_role_voted(self, api, review, council):
        api(reviewer_for(review, "legal")).post(
            _url(review, "votes/"), {"choice": "reject", "reasons": "No basis"}, format="json"
        )
        for role in ("marketing", "privacy", "data_science"):
            response = api(reviewer_for(review, role)).post(
                _url(review, "votes/"), {"choice": "approve"}, format="json"
            )
        after = response.json()["review"]
        assert (after["state"], after["proposed_outcome"], after["decision"]) == (
            "open",
            "rejected",
            None,
        )
        chair = api(council["chair"])
        response = chair.post(
            _url(review, "decision/"),
            {"outcome": "rejected", "rationale": "Confirmed: no lawful basis."},
            format="json",
        )
        assert response.status_code == 201, response.json()
        decision = response.json()["decision"]
        assert (decision["outcome"], decision["by_chair"], decision["waivers"]) == (
            "rejected",
            True,
            [],
        )
        assert api(council["chair"]).get(_url(review)).json()["proposed_outcome"] is None


class TestChairDecision:
    def test_the_chair_decides_once_every_required_role_voted_and_with_a_rationale(
        self, api, review, council, alice
    ):
        chair = api(council["chair"])
        url = _url(review, "decision/")
        assert api(alice).get(url).json() == {"decision": None}
        api(reviewer_for(review, "privacy")).post(
            _url(review, "votes/"), {"choice": "abstain"}, format="json"
        )
        response = chair.post(url, {"outcome": "approved", "rationale": "Low risk"}, format="json")
        assert response.status_code == 409
        assert "every required role" in response.json()["detail"]

        for role in ("marketing", "legal", "data_science"):
            api(reviewer_for(review, role)).post(
                _url(review, "votes/"), {"choice": "abstain"}, format="json"
            )
        response = chair.post(url, {"outcome": "approved", "rationale": "  "}, format="json")
        assert response.status_code == 400
        assert "rationale" in response.json()
        waivers = [
            {"item": item.pk, "reason": f"{item.code}: covered by the weekly pilot check"}
            for item in unverified_required_items(review)
        ]
        for user in (reviewer_for(review, "legal"), reviewer_for(review, "security")):
            response = api(user).post(
                url,
                {"outcome": "approved", "rationale": "Fine", "waivers": waivers},
                format="json",
            )
            assert response.status_code == 403

        # An approval names each required item not verified that has no waiver reason.
        response = chair.post(
            url,
            {"outcome": "approved", "rationale": "Low-risk pilot", "waivers": waivers[1:]},
            format="json",
        )
        assert response.status_code == 400
        missing = unverified_required_items(review)[0].code
        assert response.json() == {
            "waivers": [
                f"{missing} is not verified: give the reason to waive it, or wait for its "
                "verification."
            ]
        }
        response = chair.post(
            url,
            {"outcome": "approved", "rationale": "x", "waivers": [{"item": "abc"}]},
            format="json",
        )
        assert response.status_code == 400
        assert "waivers" in response.json()

        response = chair.post(
            url,
            {"outcome": "approved", "rationale": "Low-risk pilot", "waivers": waivers},
            format="json",
        )
        assert response.status_code == 201, response.json()
        decision = response.json()["decision"]
        assert (decision["outcome"], decision["by_chair"], decision["rationale"]) == (
            "approved",
            True,
            "Low-risk pilot",
        )
        assert [(w["item"], w["reason"], w["revision"]) for w in decision["waivers"]] == [
            (w["item"], w["reason"], 1) for w in waivers
        ]
        assert decision["waivers"][0]["waived_by_username"] == "chris.chair"
        assert (decision["decided_by"], decision["decided_by_username"]) == (
            council["chair"].pk,
            "chris.chair",
        )
        detail = api(alice).get(_url(review)).json()
        assert detail["state"] == "decided"
        assert detail["decision"]["by_chair"] is True
        assert (
            chair.post(url, {"outcome": "rejected", "rationale": "x"}, format="json").status_code
            == 409
        )


class TestConditions:
    def test_the_team_meets_a_condition_and_the_chair_waives_another(
        self, api, review, alice, council
    ):
        first, second = _conditions_on(review)
        response = api(reviewer_for(review, "legal")).post(
            f"{CONDITIONS}{first.pk}/meet/", {"evidence": "x"}, format="json"
        )
        assert response.status_code == 403
        response = api(alice).post(
            f"{CONDITIONS}{first.pk}/meet/", {"evidence": " "}, format="json"
        )
        assert response.status_code == 400
        assert "evidence" in response.json()
        response = api(alice).post(
            f"{CONDITIONS}{first.pk}/meet/",
            {"evidence": "https://example.com/notice"},
            format="json",
        )
        assert response.status_code == 200, response.json()
        claimed = response.json()
        assert (claimed["status"], claimed["evidence"]) == ("claimed", "https://example.com/notice")
        assert claimed["closed_at"] is None
        response = api(reviewer_for(review, "privacy")).post(
            f"{CONDITIONS}{first.pk}/confirm/", {"verdict": "confirmed"}, format="json"
        )
        assert response.status_code == 200, response.json()
        met = response.json()
        assert (met["status"], met["evidence"]) == ("met", "https://example.com/notice")
        assert met["closed_at"]
        assert (met["review"], met["use_case"], met["use_case_reference"]) == (
            review.pk,
            review.use_case_id,
            review.use_case.reference,
        )

        waive_url = f"{CONDITIONS}{second.pk}/waive/"
        assert api(alice).post(waive_url, {"reason": "No"}, format="json").status_code == 403
        response = api(council["chair"]).post(
            waive_url, {"reason": "Covered by the monthly report"}, format="json"
        )
        assert response.status_code == 200
        assert (response.json()["status"], response.json()["waiver_reason"]) == (
            "waived",
            "Covered by the monthly report",
        )
        again = api(alice).post(f"{CONDITIONS}{first.pk}/meet/", {"evidence": "x"}, format="json")
        assert again.status_code == 409

    def test_the_list_filters_by_review_use_case_status_and_blocking(
        self, api, make_use_case, council, alice
    ):
        review = make_use_case("submitted").reviews.get()
        other = make_use_case("submitted").reviews.get()
        first, second = _conditions_on(review)
        (third, _) = _conditions_on(other)
        services.condition_meet(actor=alice, condition=first, evidence="Done")
        client = api(alice)

        def ids(**params):
            response = client.get(CONDITIONS, params)
            assert response.status_code == 200, response.json()
            return sorted(row["id"] for row in response.json()["results"])

        assert len(ids()) == 4
        assert ids(review=review.pk) == [first.pk, second.pk]
        assert ids(use_case=other.use_case_id) == sorted(c.pk for c in other.conditions.all())
        assert ids(status="claimed") == [first.pk]
        assert ids(blocking="false", review=review.pk) == [second.pk]
        assert third.pk in ids(status="open")
        assert client.get(CONDITIONS, {"status": "lost"}).status_code == 400


class TestComments:
    def test_the_team_and_the_reviewers_talk_and_the_auditor_cannot(
        self, api, review, alice, auditor, council_member
    ):
        url = _url(review, "comments/")
        privacy = reviewer_for(review, "privacy")
        response = api(privacy).post(
            url, {"body": "Where is the DPA?", "is_question": True}, format="json"
        )
        assert response.status_code == 201, response.json()
        response = api(alice).post(url, {"body": "Attached to revision 1."}, format="json")
        assert response.status_code == 201
        for user in (auditor, council_member):
            assert api(user).post(url, {"body": "Hello"}, format="json").status_code == 403
        assert api(alice).post(url, {"body": "  "}, format="json").status_code == 400

        thread = api(auditor).get(url).json()
        assert [(c["username"], c["body"], c["is_question"]) for c in thread] == [
            (privacy.username, "Where is the DPA?", True),
            ("alice", "Attached to revision 1.", False),
        ]
        assert thread[0]["author"] == privacy.pk
        assert all(c["created_at"] for c in thread)


class TestRecusalAndReassignment:
    def test_a_reviewer_recuses_with_a_reason_and_the_role_passes_on(self, api, review):
        privacy = reviewer_for(review, "privacy")
        stand_in = UserFactory(username="pat.privacy")
        RoleFactory(user=stand_in, role="privacy")
        client = api(privacy)
        response = client.post(_url(review, "recuse/"), {"reason": ""}, format="json")
        assert response.status_code == 400
        assert "reason" in response.json()
        response = client.post(
            _url(review, "recuse/"), {"reason": "I advised the vendor"}, format="json"
        )
        assert response.status_code == 200, response.json()
        privacy_seats = [a for a in response.json()["assignments"] if a["role"] == "privacy"]
        assert [(a["username"], a["recused"], a["recusal_reason"]) for a in privacy_seats] == [
            ("pia.privacy", True, "I advised the vendor"),
            ("pat.privacy", False, ""),
        ]
        assert (
            client.post(_url(review, "recuse/"), {"reason": "again"}, format="json").status_code
            == 403
        )

    def test_only_the_chair_reassigns_and_only_to_a_holder_of_the_role(self, api, review, council):
        stand_in = UserFactory(username="pat.privacy")
        RoleFactory(user=stand_in, role="privacy")
        url = _url(review, "reassign/")
        payload = {"role": "privacy", "reviewer": stand_in.pk}
        assert (
            api(reviewer_for(review, "legal")).post(url, payload, format="json").status_code == 403
        )
        response = api(council["chair"]).post(
            url, {"role": "privacy", "reviewer": council["security"].pk}, format="json"
        )
        assert response.status_code == 400
        assert "reviewer" in response.json()
        response = api(council["chair"]).post(url, payload, format="json")
        assert response.status_code == 200, response.json()
        active = {
            a["role"]: a["reviewer"] for a in response.json()["assignments"] if not a["recused"]
        }
        assert active["privacy"] == stand_in.pk


class TestAuditor:
    def test_the_auditor_reads_everything_and_every_write_is_a_403(
        self, api, review, auditor, alice
    ):
        first, _ = _conditions_on(review)
        item = item_of(review, "privacy")
        client = api(auditor)
        for url in (
            REVIEWS,
            _url(review),
            _url(review, "checklist/"),
            _url(review, "votes/"),
            _url(review, "votes/?history=true"),
            _url(review, "decision/"),
            _url(review, "comments/"),
            CONDITIONS,
            f"{CONDITIONS}{first.pk}/",
            MEMBERS,
        ):
            assert client.get(url).status_code == 200, url

        writes = [
            ("patch", _url(review, f"checklist/{item.pk}/"), {"answer": "yes", "evidence": "x"}),
            ("post", _url(review, f"checklist/{item.pk}/verify/"), {"verdict": "verified"}),
            ("post", _url(review, "votes/"), {"choice": "approve"}),
            ("post", _url(review, "decision/"), {"outcome": "approved", "rationale": "Fine"}),
            ("post", _url(review, "comments/"), {"body": "Looks fine"}),
            ("post", _url(review, "recuse/"), {"reason": "Busy"}),
            ("post", _url(review, "reassign/"), {"role": "privacy", "reviewer": auditor.pk}),
            ("post", f"{CONDITIONS}{first.pk}/meet/", {"evidence": "Done"}),
            ("post", f"{CONDITIONS}{first.pk}/waive/", {"reason": "Not needed"}),
        ]
        for method, url, payload in writes:
            response = getattr(client, method)(url, payload, format="json")
            assert response.status_code == 403, (method, url, response.json())
        assert not Comment.objects.exists()
        assert not ChecklistAnswer.objects.exists()
        assert Vote.objects.filter(review=review).count() == 1
        assert Condition.objects.filter(status="open").count() == 2

    def test_an_auditor_who_is_also_in_the_team_still_changes_nothing(
        self, api, review, auditor, marketing
    ):
        MembershipFactory(user=auditor, team=marketing)
        item = item_of(review, "privacy")
        response = api(auditor).patch(
            _url(review, f"checklist/{item.pk}/"), {"answer": "yes"}, format="json"
        )
        assert response.status_code == 403
        assert "Auditors" in response.json()["detail"]


class TestMembers:
    def test_any_signed_in_user_lists_council_members_and_auditors_with_their_roles(
        self, api, council, auditor, charlie
    ):
        RoleFactory(user=council["legal"], role="ethics")
        council["legal"].first_name, council["legal"].last_name = "Leo", "Legal"
        council["legal"].save()
        body = api(charlie).get(MEMBERS).json()
        members = {m["username"]: m for m in body["results"]}
        assert set(members) == {*(u.username for u in council.values()), auditor.username}
        assert members["leo.legal"] == {
            "id": council["legal"].pk,
            "username": "leo.legal",
            "full_name": "Leo Legal",
            "roles": ["legal", "ethics"],
        }
        assert members["audrey.auditor"]["roles"] == ["auditor"]
        assert "charlie" not in members

        privacy = api(charlie).get(MEMBERS, {"role": "privacy"}).json()["results"]
        assert [m["username"] for m in privacy] == ["pia.privacy"]

    def test_an_ended_role_is_not_listed(self, api, council, charlie):
        role = council["privacy"].role_assignments.get()
        role.starts_on = role.starts_on - datetime.timedelta(days=30)
        role.ends_on = role.starts_on + datetime.timedelta(days=1)
        role.save()
        usernames = [m["username"] for m in api(charlie).get(MEMBERS).json()["results"]]
        assert "pia.privacy" not in usernames


def _count_queries(api, user, url):
    def fresh_client():
        # A fresh user object, as in a real request: no roles or teams cached on it.
        return api(type(user).objects.get(pk=user.pk))

    # Warm process-wide caches first (guardian's ContentType lookup is cached after the first
    # use, whichever test ran before): they are not per row and would blur the comparison.
    fresh_client().get(url)
    client = fresh_client()
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(context)


# The queries of each list for each kind of reader, pinned: a change shows here.
LIST_QUERIES = {
    ("alice", "reviews"): 5,
    ("alice", "conditions"): 3,
    ("alice", "reviewer"): 5,
    ("audrey.auditor", "reviews"): 5,
    ("audrey.auditor", "conditions"): 3,
    ("audrey.auditor", "reviewer"): 5,
    ("pia.privacy", "reviews"): 5,
    ("pia.privacy", "conditions"): 3,
    ("pia.privacy", "reviewer"): 5,
    ("chris.chair", "reviews"): 5,
    ("chris.chair", "conditions"): 3,
    ("chris.chair", "reviewer"): 5,
}
# One of them reads the use case's vendors (reviews.selectors.vendor_evidence), for every use
# case, so the count is the same whatever it runs on.
CHECKLIST_QUERIES = {"alice": 6, "leo.legal": 6}


class TestQueryCounts:
    def test_the_review_and_condition_lists_run_the_same_queries_for_few_and_many_rows(
        self, api, make_use_case, council, alice, auditor
    ):
        def add_reviews(n):
            for _ in range(n):
                _conditions_on(make_use_case("submitted").reviews.get())

        users = (alice, auditor, council["privacy"], council["chair"])
        urls = (REVIEWS, CONDITIONS, f"{REVIEWS}?reviewer={council['privacy'].pk}")
        add_reviews(2)
        few = {(u.username, url): _count_queries(api, u, url) for u in users for url in urls}
        add_reviews(12)
        many = {(u.username, url): _count_queries(api, u, url) for u in users for url in urls}
        assert few == many
        names = dict(zip(urls, ("reviews", "conditions", "reviewer"), strict=True))
        assert {(user, names[url]): n for (user, url), n in many.items()} == LIST_QUERIES
        assert api(alice).get(CONDITIONS).json()["count"] == 28

    def test_the_checklist_runs_the_same_queries_for_few_and_many_answers(self, api, review, alice):
        url = _url(review, "checklist/")
        items = applicable_items(review)
        services.checklist_answer(actor=alice, review=review, item_id=items[0].pk, answer="yes")
        few = {
            u.username: _count_queries(api, u, url) for u in (alice, reviewer_for(review, "legal"))
        }
        answer_and_verify_checklist(review, alice)
        many = {
            u.username: _count_queries(api, u, url) for u in (alice, reviewer_for(review, "legal"))
        }
        assert few == many == CHECKLIST_QUERIES


def test_the_schema_lists_the_review_endpoints(client, alice):
    client.force_login(alice)
    paths = yaml.safe_load(client.get("/api/schema/").content)["paths"]
    for path in (
        "/api/v1/reviews/",
        "/api/v1/reviews/{id}/",
        "/api/v1/reviews/{id}/checklist/",
        "/api/v1/reviews/{id}/checklist/{item_id}/",
        "/api/v1/reviews/{id}/checklist/{item_id}/verify/",
        "/api/v1/reviews/{id}/votes/",
        "/api/v1/reviews/{id}/decision/",
        "/api/v1/reviews/{id}/comments/",
        "/api/v1/reviews/{id}/recuse/",
        "/api/v1/reviews/{id}/reassign/",
        "/api/v1/conditions/",
        "/api/v1/conditions/{id}/meet/",
        "/api/v1/conditions/{id}/confirm/",
        "/api/v1/conditions/{id}/waive/",
        "/api/v1/members/",
    ):
        assert path in paths, path
