"""Who may do what is stated once per action, as an `<action>_refusal` of the owning app's
selectors: the page, the API and the service all ask it. So someone who must not do a thing is
refused alike wherever they try: 403 from the page and from the API, in the words of that one
rule, and nothing is recorded.

Personas as everywhere: alice submits for Marketing, the council (one member per role) is
assigned automatically, eli sits on the council without a seat on limited-tier reviews, the
auditor reads everything and changes nothing.
"""

from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

import workflows
from audit.models import AuditEvent
from council import selectors as council_selectors
from registry import selectors as registry_selectors
from reviews import selectors as review_selectors
from reviews import services as review_services
from reviews.selectors import Standing
from usecases import selectors as usecase_selectors

from .factories import MembershipFactory, RoleFactory
from .reviews_support import item_of, reviewer_for
from .shared_world import entry_world

API = "/api/v1"


def _check(refusal, page_call, api_call):
    """Try on the page, then through the API: both answer 403 in the words of the refusal, and
    the audit trail, where every write is recorded, does not move."""
    assert refusal is not None
    events = AuditEvent.objects.count()
    page, api = page_call(), api_call()
    assert page.status_code == 403, page.content[:300]
    assert api.status_code == 403, api.content[:300]
    assert api.json()["detail"] == refusal.message
    assert refusal.message in unescape(page.content.decode())
    assert AuditEvent.objects.count() == events


# ---- use cases ---------------------------------------------------------------------------------


class TestUseCases:
    def test_a_council_member_edits_a_use_case_she_can_see(
        self, login, api, make_use_case, council_member
    ):
        use_case = make_use_case("submitted")
        _check(
            usecase_selectors.usecase_edit_refusal(user=council_member, use_case=use_case),
            lambda: login(council_member).get(reverse("usecases:edit", args=[use_case.pk])),
            lambda: api(council_member).patch(
                f"{API}/use-cases/{use_case.pk}/", {"title": "Mine"}, format="json"
            ),
        )

    def test_the_team_edits_its_use_case_under_review(self, login, api, make_use_case, alice):
        use_case = make_use_case("submitted")
        refusal = usecase_selectors.usecase_edit_refusal(user=alice, use_case=use_case)
        assert "cannot be edited" in refusal.message
        _check(
            refusal,
            lambda: login(alice).post(
                reverse("usecases:edit", args=[use_case.pk]), {"title": "Changed"}
            ),
            lambda: api(alice).patch(
                f"{API}/use-cases/{use_case.pk}/", {"title": "Changed"}, format="json"
            ),
        )

    def test_a_council_member_adds_a_file(self, login, api, make_use_case, council_member):
        use_case = make_use_case("submitted")
        _check(
            usecase_selectors.usecase_edit_refusal(user=council_member, use_case=use_case),
            lambda: login(council_member).post(
                reverse("usecases:attachment_upload", args=[use_case.pk]),
                {"file": SimpleUploadedFile("a.txt", b"hi"), "kind": "dpia"},
            ),
            lambda: api(council_member).post(
                f"{API}/use-cases/{use_case.pk}/attachments/",
                {"file": SimpleUploadedFile("a.txt", b"hi"), "kind": "dpia"},
                format="multipart",
            ),
        )

    def test_a_council_member_submits_or_withdraws(self, login, api, make_use_case, council_member):
        use_case = make_use_case("submitted")
        _check(
            usecase_selectors.usecase_submit_refusal(user=council_member, use_case=use_case),
            lambda: login(council_member).post(reverse("usecases:submit", args=[use_case.pk])),
            lambda: api(council_member).post(f"{API}/use-cases/{use_case.pk}/submit/"),
        )
        # Refused before the form is read: an empty reason is no reason to answer 400.
        _check(
            usecase_selectors.usecase_withdraw_refusal(user=council_member, use_case=use_case),
            lambda: login(council_member).post(
                reverse("usecases:withdraw", args=[use_case.pk]), {}
            ),
            lambda: api(council_member).post(
                f"{API}/use-cases/{use_case.pk}/withdraw/", {"reason": "No"}, format="json"
            ),
        )

    def test_someone_in_no_team_proposes_a_use_case(self, login, api, outsider, marketing):
        _check(
            usecase_selectors.usecase_propose_refusal(user=outsider),
            lambda: login(outsider).get(reverse("usecases:new")),
            lambda: api(outsider).post(
                f"{API}/use-cases/", {"team": marketing.pk, "title": "Mine"}, format="json"
            ),
        )


class TestAnAuditorNamedBusinessOwner:
    """Auditors change nothing (SPEC section 2), not even on a use case they were named business
    owner of before they became auditors, nor for a team they sit in: every write the business
    owner or the team may do is refused, on the page as through the API, in the API's words."""

    @staticmethod
    def _becomes_auditor(user):
        """Named business owner first, an auditor since (naming an auditor is refused)."""
        RoleFactory(user=user, role="auditor")
        council_selectors.forget_cached_access(user)
        return user

    @staticmethod
    def _refusal(user, use_case):
        refusal = usecase_selectors.usecase_edit_refusal(user=user, use_case=use_case)
        assert refusal.message == council_selectors.AUDITORS_READ_ONLY
        return refusal

    def test_edits_or_adds_a_file_to_the_draft(self, login, api, make_use_case, owner):
        draft = make_use_case()
        auditor_owner = self._becomes_auditor(owner)
        url = f"{API}/use-cases/{draft.pk}/"
        _check(
            self._refusal(auditor_owner, draft),
            lambda: login(auditor_owner).post(
                reverse("usecases:edit", args=[draft.pk]), {"title": "Mine now"}
            ),
            lambda: api(auditor_owner).patch(url, {"title": "Mine now"}, format="json"),
        )
        _check(
            self._refusal(auditor_owner, draft),
            lambda: login(auditor_owner).post(
                reverse("usecases:attachment_upload", args=[draft.pk]),
                {"file": SimpleUploadedFile("a.txt", b"hi"), "kind": "dpia"},
            ),
            lambda: api(auditor_owner).post(
                f"{url}attachments/",
                {"file": SimpleUploadedFile("a.txt", b"hi"), "kind": "dpia"},
                format="multipart",
            ),
        )

    def test_submits_or_withdraws_the_draft(self, login, api, make_use_case, owner):
        draft = make_use_case()
        auditor_owner = self._becomes_auditor(owner)
        for action, refusal in (
            ("submit", usecase_selectors.usecase_submit_refusal),
            ("withdraw", usecase_selectors.usecase_withdraw_refusal),
        ):
            _check(
                refusal(user=auditor_owner, use_case=draft),
                lambda action=action: login(auditor_owner).post(
                    reverse(f"usecases:{action}", args=[draft.pk]), {"reason": "Mine"}
                ),
                lambda action=action: api(auditor_owner).post(
                    f"{API}/use-cases/{draft.pk}/{action}/", {"reason": "Mine"}, format="json"
                ),
            )
        draft.refresh_from_db()
        assert (draft.state, draft.reviews.count()) == ("draft", 0)

    def test_answers_the_checklist_comments_or_meets_a_condition(self, login, api, review, owner):
        auditor_owner = self._becomes_auditor(owner)
        standing = Standing(user=auditor_owner, review=review)
        item = item_of(review, "privacy")
        _check(
            review_selectors.checklist_answer_refusal(standing),
            lambda: login(auditor_owner).post(
                reverse("reviews:answer", args=[review.pk, item.pk]),
                {f"answer-{item.code}-answer": "yes"},
            ),
            lambda: api(auditor_owner).patch(
                _review_url(review, f"checklist/{item.pk}/"), {"answer": "yes"}, format="json"
            ),
        )
        _check(
            review_selectors.comment_refusal(standing),
            lambda: login(auditor_owner).post(
                reverse("reviews:comment", args=[review.pk]), {"comment-body": "Hello"}
            ),
            lambda: api(auditor_owner).post(
                _review_url(review, "comments/"), {"body": "Hello"}, format="json"
            ),
        )
        condition = _condition(review)
        _check(
            review_selectors.condition_meet_refusal(standing),
            lambda: login(auditor_owner).post(
                reverse("reviews:meet", args=[review.pk, condition.pk]),
                {f"meet-{condition.pk}-evidence": "Done"},
            ),
            lambda: api(auditor_owner).post(
                f"{API}/conditions/{condition.pk}/meet/", {"evidence": "Done"}, format="json"
            ),
        )

    def test_an_auditor_in_a_team_proposes_a_use_case(self, login, api, auditor, marketing):
        MembershipFactory(user=auditor, team=marketing)
        refusal = usecase_selectors.usecase_propose_refusal(user=auditor)
        assert refusal.message == council_selectors.AUDITORS_READ_ONLY
        _check(
            refusal,
            lambda: login(auditor).post(reverse("usecases:new"), {"team": marketing.pk}),
            lambda: api(auditor).post(
                f"{API}/use-cases/", {"team": marketing.pk, "title": "Mine"}, format="json"
            ),
        )

    def test_the_pages_offer_an_auditor_no_form(self, login, make_use_case, review, owner):
        draft = make_use_case()
        auditor_owner = self._becomes_auditor(owner)
        page = login(auditor_owner).get(reverse("usecases:detail", args=[draft.pk])).content
        assert b"Submit for review" not in page and b"Edit answers" not in page
        page = login(auditor_owner).get(reverse("reviews:detail", args=[review.pk])).content
        assert b'name="comment-body"' not in page


# ---- council review ----------------------------------------------------------------------------


def _review_url(review, suffix=""):
    return f"{API}/reviews/{review.pk}/{suffix}"


def _condition(review):
    vote = workflows.vote_cast(
        actor=reviewer_for(review, "privacy"),
        review=review,
        choice="approve_with_conditions",
        conditions=[{"text": "Publish the notice"}],
    )
    return vote.conditions.get()


class TestReviews:
    def test_a_reviewer_answers_the_checklist(self, login, api, review):
        privacy = reviewer_for(review, "privacy")
        item = item_of(review, "privacy")
        _check(
            review_selectors.checklist_answer_refusal(Standing(user=privacy, review=review)),
            lambda: login(privacy).post(
                reverse("reviews:answer", args=[review.pk, item.pk]),
                {f"answer-{item.code}-answer": "yes"},
            ),
            lambda: api(privacy).patch(
                _review_url(review, f"checklist/{item.pk}/"), {"answer": "yes"}, format="json"
            ),
        )

    def test_a_reviewer_of_another_role_verifies_an_item(self, login, api, review, alice):
        legal = reviewer_for(review, "legal")
        item = item_of(review, "privacy")
        review_services.checklist_answer(actor=alice, review=review, item_id=item.pk, answer="yes")
        refusal = review_selectors.checklist_verify_refusal(
            Standing(user=legal, review=review), item
        )
        assert "Privacy reviewer or verifier" in refusal.message
        _check(
            refusal,
            lambda: login(legal).post(
                reverse("reviews:verify", args=[review.pk, item.pk]),
                {f"verify-{item.code}-verdict": "verified"},
            ),
            lambda: api(legal).post(
                _review_url(review, f"checklist/{item.pk}/verify/"),
                {"verdict": "verified"},
                format="json",
            ),
        )

    def test_a_verifier_the_team_or_an_unseated_member_votes(
        self, login, api, review, alice, council_member
    ):
        security = reviewer_for(review, "security")  # verifies, does not vote
        words = {
            security: "verifiers comment but do not vote",
            alice: "Four eyes",
            council_member: "Only reviewers assigned",
        }
        for user, said in words.items():
            refusal = review_selectors.vote_refusal(Standing(user=user, review=review))
            assert said in refusal.message
            _check(
                refusal,
                lambda user=user: login(user).post(
                    reverse("reviews:vote", args=[review.pk]), {"vote-choice": "approve"}
                ),
                lambda user=user: api(user).post(
                    _review_url(review, "votes/"), {"choice": "approve"}, format="json"
                ),
            )

    def test_someone_without_a_seat_recuses(self, login, api, review, alice):
        _check(
            review_selectors.recuse_refusal(Standing(user=alice, review=review)),
            lambda: login(alice).post(
                reverse("reviews:recuse", args=[review.pk]), {"recuse-reason": "Busy"}
            ),
            lambda: api(alice).post(
                _review_url(review, "recuse/"), {"reason": "Busy"}, format="json"
            ),
        )

    def test_a_reviewer_marks_a_condition_met_and_the_team_waives_one(
        self, login, api, review, alice
    ):
        condition = _condition(review)
        privacy = reviewer_for(review, "privacy")
        _check(
            review_selectors.condition_meet_refusal(Standing(user=privacy, review=review)),
            lambda: login(privacy).post(
                reverse("reviews:meet", args=[review.pk, condition.pk]),
                {f"meet-{condition.pk}-evidence": "Done"},
            ),
            lambda: api(privacy).post(
                f"{API}/conditions/{condition.pk}/meet/", {"evidence": "Done"}, format="json"
            ),
        )
        _check(
            review_selectors.condition_waive_refusal(Standing(user=alice, review=review)),
            lambda: login(alice).post(
                reverse("reviews:waive", args=[review.pk, condition.pk]),
                {f"waive-{condition.pk}-reason": "Not needed"},
            ),
            lambda: api(alice).post(
                f"{API}/conditions/{condition.pk}/waive/", {"reason": "Not needed"}, format="json"
            ),
        )

    def test_a_council_member_without_a_seat_comments(self, login, api, review, council_member):
        _check(
            review_selectors.comment_refusal(Standing(user=council_member, review=review)),
            lambda: login(council_member).post(
                reverse("reviews:comment", args=[review.pk]), {"comment-body": "Hello"}
            ),
            lambda: api(council_member).post(
                _review_url(review, "comments/"), {"body": "Hello"}, format="json"
            ),
        )

    def test_a_reviewer_decides_or_reassigns(self, login, api, review, council):
        legal = reviewer_for(review, "legal")
        standing = Standing(user=legal, review=review)
        _check(
            review_selectors.decision_refusal(standing),
            lambda: login(legal).post(
                reverse("reviews:decide", args=[review.pk]),
                {"decision-outcome": "approved", "decision-rationale": "Fine"},
            ),
            lambda: api(legal).post(
                _review_url(review, "decision/"),
                {"outcome": "approved", "rationale": "Fine"},
                format="json",
            ),
        )
        _check(
            review_selectors.reassign_refusal(standing),
            lambda: login(legal).post(
                reverse("reviews:reassign", args=[review.pk]),
                {"reassign-role": "privacy", "reassign-reviewer": council["privacy"].pk},
            ),
            lambda: api(legal).post(
                _review_url(review, "reassign/"),
                {"role": "privacy", "reviewer": council["privacy"].pk},
                format="json",
            ),
        )

    def test_a_chair_in_the_owning_team_decides(self, login, api, review, council, marketing):
        chair = council["chair"]
        MembershipFactory(user=chair, team=marketing)
        refusal = review_selectors.decision_refusal(Standing(user=chair, review=review))
        assert "Four eyes" in refusal.message
        _check(
            refusal,
            lambda: login(chair).post(
                reverse("reviews:decide", args=[review.pk]),
                {"decision-outcome": "approved", "decision-rationale": "Fine"},
            ),
            lambda: api(chair).post(
                _review_url(review, "decision/"),
                {"outcome": "approved", "rationale": "Fine"},
                format="json",
            ),
        )


# ---- the registry ------------------------------------------------------------------------------


def _entry_payload(use_case, owner, alice):
    return {
        "use_case": use_case.pk,
        "name": "Acme NBO",
        "model_version": "nbo-2026.3",
        "channels": ["email"],
        "markets": ["GB"],
        "business_owner": owner.pk,
        "technical_owner": alice.pk,
        "human_oversight": "CRM team reviews the weekly offer mix.",
        "data_categories": ["contact_details"],
        "monitoring_kpis": "Unsubscribe rate.",
    }


@pytest.mark.shared_world(build=entry_world)  # one approved use case and entry, built once
class TestRegistry:
    def test_a_council_member_records_a_deployment(
        self, login, api, approved, council, owner, alice
    ):
        privacy = council["privacy"]
        _check(
            registry_selectors.deployment_record_refusal(user=privacy, use_case=approved),
            lambda: login(privacy).get(f"{reverse('registry:new')}?use_case={approved.pk}"),
            lambda: api(privacy).post(
                f"{API}/registry/", _entry_payload(approved, owner, alice), format="json"
            ),
        )

    def test_a_council_member_edits_or_moves_an_entry(self, login, api, entry, council):
        privacy = council["privacy"]
        _check(
            registry_selectors.deployment_edit_refusal(user=privacy, deployment=entry),
            lambda: login(privacy).get(reverse("registry:edit", args=[entry.pk])),
            lambda: api(privacy).patch(
                f"{API}/registry/{entry.pk}/", {"model_version": "v2"}, format="json"
            ),
        )
        _check(
            registry_selectors.deployment_stage_refusal(user=privacy, deployment=entry),
            lambda: login(privacy).post(
                reverse("registry:stage", args=[entry.pk]), {"stage": "suspended"}
            ),
            lambda: api(privacy).post(
                f"{API}/registry/{entry.pk}/stage/", {"stage": "suspended"}, format="json"
            ),
        )

    def test_a_council_member_follows_an_incident_up(self, login, api, entry, incident, council):
        privacy = council["privacy"]
        _check(
            registry_selectors.incident_update_refusal(user=privacy, use_case=entry.use_case),
            lambda: login(privacy).post(
                reverse("registry:incident_update", args=[entry.pk, incident.pk]),
                {f"incident-{incident.pk}-status": "investigating"},
            ),
            lambda: api(privacy).patch(
                f"{API}/registry/{entry.pk}/incidents/{incident.pk}/",
                {"status": "investigating"},
                format="json",
            ),
        )

    def test_the_auditor_is_told_the_same_on_the_page_as_through_the_api(
        self, login, api, entry, auditor
    ):
        """The API refuses auditors every write before any rule of the registry; the registry's
        own rules refuse them in the same words."""
        _check(
            registry_selectors.incident_report_refusal(user=auditor),
            lambda: login(auditor).post(
                reverse("registry:incident_report", args=[entry.pk]),
                {"kind": "other", "severity": "low", "description": "Typo"},
            ),
            lambda: api(auditor).post(
                f"{API}/registry/{entry.pk}/incidents/",
                {"kind": "other", "severity": "low", "description": "Typo"},
                format="json",
            ),
        )
        _check(
            registry_selectors.deployment_edit_refusal(user=auditor, deployment=entry),
            lambda: login(auditor).get(reverse("registry:edit", args=[entry.pk])),
            lambda: api(auditor).patch(
                f"{API}/registry/{entry.pk}/", {"model_version": "v2"}, format="json"
            ),
        )


# ---- the whole record ------------------------------------------------------------------------


class TestTheRecord:
    def test_a_council_member_reads_the_audit_trail_a_dossier_or_an_export(
        self, login, api, make_use_case, council_member
    ):
        """Only auditors and the chair read the whole record, and every door says so alike."""
        use_case = make_use_case("submitted")
        refusal = council_selectors.record_read_refusal(council_member)
        for page in (
            reverse("audit:trail"),
            reverse("oversight:dossier", args=[use_case.pk]),
        ):
            _check(
                refusal,
                lambda page=page: login(council_member).get(page),
                lambda: api(council_member).get(f"{API}/registry/export/?format=json"),
            )
        assert api(council_member).get(f"{API}/audit-events/").json()["detail"] == refusal.message
