import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

import workflows
from audit.models import AuditEvent
from common.errors import ActionForbidden, TransitionNotAllowed
from council.models import Notification
from reviews import services
from reviews.models import ChecklistWaiver, Condition, Review, Vote
from reviews.selectors import (
    applicable_items,
    checklist_complete,
    eligible_reviewers,
    unverified_required_items,
)
from usecases import services as usecase_services
from usecases.models import UseCase
from usecases.selectors import usecase_list_visible

from .factories import MembershipFactory, RoleFactory, UserFactory
from .reviews_support import (
    answer_and_verify_checklist,
    item_of,
    kept_again,
    reviewer_for,
    send_back_for_changes,
)
from .shared_world import review_world

# The tests that ask for `review` start from one submitted review (tests/shared_world.py).
pytestmark = pytest.mark.shared_world(build=review_world, for_tests_using="review")


def _approve_all(review, alice):
    answer_and_verify_checklist(review, alice)
    for role in review.required_roles:
        review.refresh_from_db()
        if review.state == "open":
            workflows.vote_cast(actor=reviewer_for(review, role), review=review, choice="approve")
    review.refresh_from_db()
    return review


class TestOpening:
    def test_submitting_opens_a_review_with_the_policy_roles_and_puts_the_use_case_in_review(
        self, review
    ):
        assert review.use_case.state == "in_review"
        assert review.required_roles == ["marketing", "privacy", "legal", "data_science"]
        assert review.policy.sla_working_days == 10
        # The required roles vote; roles whose checklist items apply to the answers verify them.
        assert {a.role: a.voting for a in review.assignments.all()} == {
            "marketing": True,
            "privacy": True,
            "legal": True,
            "data_science": True,
            "customer_experience": False,
            "security": False,
            "ethics": False,
        }
        assert review.due_date.weekday() < 5

    def test_a_high_tier_use_case_spanning_marketing_and_contact_centre_needs_both_leads(
        self, make_use_case, council
    ):
        use_case = make_use_case(
            "submitted", functions=["marketing", "contact_centre"], vulnerable_groups=True
        )
        review = use_case.reviews.get()
        assert use_case.risk_tier == "high"
        assert review.required_roles == [
            "marketing",
            "customer_experience",
            "privacy",
            "legal",
            "data_science",
            "security",
            "ethics",
            "chair",
        ]

    def test_assigned_reviewers_are_never_conflicted_and_load_is_balanced(
        self, make_use_case, council, alice, marketing
    ):
        second_privacy = UserFactory(username="pete.privacy")
        RoleFactory(user=second_privacy, role="privacy")
        conflicted = UserFactory(username="tom.privacy")
        RoleFactory(user=conflicted, role="privacy")
        MembershipFactory(user=conflicted, team=marketing)
        first = make_use_case("submitted").reviews.get()
        second = make_use_case("submitted").reviews.get()
        privacy = {reviewer_for(first, "privacy"), reviewer_for(second, "privacy")}
        assert privacy == {council["privacy"], second_privacy}
        assert conflicted not in privacy

    def test_the_business_owner_and_team_are_never_eligible_for_their_use_case(
        self, review, owner, bob, council
    ):
        for user in (owner, bob):
            RoleFactory(user=user, role="privacy")
        eligible = set(eligible_reviewers(role="privacy", use_case=review.use_case))
        assert eligible == {council["privacy"]}

    def test_reviewers_and_verifiers_get_access_to_a_confidential_use_case_others_do_not(
        self, make_use_case, council
    ):
        other_security = UserFactory(username="stan.security")
        RoleFactory(user=other_security, role="security")
        use_case = make_use_case("submitted", confidential=True)
        for seated in (council["privacy"], council["security"]):  # a reviewer, a verifier
            assert usecase_list_visible(user=seated).filter(pk=use_case.pk).exists()
        assert not usecase_list_visible(user=other_security).filter(pk=use_case.pk).exists()

    def test_a_role_nobody_can_take_is_left_for_the_chair_and_audited(self, make_use_case, db):
        use_case = make_use_case("submitted")
        review = use_case.reviews.get()
        assert review.assignments.count() == 0
        pending = AuditEvent.objects.filter(
            action="assignment_pending", object_ref=use_case.reference
        )
        assert sorted((e.changes["role"][1], e.changes["voting"][1]) for e in pending) == [
            ("customer_experience", False),
            ("data_science", True),
            ("ethics", False),
            ("legal", True),
            ("marketing", True),
            ("privacy", True),
            ("security", False),
        ]


class TestFourEyes:
    def test_nobody_votes_verifies_or_decides_on_their_own_teams_use_case(self, review, marketing):
        privacy = reviewer_for(review, "privacy")
        MembershipFactory(user=privacy, team=marketing)  # joins the owning team after assignment
        with pytest.raises(ActionForbidden, match="Four eyes"):
            workflows.vote_cast(actor=privacy, review=review, choice="approve")
        item = next(i for i in applicable_items(review) if i.role == "privacy")
        with pytest.raises(ActionForbidden, match="Four eyes"):
            workflows.checklist_verify(
                actor=privacy, review=review, item_id=item.pk, verdict="verified"
            )

    def test_the_business_owner_cannot_vote_even_if_assigned_by_hand(self, review, owner, council):
        RoleFactory(user=owner, role="legal")
        with pytest.raises(ValidationError, match="Four eyes"):
            services.review_reassign(
                actor=council["chair"], review=review, role="legal", reviewer=owner
            )

    def test_a_council_member_not_assigned_cannot_vote(self, review, council):
        outsider = UserFactory(username="stan.security")
        RoleFactory(user=outsider, role="security")
        with pytest.raises(ActionForbidden, match="assigned"):
            workflows.vote_cast(actor=outsider, review=review, choice="approve")

    def test_the_chair_cannot_decide_a_use_case_of_a_team_they_belong_to(
        self, review, council, marketing
    ):
        chair = council["chair"]
        MembershipFactory(user=chair, team=marketing)
        for role in review.required_roles:
            workflows.vote_cast(actor=reviewer_for(review, role), review=review, choice="abstain")
        with pytest.raises(ActionForbidden, match="Four eyes"):
            workflows.decision_record_by_chair(
                actor=chair, review=review, outcome="approved", rationale="ok"
            )


class TestVotesAndDecisions:
    def test_votes_need_reasons_or_conditions_as_the_choice_requires(self, review):
        legal = reviewer_for(review, "legal")
        with pytest.raises(ValidationError) as error:
            workflows.vote_cast(actor=legal, review=review, choice="reject")
        assert "reasons" in error.value.message_dict
        with pytest.raises(ValidationError) as error:
            workflows.vote_cast(actor=legal, review=review, choice="approve_with_conditions")
        assert "conditions" in error.value.message_dict

    def test_a_reject_waits_for_every_role_then_proposes_a_rejection_the_chair_confirms(
        self, review, council
    ):
        workflows.vote_cast(
            actor=reviewer_for(review, "legal"),
            review=review,
            choice="reject",
            reasons="No lawful basis",
        )
        review.refresh_from_db()
        assert (review.state, review.proposed_outcome) == ("open", "")
        for role in ("marketing", "privacy", "data_science"):
            workflows.vote_cast(actor=reviewer_for(review, role), review=review, choice="approve")
        review.refresh_from_db()
        assert (review.state, review.outcome, review.proposed_outcome) == ("open", "", "rejected")
        assert UseCase.objects.get(pk=review.use_case_id).state == "in_review"
        assert AuditEvent.objects.filter(
            action="rejection_proposed", object_id=str(review.pk)
        ).exists()
        notice = Notification.objects.get(user=council["chair"])
        assert "rejection proposed" in notice.subject
        assert notice.kind == "chair_decision_needed"

        workflows.decision_record_by_chair(
            actor=council["chair"],
            review=review,
            outcome="rejected",
            rationale="Legal is right: there is no lawful basis.",
        )
        review.refresh_from_db()
        assert (review.state, review.outcome, review.proposed_outcome) == (
            "decided",
            "rejected",
            "",
        )
        assert review.decided_by_chair
        assert UseCase.objects.get(pk=review.use_case_id).state == "rejected"

    def test_the_chair_overturns_a_proposed_rejection_with_a_rationale(self, review, council):
        workflows.vote_cast(
            actor=reviewer_for(review, "legal"), review=review, choice="reject", reasons="Risky"
        )
        for role in ("marketing", "privacy", "data_science"):
            workflows.vote_cast(actor=reviewer_for(review, role), review=review, choice="approve")
        workflows.decision_record_by_chair(
            actor=council["chair"],
            review=review,
            outcome="changes_requested",
            rationale="Not a reason to reject: document the lawful basis and resubmit.",
        )
        review.refresh_from_db()
        assert (review.outcome, review.decided_by_chair) == ("changes_requested", True)

    def test_a_changed_reject_withdraws_the_proposed_rejection(self, review):
        legal = reviewer_for(review, "legal")
        workflows.vote_cast(actor=legal, review=review, choice="reject", reasons="Risky")
        for role in ("marketing", "privacy", "data_science"):
            workflows.vote_cast(actor=reviewer_for(review, role), review=review, choice="abstain")
        workflows.vote_cast(actor=legal, review=review, choice="abstain")
        review.refresh_from_db()
        assert (review.state, review.proposed_outcome) == ("open", "")
        assert AuditEvent.objects.filter(action="rejection_proposal_withdrawn").exists()

    def test_request_changes_waits_for_every_role_then_a_new_revision_reopens_the_review(
        self, review, alice
    ):
        legal = reviewer_for(review, "legal")
        workflows.vote_cast(actor=reviewer_for(review, "privacy"), review=review, choice="approve")
        workflows.vote_cast(
            actor=legal, review=review, choice="request_changes", reasons="Add the DPA"
        )
        assert UseCase.objects.get(pk=review.use_case_id).state == "in_review"
        for role in ("marketing", "data_science"):
            workflows.vote_cast(actor=reviewer_for(review, role), review=review, choice="approve")
        use_case = UseCase.objects.get(pk=review.use_case_id)
        assert use_case.state == "changes_requested"
        usecase_services.usecase_update(actor=alice, use_case=use_case, data={"vendor": "Acme EU"})
        workflows.usecase_submit(actor=alice, use_case=use_case)
        review.refresh_from_db()
        assert (review.state, review.revision) == ("open", 2)
        assert Review.objects.filter(use_case=use_case).count() == 1
        old_votes = Vote.objects.filter(review=review, revision=1)
        assert {v.choice for v in old_votes} == {"approve", "request_changes"}
        assert not Vote.objects.filter(review=review, revision=2).exists()

    def test_all_required_roles_approving_with_a_verified_checklist_approves(self, review, alice):
        review = _approve_all(review, alice)
        assert (review.state, review.outcome) == ("decided", "approved")

    def test_approval_waits_for_the_checklist(self, review):
        for role in review.required_roles:
            workflows.vote_cast(actor=reviewer_for(review, role), review=review, choice="approve")
        review.refresh_from_db()
        assert review.state == "open"

    def test_conditions_make_it_approved_with_conditions_and_are_listed(self, review, alice):
        answer_and_verify_checklist(review, alice)
        workflows.vote_cast(
            actor=reviewer_for(review, "privacy"),
            review=review,
            choice="approve_with_conditions",
            conditions=[
                {"text": "Retention of 90 days documented", "blocking": True, "due_date": None}
            ],
        )
        for role in ("marketing", "legal", "data_science"):
            workflows.vote_cast(actor=reviewer_for(review, role), review=review, choice="approve")
        review.refresh_from_db()
        assert review.outcome == "approved_with_conditions"
        assert [c.text for c in Condition.objects.filter(review=review)] == [
            "Retention of 90 days documented"
        ]

    def test_changing_a_vote_keeps_history_and_one_current_vote(self, review):
        privacy = reviewer_for(review, "privacy")
        workflows.vote_cast(actor=privacy, review=review, choice="abstain")
        workflows.vote_cast(actor=privacy, review=review, choice="approve")
        votes = Vote.objects.filter(review=review, reviewer=privacy)
        assert [(v.choice, v.current) for v in votes] == [("abstain", False), ("approve", True)]

    def test_the_same_vote_again_changes_and_records_nothing(self, review):
        privacy = reviewer_for(review, "privacy")
        vote = dict(choice="approve_with_conditions", conditions=[{"text": "Quarterly audit"}])
        first = workflows.vote_cast(actor=privacy, review=review, **vote)
        events = AuditEvent.objects.count()
        again = workflows.vote_cast(actor=privacy, review=review, **vote)
        assert again.pk == first.pk
        assert AuditEvent.objects.count() == events
        assert Condition.objects.filter(review=review, vote=first).count() == 1
        changed = workflows.vote_cast(
            actor=privacy, review=review, **{**vote, "conditions": [{"text": "Monthly audit"}]}
        )
        assert changed.pk != first.pk

    def test_nothing_can_be_recorded_once_decided(self, review):
        send_back_for_changes(review)
        with pytest.raises(TransitionNotAllowed):
            workflows.vote_cast(
                actor=reviewer_for(review, "privacy"), review=review, choice="approve"
            )

    def test_the_chair_decides_with_a_rationale_only_once_all_required_roles_voted(
        self, review, council
    ):
        chair = council["chair"]
        workflows.vote_cast(actor=reviewer_for(review, "privacy"), review=review, choice="abstain")
        with pytest.raises(TransitionNotAllowed):
            workflows.decision_record_by_chair(
                actor=chair, review=review, outcome="approved", rationale="Fine"
            )
        for role in ("marketing", "legal", "data_science"):
            workflows.vote_cast(actor=reviewer_for(review, role), review=review, choice="abstain")
        with pytest.raises(ValidationError) as error:
            workflows.decision_record_by_chair(
                actor=chair, review=review, outcome="rejected", rationale=" "
            )
        assert set(error.value.message_dict) == {"rationale"}
        workflows.decision_record_by_chair(
            actor=chair,
            review=review,
            outcome="approved",
            rationale="Low risk pilot",
            waivers=_waive_all(review),
        )
        review.refresh_from_db()
        assert review.decided_by_chair and review.outcome == "approved"
        assert AuditEvent.objects.filter(action="chair_decision").exists()

    def test_only_the_chair_records_a_decision(self, review):
        with pytest.raises(ActionForbidden):
            workflows.decision_record_by_chair(
                actor=reviewer_for(review, "legal"),
                review=review,
                outcome="approved",
                rationale="x",
            )


def _waive_all(review):
    return [
        {"item": item.pk, "reason": f"{item.code} is covered by the pilot's weekly checks"}
        for item in unverified_required_items(review)
    ]


def _all_vote(review, choice="abstain"):
    for role in review.required_roles:
        workflows.vote_cast(actor=reviewer_for(review, role), review=review, choice=choice)
    review.refresh_from_db()


class TestChairApprovalAndWaivers:
    def test_a_chair_approval_names_every_unverified_required_item_without_a_reason(
        self, review, council, alice
    ):
        answer_and_verify_checklist(review, alice)
        unverified_item = item_of(review, "privacy")
        services.checklist_answer(
            actor=alice, review=review, item_id=unverified_item.pk, answer="partial"
        )
        _all_vote(review)
        with pytest.raises(ValidationError) as error:
            workflows.decision_record_by_chair(
                actor=council["chair"], review=review, outcome="approved", rationale="Fine"
            )
        assert error.value.message_dict == {
            "waivers": [
                f"{unverified_item.code} is not verified: give the reason to waive it, or wait "
                "for its verification."
            ]
        }
        with pytest.raises(ValidationError, match="is not verified"):
            workflows.decision_record_by_chair(
                actor=council["chair"],
                review=review,
                outcome="approved",
                rationale="Fine",
                waivers=[{"item": unverified_item.pk, "reason": "  "}],
            )
        assert not ChecklistWaiver.objects.exists()
        assert Review.objects.get(pk=review.pk).state == "open"

    def test_each_waiver_is_recorded_and_audited_with_the_approval(self, review, council):
        _all_vote(review)
        unverified = unverified_required_items(review)
        assert unverified  # nothing answered yet
        workflows.decision_record_by_chair(
            actor=council["chair"],
            review=review,
            outcome="approved",
            rationale="Pilot of 500 customers",
            waivers=_waive_all(review),
        )
        waivers = ChecklistWaiver.objects.filter(review=review)
        assert {(w.item_id, w.revision, w.waived_by) for w in waivers} == {
            (item.pk, 1, council["chair"]) for item in unverified
        }
        audited = AuditEvent.objects.filter(action="checklist_item_waived")
        assert {next(iter(e.changes)) for e in audited} == {item.code for item in unverified}

    def test_waivers_go_with_an_approval_only_and_only_for_unverified_required_items(
        self, review, council, alice
    ):
        answer_and_verify_checklist(review, alice)
        verified = item_of(review, "privacy")
        _all_vote(review)
        with pytest.raises(ValidationError, match="approval only"):
            workflows.decision_record_by_chair(
                actor=council["chair"],
                review=review,
                outcome="rejected",
                rationale="No",
                waivers=[{"item": verified.pk, "reason": "x"}],
            )
        with pytest.raises(ValidationError, match="nothing to waive"):
            workflows.decision_record_by_chair(
                actor=council["chair"],
                review=review,
                outcome="approved",
                rationale="Fine",
                waivers=[{"item": verified.pk, "reason": "x"}],
            )
        workflows.decision_record_by_chair(
            actor=council["chair"], review=review, outcome="approved", rationale="All verified"
        )
        assert Review.objects.get(pk=review.pk).outcome == "approved"

    def test_nobody_but_the_chair_waives_or_confirms(self, review, council, alice):
        _all_vote(review)
        for user in (reviewer_for(review, "legal"), reviewer_for(review, "security"), alice):
            with pytest.raises(ActionForbidden, match="Only the chair"):
                workflows.decision_record_by_chair(
                    actor=user,
                    review=review,
                    outcome="approved",
                    rationale="x",
                    waivers=_waive_all(review),
                )
        assert not ChecklistWaiver.objects.exists()


class TestVerifiers:
    """Roles that do not vote on the tier still verify the items of theirs that apply."""

    def test_a_limited_tier_customer_chatbot_is_checked_for_injection_leakage_red_teaming_and_manipulation(
        self, make_use_case, council
    ):
        use_case = make_use_case(
            "submitted",
            capabilities=["chatbot"],
            channels=["chat"],
            customer_facing=True,
            human_escalation="Type 'agent' at any time.",
        )
        review = use_case.reviews.get()
        assert use_case.risk_tier == "limited"
        assert not {"security", "ethics"} & set(review.required_roles)
        items = {item.code: item for item in applicable_items(review)}
        # SEC-01 prompt injection, SEC-02 data leakage, SEC-04 red-teaming, ETH-01 manipulation
        for code, role in (
            ("SEC-01", "security"),
            ("SEC-02", "security"),
            ("SEC-04", "security"),
            ("ETH-01", "ethics"),
        ):
            assert items[code].role == role and items[code].required_at("limited")
            seat = review.assignments.get(role=role, recused=False)
            assert (seat.reviewer, seat.voting) == (council[role], False)
        assert not checklist_complete(review)

    def test_a_verifier_is_assigned_audited_and_told_that_they_verify_without_a_vote(
        self, review, council
    ):
        seat = review.assignments.get(role="security")
        assert (seat.reviewer, seat.voting) == (council["security"], False)
        assert AuditEvent.objects.filter(
            action="verifier_assigned", changes__role=[None, "security"]
        ).exists()
        notice = Notification.objects.get(user=council["security"])
        assert "Verify the Security checklist items" in notice.subject
        assert "you do not vote" in notice.body

    def test_a_verifier_verifies_and_comments_on_the_items_of_their_role_but_never_votes(
        self, review, alice, council
    ):
        security = council["security"]
        item = item_of(review, "security")
        services.checklist_answer(actor=alice, review=review, item_id=item.pk, answer="yes")
        row = workflows.checklist_verify(
            actor=security, review=review, item_id=item.pk, verdict="verified"
        )
        assert row.verified_by == security
        privacy_item = item_of(review, "privacy")
        services.checklist_answer(actor=alice, review=review, item_id=privacy_item.pk, answer="yes")
        with pytest.raises(ActionForbidden):
            workflows.checklist_verify(
                actor=security, review=review, item_id=privacy_item.pk, verdict="verified"
            )
        services.comment_add(actor=security, review=review, body="Which WAF sits in front?")
        with pytest.raises(ActionForbidden, match="verifiers comment but do not vote"):
            workflows.vote_cast(actor=security, review=review, choice="reject", reasons="No")
        assert not Vote.objects.filter(reviewer=security).exists()

    def test_four_eyes_keeps_conflicted_members_off_the_verifier_seat(
        self, make_use_case, council, marketing
    ):
        security = council["security"]
        MembershipFactory(user=security, team=marketing)
        spare = UserFactory(username="stan.security")
        RoleFactory(user=spare, role="security")
        review = make_use_case("submitted").reviews.get()
        assert reviewer_for(review, "security") == spare

    def test_a_verifier_who_joins_the_team_can_no_longer_verify(self, review, alice, marketing):
        security = reviewer_for(review, "security")
        item = item_of(review, "security")
        services.checklist_answer(actor=alice, review=review, item_id=item.pk, answer="yes")
        MembershipFactory(user=security, team=marketing)
        with pytest.raises(ActionForbidden, match="Four eyes"):
            workflows.checklist_verify(
                actor=security, review=review, item_id=item.pk, verdict="verified"
            )

    def test_a_verifier_recuses_like_a_reviewer_and_the_next_member_verifies(
        self, make_use_case, council
    ):
        spare = UserFactory(username="stan.security")
        RoleFactory(user=spare, role="security")
        review = make_use_case("submitted", confidential=True).reviews.get()
        workflows.review_recuse(actor=council["security"], review=review, reason="I built it")
        seat = review.assignments.get(role="security", recused=False)
        assert (seat.reviewer, seat.voting) == (spare, False)
        assert (
            not usecase_list_visible(user=council["security"])
            .filter(pk=review.use_case_id)
            .exists()
        )

    def test_the_chair_reassigns_a_verifier_seat_and_only_seats_the_review_has(
        self, review, council
    ):
        spare = UserFactory(username="stan.security")
        RoleFactory(user=spare, role="security")
        services.review_reassign(
            actor=council["chair"], review=review, role="security", reviewer=spare
        )
        seat = review.assignments.get(role="security", recused=False)
        assert (seat.reviewer, seat.voting) == (spare, False)
        with pytest.raises(ValidationError, match="neither votes nor verifies"):
            services.review_reassign(
                actor=council["chair"], review=review, role="chair", reviewer=council["chair"]
            )

    def test_a_new_revision_releases_a_verifier_whose_items_no_longer_apply(
        self, review, alice, council
    ):
        send_back_for_changes(review)
        use_case = UseCase.objects.get(pk=review.use_case_id)
        usecase_services.usecase_update(
            actor=alice,
            use_case=use_case,
            data={"customer_facing": False, "customer_disclosure": ""},
        )
        workflows.usecase_submit(actor=alice, use_case=use_case)
        review.refresh_from_db()
        assert review.revision == 2
        released = review.assignments.get(role="customer_experience")
        assert released.recused and "revision 2" in released.recusal_reason
        assert AuditEvent.objects.filter(action="verifier_released").exists()
        assert set(
            review.assignments.filter(recused=False, voting=False).values_list("role", flat=True)
        ) == {"security", "ethics"}


class TestRecusalAndReassignment:
    def test_a_recusal_needs_a_reason_and_hands_the_role_to_another_member(self, review):
        privacy = reviewer_for(review, "privacy")
        stand_in = UserFactory(username="pat.privacy")
        RoleFactory(user=stand_in, role="privacy")
        with pytest.raises(ValidationError):
            workflows.review_recuse(actor=privacy, review=review, reason="")
        workflows.review_recuse(actor=privacy, review=review, reason="I advised the vendor")
        assert reviewer_for(review, "privacy") == stand_in
        with pytest.raises(ActionForbidden):
            workflows.vote_cast(actor=privacy, review=review, choice="approve")

    def test_the_chair_reassigns_only_to_a_holder_of_the_role(self, review, council):
        with pytest.raises(ValidationError, match="does not hold"):
            services.review_reassign(
                actor=council["chair"], review=review, role="privacy", reviewer=council["security"]
            )

    def test_the_chair_never_seats_an_auditor_even_one_holding_the_role(
        self, review, council, auditor
    ):
        RoleFactory(user=auditor, role="privacy")
        with pytest.raises(ValidationError, match="Auditors read everything"):
            services.review_reassign(
                actor=council["chair"], review=review, role="privacy", reviewer=auditor
            )
        assert reviewer_for(review, "privacy") != auditor


class TestChecklist:
    def test_items_apply_by_the_answers_whichever_roles_vote(self, review):
        items = applicable_items(review)
        assert items
        assert {"security", "ethics"} <= {item.role for item in items}
        assert not any("voice_agent" in str(item.applies_when) for item in items)
        seated = set(review.assignments.values_list("role", flat=True))
        assert {item.role for item in items} <= seated

    def test_the_team_answers_and_only_the_items_reviewer_verifies(self, review, alice, council):
        item = next(i for i in applicable_items(review) if i.role == "privacy")
        services.checklist_answer(
            actor=alice, review=review, item_id=item.pk, answer="yes", evidence="DPA signed"
        )
        with pytest.raises(ActionForbidden):
            workflows.checklist_verify(
                actor=reviewer_for(review, "legal"),
                review=review,
                item_id=item.pk,
                verdict="verified",
            )
        with pytest.raises(ValidationError):
            workflows.checklist_verify(
                actor=reviewer_for(review, "privacy"),
                review=review,
                item_id=item.pk,
                verdict="rejected",
            )
        row = workflows.checklist_verify(
            actor=reviewer_for(review, "privacy"),
            review=review,
            item_id=item.pk,
            verdict="rejected",
            comment="Unsigned",
        )
        assert row.verdict == "rejected"

    def test_reviewers_do_not_answer_for_the_team(self, review):
        item = applicable_items(review)[0]
        with pytest.raises(ActionForbidden):
            services.checklist_answer(
                actor=reviewer_for(review, item.role), review=review, item_id=item.pk, answer="yes"
            )

    def test_not_applicable_needs_a_justification(self, review, alice):
        item = applicable_items(review)[0]
        with pytest.raises(ValidationError):
            services.checklist_answer(
                actor=alice, review=review, item_id=item.pk, answer="not_applicable"
            )


class TestConditions:
    def test_the_team_meets_a_condition_with_evidence_and_the_chair_waives_another(
        self, review, alice, council
    ):
        answer_and_verify_checklist(review, alice)
        workflows.vote_cast(
            actor=reviewer_for(review, "privacy"),
            review=review,
            choice="approve_with_conditions",
            conditions=[
                {"text": "Publish the notice"},
                {"text": "Monthly bias report", "blocking": False},
            ],
        )
        first, second = Condition.objects.filter(review=review).order_by("id")
        with pytest.raises(ActionForbidden):
            services.condition_meet(actor=council["legal"], condition=first, evidence="x")
        services.condition_meet(actor=alice, condition=first, evidence="https://example.com/notice")
        services.condition_confirm(
            actor=reviewer_for(review, "privacy"), condition=first, verdict="confirmed"
        )
        with pytest.raises(ActionForbidden):
            services.condition_waive(actor=alice, condition=second, reason="Not needed")
        services.condition_waive(
            actor=council["chair"], condition=second, reason="Covered by the monthly report"
        )
        assert [c.status for c in Condition.objects.filter(review=review).order_by("id")] == [
            "met",
            "waived",
        ]
        with pytest.raises(TransitionNotAllowed):
            services.condition_meet(actor=alice, condition=first, evidence="again")


def test_every_review_action_is_audited(review, alice):
    _approve_all(review, alice)
    actions = set(
        AuditEvent.objects.filter(object_ref=review.use_case.reference).values_list(
            "action", flat=True
        )
    )
    assert {
        "review_opened",
        "reviewer_assigned",
        "checklist_answered",
        "checklist_verified",
        "vote_cast",
        "review_decided",
        "decision_recorded",
    } <= actions


def test_a_recused_reviewer_loses_access_to_a_confidential_use_case(make_use_case, council):
    RoleFactory(user=UserFactory(username="pat.privacy"), role="privacy")
    use_case = make_use_case("submitted", confidential=True)
    review = use_case.reviews.get()
    privacy = reviewer_for(review, "privacy")
    workflows.review_recuse(actor=privacy, review=review, reason="I advised the vendor")
    assert not usecase_list_visible(user=privacy).filter(pk=use_case.pk).exists()
    assert (
        usecase_list_visible(user=reviewer_for(review, "privacy")).filter(pk=use_case.pk).exists()
    )


def test_a_changed_vote_drops_the_open_conditions_of_the_vote_it_replaces(review):
    privacy = reviewer_for(review, "privacy")
    workflows.vote_cast(
        actor=privacy, review=review, choice="approve_with_conditions", conditions=[{"text": "Old"}]
    )
    workflows.vote_cast(
        actor=privacy, review=review, choice="approve_with_conditions", conditions=[{"text": "New"}]
    )
    assert list(Condition.objects.filter(review=review).values_list("text", flat=True)) == ["New"]
    assert AuditEvent.objects.filter(
        action="conditions_superseded", changes__conditions=[["Old"], None]
    ).exists()


def test_unknown_answers_and_verdicts_are_refused(review, alice):
    item = next(i for i in applicable_items(review) if i.role == "privacy")
    with pytest.raises(ValidationError) as error:
        services.checklist_answer(actor=alice, review=review, item_id=item.pk, answer="maybe")
    assert "answer" in error.value.message_dict
    services.checklist_answer(actor=alice, review=review, item_id=item.pk, answer="yes")
    with pytest.raises(ValidationError) as error:
        workflows.checklist_verify(
            actor=reviewer_for(review, "privacy"), review=review, item_id=item.pk, verdict="ok"
        )
    assert "verdict" in error.value.message_dict


def test_a_reviewer_whose_role_has_ended_cannot_vote(review):
    legal = reviewer_for(review, "legal")
    assignment = legal.role_assignments.get(role="legal")
    assignment.starts_on = datetime.date(2020, 1, 1)
    assignment.ends_on = datetime.date(2020, 12, 31)
    assignment.save()
    with pytest.raises(ActionForbidden, match="still hold"):
        workflows.vote_cast(
            actor=type(legal).objects.get(pk=legal.pk), review=review, choice="approve"
        )


def test_the_command_seats_the_verifiers_an_older_open_review_lacks(review, council):
    review.assignments.filter(voting=False).delete()  # as opened before verifiers existed
    kept_again(review)
    call_command("assign_verifiers", stdout=open("/dev/null", "w"))  # noqa: SIM115
    seats = review.assignments.filter(voting=False, recused=False)
    assert set(seats.values_list("role", flat=True)) == {
        "customer_experience",
        "security",
        "ethics",
    }
    call_command("assign_verifiers", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert review.assignments.filter(voting=False).count() == 3


def test_withdrawing_a_use_case_drops_the_rejection_its_review_proposed(review, alice):
    for role in review.required_roles:
        workflows.vote_cast(
            actor=reviewer_for(review, role), review=review, choice="reject", reasons="No"
        )
    workflows.usecase_withdraw(
        actor=alice, use_case=UseCase.objects.get(pk=review.use_case_id), reason="Dropped"
    )
    review.refresh_from_db()
    assert (review.state, review.outcome, review.proposed_outcome) == ("decided", "", "")
