import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEvent
from council.errors import ActionForbidden, TransitionNotAllowed
from reviews import services
from reviews.models import Condition, Review, Vote
from reviews.selectors import applicable_items
from usecases import services as usecase_services
from usecases.models import UseCase

from .factories import MembershipFactory, RoleFactory, UserFactory
from .reviews_support import answer_and_verify_checklist, reviewer_for


def _approve_all(review, alice):
    answer_and_verify_checklist(review, alice)
    for role in review.required_roles:
        review.refresh_from_db()
        if review.state == "open":
            services.vote_cast(actor=reviewer_for(review, role), review=review, choice="approve")
    review.refresh_from_db()
    return review


class TestOpening:
    def test_submitting_opens_a_review_with_the_policy_roles_and_puts_the_use_case_in_review(
        self, review
    ):
        assert review.use_case.state == "in_review"
        assert review.required_roles == ["marketing", "privacy", "legal", "data_science"]
        assert review.policy.sla_working_days == 10
        assert {a.role for a in review.assignments.all()} == set(review.required_roles)
        assert review.due_date.weekday() < 5

    def test_a_high_tier_use_case_spanning_marketing_and_contact_centre_needs_both_leads(
        self, make_use_case, council
    ):
        use_case = make_use_case(
            "submitted", functions=["marketing", "contact_centre"], significant_decisions=True
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
        from reviews.selectors import eligible_reviewers

        for user in (owner, bob):
            RoleFactory(user=user, role="privacy")
        eligible = set(eligible_reviewers(role="privacy", use_case=review.use_case))
        assert eligible == {council["privacy"]}

    def test_reviewers_get_access_to_a_confidential_use_case_others_do_not(
        self, make_use_case, council
    ):
        from usecases.selectors import usecase_list_visible

        use_case = make_use_case("submitted", confidential=True)
        assert usecase_list_visible(user=council["privacy"]).filter(pk=use_case.pk).exists()
        assert not usecase_list_visible(user=council["security"]).filter(pk=use_case.pk).exists()

    def test_a_role_nobody_can_take_is_left_for_the_chair_and_audited(self, make_use_case, db):
        use_case = make_use_case("submitted")
        review = use_case.reviews.get()
        assert review.assignments.count() == 0
        assert (
            AuditEvent.objects.filter(
                action="assignment_pending", object_ref=use_case.reference
            ).count()
            == 4
        )


class TestFourEyes:
    def test_nobody_votes_verifies_or_decides_on_their_own_teams_use_case(self, review, marketing):
        privacy = reviewer_for(review, "privacy")
        MembershipFactory(user=privacy, team=marketing)  # joins the owning team after assignment
        with pytest.raises(ActionForbidden, match="Four eyes"):
            services.vote_cast(actor=privacy, review=review, choice="approve")
        item = next(i for i in applicable_items(review) if i.role == "privacy")
        with pytest.raises(ActionForbidden, match="Four eyes"):
            services.checklist_verify(
                actor=privacy, review=review, item_id=item.pk, verdict="verified"
            )

    def test_the_business_owner_cannot_vote_even_if_assigned_by_hand(self, review, owner, council):
        RoleFactory(user=owner, role="legal")
        with pytest.raises(ValidationError, match="Four eyes"):
            services.review_reassign(
                actor=council["chair"], review=review, role="legal", reviewer=owner
            )

    def test_a_council_member_not_assigned_cannot_vote(self, review, council):
        with pytest.raises(ActionForbidden, match="assigned"):
            services.vote_cast(actor=council["security"], review=review, choice="approve")

    def test_the_chair_cannot_decide_a_use_case_of_a_team_they_belong_to(
        self, review, council, marketing
    ):
        chair = council["chair"]
        MembershipFactory(user=chair, team=marketing)
        for role in review.required_roles:
            services.vote_cast(actor=reviewer_for(review, role), review=review, choice="abstain")
        with pytest.raises(ActionForbidden, match="Four eyes"):
            services.decision_record_by_chair(
                actor=chair, review=review, outcome="approved", rationale="ok"
            )


class TestVotesAndDecisions:
    def test_votes_need_reasons_or_conditions_as_the_choice_requires(self, review):
        legal = reviewer_for(review, "legal")
        with pytest.raises(ValidationError) as error:
            services.vote_cast(actor=legal, review=review, choice="reject")
        assert "reasons" in error.value.message_dict
        with pytest.raises(ValidationError) as error:
            services.vote_cast(actor=legal, review=review, choice="approve_with_conditions")
        assert "conditions" in error.value.message_dict

    def test_one_reject_from_a_required_role_rejects(self, review):
        services.vote_cast(
            actor=reviewer_for(review, "legal"),
            review=review,
            choice="reject",
            reasons="No lawful basis",
        )
        review.refresh_from_db()
        assert (review.state, review.outcome) == ("decided", "rejected")
        assert UseCase.objects.get(pk=review.use_case_id).state == "rejected"

    def test_request_changes_sends_the_use_case_back_and_a_new_revision_reopens_the_review(
        self, review, alice
    ):
        legal = reviewer_for(review, "legal")
        services.vote_cast(actor=reviewer_for(review, "privacy"), review=review, choice="approve")
        services.vote_cast(
            actor=legal, review=review, choice="request_changes", reasons="Add the DPA"
        )
        use_case = UseCase.objects.get(pk=review.use_case_id)
        assert use_case.state == "changes_requested"
        usecase_services.usecase_update(actor=alice, use_case=use_case, data={"vendor": "Acme EU"})
        usecase_services.usecase_submit(actor=alice, use_case=use_case)
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
            services.vote_cast(actor=reviewer_for(review, role), review=review, choice="approve")
        review.refresh_from_db()
        assert review.state == "open"

    def test_conditions_make_it_approved_with_conditions_and_are_listed(self, review, alice):
        answer_and_verify_checklist(review, alice)
        services.vote_cast(
            actor=reviewer_for(review, "privacy"),
            review=review,
            choice="approve_with_conditions",
            conditions=[
                {"text": "Retention of 90 days documented", "blocking": True, "due_date": None}
            ],
        )
        for role in ("marketing", "legal", "data_science"):
            services.vote_cast(actor=reviewer_for(review, role), review=review, choice="approve")
        review.refresh_from_db()
        assert review.outcome == "approved_with_conditions"
        assert [c.text for c in Condition.objects.filter(review=review)] == [
            "Retention of 90 days documented"
        ]

    def test_changing_a_vote_keeps_history_and_one_current_vote(self, review):
        privacy = reviewer_for(review, "privacy")
        services.vote_cast(actor=privacy, review=review, choice="abstain")
        services.vote_cast(actor=privacy, review=review, choice="approve")
        votes = Vote.objects.filter(review=review, reviewer=privacy)
        assert [(v.choice, v.current) for v in votes] == [("abstain", False), ("approve", True)]

    def test_nothing_can_be_recorded_once_decided(self, review):
        services.vote_cast(
            actor=reviewer_for(review, "legal"), review=review, choice="reject", reasons="No"
        )
        with pytest.raises(TransitionNotAllowed):
            services.vote_cast(
                actor=reviewer_for(review, "privacy"), review=review, choice="approve"
            )

    def test_the_chair_decides_with_a_rationale_only_once_all_required_roles_voted(
        self, review, council
    ):
        chair = council["chair"]
        services.vote_cast(actor=reviewer_for(review, "privacy"), review=review, choice="abstain")
        with pytest.raises(TransitionNotAllowed):
            services.decision_record_by_chair(
                actor=chair, review=review, outcome="approved", rationale="Fine"
            )
        for role in ("marketing", "legal", "data_science"):
            services.vote_cast(actor=reviewer_for(review, role), review=review, choice="abstain")
        with pytest.raises(ValidationError):
            services.decision_record_by_chair(
                actor=chair, review=review, outcome="approved", rationale=" "
            )
        services.decision_record_by_chair(
            actor=chair, review=review, outcome="approved", rationale="Low risk pilot"
        )
        review.refresh_from_db()
        assert review.decided_by_chair and review.outcome == "approved"
        assert AuditEvent.objects.filter(action="chair_decision").exists()

    def test_only_the_chair_records_a_decision(self, review):
        with pytest.raises(ActionForbidden):
            services.decision_record_by_chair(
                actor=reviewer_for(review, "legal"),
                review=review,
                outcome="approved",
                rationale="x",
            )


class TestRecusalAndReassignment:
    def test_a_recusal_needs_a_reason_and_hands_the_role_to_another_member(self, review):
        privacy = reviewer_for(review, "privacy")
        stand_in = UserFactory(username="pat.privacy")
        RoleFactory(user=stand_in, role="privacy")
        with pytest.raises(ValidationError):
            services.review_recuse(actor=privacy, review=review, reason="")
        services.review_recuse(actor=privacy, review=review, reason="I advised the vendor")
        assert reviewer_for(review, "privacy") == stand_in
        with pytest.raises(ActionForbidden):
            services.vote_cast(actor=privacy, review=review, choice="approve")

    def test_the_chair_reassigns_only_to_a_holder_of_the_role(self, review, council):
        with pytest.raises(ValidationError, match="does not hold"):
            services.review_reassign(
                actor=council["chair"], review=review, role="privacy", reviewer=council["security"]
            )


class TestChecklist:
    def test_only_applicable_items_of_the_reviews_roles_are_listed(self, review):
        items = applicable_items(review)
        assert items
        assert {item.role for item in items} <= set(review.required_roles)
        assert not any("voice_agent" in str(item.applies_when) for item in items)

    def test_the_team_answers_and_only_the_items_reviewer_verifies(self, review, alice, council):
        item = next(i for i in applicable_items(review) if i.role == "privacy")
        services.checklist_answer(
            actor=alice, review=review, item_id=item.pk, answer="yes", evidence="DPA signed"
        )
        with pytest.raises(ActionForbidden):
            services.checklist_verify(
                actor=reviewer_for(review, "legal"),
                review=review,
                item_id=item.pk,
                verdict="verified",
            )
        with pytest.raises(ValidationError):
            services.checklist_verify(
                actor=reviewer_for(review, "privacy"),
                review=review,
                item_id=item.pk,
                verdict="rejected",
            )
        row = services.checklist_verify(
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
        services.vote_cast(
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
    from usecases.selectors import usecase_list_visible

    RoleFactory(user=UserFactory(username="pat.privacy"), role="privacy")
    use_case = make_use_case("submitted", confidential=True)
    review = use_case.reviews.get()
    privacy = reviewer_for(review, "privacy")
    services.review_recuse(actor=privacy, review=review, reason="I advised the vendor")
    assert not usecase_list_visible(user=privacy).filter(pk=use_case.pk).exists()
    assert (
        usecase_list_visible(user=reviewer_for(review, "privacy")).filter(pk=use_case.pk).exists()
    )


def test_a_changed_vote_drops_the_open_conditions_of_the_vote_it_replaces(review):
    privacy = reviewer_for(review, "privacy")
    services.vote_cast(
        actor=privacy, review=review, choice="approve_with_conditions", conditions=[{"text": "Old"}]
    )
    services.vote_cast(
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
        services.checklist_verify(
            actor=reviewer_for(review, "privacy"), review=review, item_id=item.pk, verdict="ok"
        )
    assert "verdict" in error.value.message_dict


def test_a_reviewer_whose_role_has_ended_cannot_vote(review):
    import datetime

    legal = reviewer_for(review, "legal")
    assignment = legal.role_assignments.get(role="legal")
    assignment.starts_on = datetime.date(2020, 1, 1)
    assignment.ends_on = datetime.date(2020, 12, 31)
    assignment.save()
    with pytest.raises(ActionForbidden, match="still hold"):
        services.vote_cast(
            actor=type(legal).objects.get(pk=legal.pk), review=review, choice="approve"
        )
