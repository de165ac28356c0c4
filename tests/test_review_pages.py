"""The council's pages: my review queue, the review page and its forms, the chair's pipeline.

Personas as in conftest: alice submits for Marketing, charlie is in another team; the council of
tests/reviews_support.py reviews (mia marketing, pia privacy, leo legal, dana data science for a
limited-tier marketing use case), chris chairs, audrey audits.
"""

import re
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

import workflows
from reviews import services
from reviews.diff import EMPTY, answers_diff, in_words
from reviews.models import ChecklistAnswer, Comment, Condition, Review
from reviews.selectors import applicable_items, unverified_required_items
from usecases import services as usecase_services

from .factories import RoleFactory, UserFactory, complete_answers
from .reviews_support import item_of, kept_again, reviewer_for, send_back_for_changes
from .shared_world import review_world

# The tests that ask for `review` start from one submitted review (tests/shared_world.py).
pytestmark = pytest.mark.shared_world(build=review_world, for_tests_using="review")


def html(response) -> str:
    return response.content.decode()


def page_of(review) -> str:
    return reverse("reviews:detail", args=[review.pk])


def answer(review, item, team_member, value="yes", evidence="See the DPIA, section 4"):
    return services.checklist_answer(
        actor=team_member, review=review, item_id=item.pk, answer=value, evidence=evidence
    )


def vote_data(choice, reasons="", conditions=()):
    data = {"vote-choice": choice, "vote-reasons": reasons}
    for n, (text, blocking, due) in enumerate(conditions, start=1):
        data[f"vote-condition_{n}_text"] = text
        if blocking:
            data[f"vote-condition_{n}_blocking"] = "on"
        data[f"vote-condition_{n}_due"] = due
    return data


# --- The review queue -----------------------------------------------------------------------


def test_the_queue_shows_my_assignments_and_not_others(login, review, council, make_use_case):
    high = make_use_case("submitted", vulnerable_groups=True, title="Offers for carers")
    page = html(login(council["privacy"]).get(reverse("reviews:queue")))
    assert review.use_case.reference in page and high.reference in page
    assert "Privacy" in page  # my role on it

    page = html(login(council["chair"]).get(reverse("reviews:queue")))
    assert high.reference in page  # the chair votes on the high-tier one only
    assert review.use_case.reference not in page


def test_a_verifiers_queue_asks_for_verifications_never_for_a_vote(login, review, council, alice):
    answer(review, item_of(review, "security"), alice)
    page = html(login(council["security"]).get(reverse("reviews:queue")))
    assert review.use_case.reference in page
    assert "Verify 1 checklist answer" in page
    assert "Vote on revision" not in page


def test_the_queue_says_when_nothing_is_assigned(login, council_member):
    page = html(login(council_member).get(reverse("reviews:queue")))
    assert "Your queue is empty" in page


def test_the_queue_marks_overdue_reviews_and_those_due_soon(login, review, council):
    today = timezone.localdate()
    Review.objects.filter(pk=review.pk).update(due_date=today - timedelta(days=1))
    page = html(login(council["privacy"]).get(reverse("reviews:queue")))
    assert '<span class="badge badge--overdue">Overdue</span>' in page
    assert 'class="row--overdue"' in page

    Review.objects.filter(pk=review.pk).update(due_date=today)
    page = html(login(council["privacy"]).get(reverse("reviews:queue")))
    assert '<span class="badge badge--due-soon">Due soon</span>' in page
    assert "badge--overdue" not in page


def test_the_queue_lists_what_i_still_have_to_do(login, review, council, alice):
    privacy = council["privacy"]
    privacy_items = [i for i in applicable_items(review) if i.role == "privacy"][:2]
    for item in privacy_items:
        answer(review, item, alice)
    answer(review, item_of(review, "legal"), alice)  # someone else's to verify
    page = html(login(privacy).get(reverse("reviews:queue")))
    assert "Vote on revision 1" in page
    assert "Verify 2 checklist answers" in page

    workflows.vote_cast(actor=privacy, review=review, choice="approve")
    page = html(login(privacy).get(reverse("reviews:queue")))
    assert "Vote on revision 1" not in page


# --- Who sees what on the review page --------------------------------------------------------


def test_the_assigned_reviewer_sees_the_vote_verify_recuse_and_comment_forms(
    login, review, council, alice
):
    item = item_of(review, "privacy")
    answer(review, item, alice)
    page = html(login(council["privacy"]).get(page_of(review)))
    assert review.use_case.reference in page and "Next-best-offer e-mails" in page
    assert "You review this use case as <strong>Privacy</strong>" in page
    assert reverse("reviews:vote", args=[review.pk]) in page
    assert f'name="verify-{item.code}-verdict"' in page
    assert reverse("reviews:recuse", args=[review.pk]) in page
    assert reverse("reviews:comment", args=[review.pk]) in page
    assert f'name="answer-{item.code}-answer"' not in page
    assert 'id="chair"' not in page
    # Only the privacy reviewer's items carry verdict choices.
    legal_item = item_of(review, "legal")
    answer(review, legal_item, alice)
    page = html(login(council["privacy"]).get(page_of(review)))
    assert f'name="verify-{legal_item.code}-verdict"' not in page


def test_the_page_shows_the_checklist_by_section_with_guidance_references_and_progress(
    login, review, council, alice
):
    item = item_of(review, "privacy")
    answer(review, item, alice, evidence="DPIA v2, section 4")
    workflows.checklist_verify(
        actor=council["privacy"], review=review, item_id=item.pk, verdict="verified"
    )
    items = applicable_items(review)
    required = sum(i.required for i in items)
    page = html(login(council["legal"]).get(page_of(review)))
    assert f"<strong>1 of {required}</strong> required item" in page
    assert f'id="item-{item.code}"' in page
    assert item.text in page
    assert "<summary>Guidance" in page
    assert "EU AI Act" in page or "GDPR" in page
    assert "DPIA v2, section 4" in page
    assert re.search(r"of \d+ required verified", page)
    assert "Limited risk" in page and "Limited policy v1" in page


def test_the_team_gets_answer_fields_for_every_item_by_section_and_no_vote(login, review, alice):
    page = html(login(alice).get(page_of(review)))
    for item in applicable_items(review):
        assert f'name="answer-{item.code}-answer"' in page
        assert reverse("reviews:checklist_section", args=[review.pk, item.section]) in page
    assert reverse("reviews:vote", args=[review.pk]) not in page
    assert reverse("reviews:recuse", args=[review.pk]) not in page
    assert "Question to the team" not in page  # the team does not ask itself


def test_the_chair_sees_the_chair_panel(login, review, council):
    page = html(login(council["chair"]).get(page_of(review)))
    assert 'id="chair"' in page
    assert reverse("reviews:reassign", args=[review.pk]) in page
    assert reverse("reviews:vote", args=[review.pk]) not in page  # not a required role here


def test_the_auditor_reads_the_review_but_gets_no_form(login, review, auditor, alice, council):
    answer(review, item_of(review, "privacy"), alice)
    workflows.vote_cast(
        actor=council["legal"],
        review=review,
        choice="approve_with_conditions",
        conditions=[{"text": "Sign the DPA"}],
    )
    response = login(auditor).get(page_of(review))
    assert response.status_code == 200
    page = html(response)
    assert "Sign the DPA" in page
    assert 'action="/reviews/' not in page
    assert "<textarea" not in page


def test_every_form_endpoint_answers_403_to_the_auditor(login, review, auditor, alice, council):
    item = item_of(review, "privacy")
    answer(review, item, alice)
    condition_vote = workflows.vote_cast(
        actor=council["legal"],
        review=review,
        choice="approve_with_conditions",
        conditions=[{"text": "Sign the DPA"}],
    )
    condition = condition_vote.conditions.get()
    client = login(auditor)
    posts = {
        reverse("reviews:answer", args=[review.pk, item.pk]): {f"answer-{item.code}-answer": "yes"},
        reverse("reviews:verify", args=[review.pk, item.pk]): {
            f"verify-{item.code}-verdict": "verified"
        },
        reverse("reviews:vote", args=[review.pk]): vote_data("approve"),
        reverse("reviews:recuse", args=[review.pk]): {"recuse-reason": "Conflict"},
        reverse("reviews:meet", args=[review.pk, condition.pk]): {
            f"meet-{condition.pk}-evidence": "Done"
        },
        reverse("reviews:waive", args=[review.pk, condition.pk]): {
            f"waive-{condition.pk}-reason": "Not needed"
        },
        reverse("reviews:comment", args=[review.pk]): {"comment-body": "Hello"},
        reverse("reviews:decide", args=[review.pk]): {
            "decision-outcome": "approved",
            "decision-rationale": "Fine",
        },
        reverse("reviews:reassign", args=[review.pk]): {
            "reassign-seat": f"privacy:{council['privacy'].pk}"
        },
    }
    for url, data in posts.items():
        assert client.post(url, data).status_code == 403, url
        assert client.post(url, {}).status_code == 403, url
    assert not Comment.objects.exists()
    assert Review.objects.get(pk=review.pk).state == "open"


def test_a_member_of_another_team_gets_404(login, review, charlie):
    client = login(charlie)
    assert client.get(page_of(review)).status_code == 404
    assert client.post(reverse("reviews:comment", args=[review.pk]), {}).status_code == 404


def test_a_confidential_review_is_404_to_council_members_not_assigned(
    login, make_use_case, council
):
    unseated = UserFactory(username="stan.security")
    RoleFactory(user=unseated, role="security")
    review = make_use_case("submitted", confidential=True).reviews.get()
    assert login(unseated).get(page_of(review)).status_code == 404
    for seated in (council["privacy"], council["security"]):  # a reviewer, a verifier
        assert login(seated).get(page_of(review)).status_code == 200


# --- Checklist -------------------------------------------------------------------------------


def test_the_team_answers_an_item_and_comes_back_to_it(login, review, alice):
    item = item_of(review, "privacy")
    response = login(alice).post(
        reverse("reviews:answer", args=[review.pk, item.pk]),
        {
            f"answer-{item.code}-answer": "partial",
            f"answer-{item.code}-evidence": "Half done",
            f"answer-{item.code}-version": 0,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"{page_of(review)}#item-{item.code}"
    saved = ChecklistAnswer.objects.get(review=review, item=item)
    assert (saved.answer, saved.evidence, saved.answered_by) == ("partial", "Half done", alice)


def test_not_applicable_without_justification_is_refused_next_to_the_evidence(login, review, alice):
    item = item_of(review, "privacy")
    response = login(alice).post(
        reverse("reviews:answer", args=[review.pk, item.pk]),
        {f"answer-{item.code}-answer": "not_applicable", f"answer-{item.code}-version": 0},
    )
    assert response.status_code == 400
    page = html(response)
    assert re.search(
        rf'id="id_answer-{item.code}-evidence_error"><li>Justify why the item does not apply', page
    )
    assert 'id="error-summary"' in page
    assert not ChecklistAnswer.objects.exists()


def test_the_items_reviewer_verifies_and_another_reviewer_gets_403(login, review, council, alice):
    item = item_of(review, "privacy")
    answer(review, item, alice)
    url = reverse("reviews:verify", args=[review.pk, item.pk])
    data = {f"verify-{item.code}-verdict": "verified", f"verify-{item.code}-comment": "Checked"}

    assert login(council["legal"]).post(url, data).status_code == 403
    assert ChecklistAnswer.objects.get(item=item).verdict == ""

    response = login(council["privacy"]).post(url, data)
    assert response["Location"] == f"{page_of(review)}#item-{item.code}"
    saved = ChecklistAnswer.objects.get(item=item)
    assert (saved.verdict, saved.verification_comment, saved.verified_by) == (
        "verified",
        "Checked",
        council["privacy"],
    )


def test_rejecting_an_answer_needs_a_comment(login, review, council, alice):
    item = item_of(review, "privacy")
    answer(review, item, alice)
    response = login(council["privacy"]).post(
        reverse("reviews:verify", args=[review.pk, item.pk]),
        {f"verify-{item.code}-verdict": "rejected"},
    )
    assert response.status_code == 400
    assert f'id="id_verify-{item.code}-comment_error"' in html(response)


# --- Votes, conditions, decisions -------------------------------------------------------------


def test_a_reviewer_votes_approve_with_conditions_from_the_page(login, review, council):
    due = (timezone.localdate() + timedelta(days=30)).isoformat()
    response = login(council["legal"]).post(
        reverse("reviews:vote", args=[review.pk]),
        vote_data(
            "approve_with_conditions",
            conditions=[("Sign the DPA with Acme", True, due), ("Add an opt-out link", False, "")],
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == f"{page_of(review)}#votes"
    conditions = list(Condition.objects.order_by("id").values("text", "blocking", "due_date"))
    assert conditions == [
        {"text": "Sign the DPA with Acme", "blocking": True, "due_date": date.fromisoformat(due)},
        {"text": "Add an opt-out link", "blocking": False, "due_date": None},
    ]
    page = html(login(council["legal"]).get(page_of(review)))
    assert "Sign the DPA with Acme" in page and "Approve with conditions" in page


def test_a_reject_without_reasons_shows_the_error_next_to_the_reasons(login, review, council):
    response = login(council["legal"]).post(
        reverse("reviews:vote", args=[review.pk]), vote_data("reject")
    )
    assert response.status_code == 400
    page = html(response)
    assert re.search(r'id="id_vote-reasons_error"><li>Give the reasons for this vote', page)
    assert 'aria-describedby="id_vote-reasons_helptext id_vote-reasons_error"' in page
    assert review.votes.count() == 0


def test_approve_with_conditions_without_any_shows_the_error_at_the_conditions(
    login, review, council
):
    response = login(council["legal"]).post(
        reverse("reviews:vote", args=[review.pk]), vote_data("approve_with_conditions")
    )
    assert response.status_code == 400
    assert re.search(r'id="vote-conditions-error"><li>List at least one condition', html(response))


def test_a_council_member_not_assigned_cannot_vote(login, review, council):
    response = login(council["security"]).post(
        reverse("reviews:vote", args=[review.pk]), vote_data("approve")
    )
    assert response.status_code == 403


def test_the_chair_decision_form_appears_once_every_required_role_voted(login, review, council):
    chair = council["chair"]
    decide_url = reverse("reviews:decide", args=[review.pk])
    page = html(login(chair).get(page_of(review)))
    assert decide_url not in page
    assert "once every required role has voted: 0 of 4" in page

    for role in review.required_roles[:-1]:
        workflows.vote_cast(actor=reviewer_for(review, role), review=review, choice="approve")
    workflows.vote_cast(
        actor=reviewer_for(review, review.required_roles[-1]),
        review=review,
        choice="abstain",
    )
    page = html(login(chair).get(page_of(review)))
    assert decide_url in page
    unverified = unverified_required_items(review)
    for item in unverified:  # a reason field per required item not verified
        assert f'name="decision-waiver_{item.pk}"' in page

    decision = {
        "decision-outcome": "approved",
        "decision-rationale": "One abstention; risks covered.",
    }
    response = login(chair).post(
        decide_url, {**decision, f"decision-waiver_{unverified[0].pk}": "Covered by the DPIA"}
    )
    assert response.status_code == 400
    page = html(response)
    assert f'id="id_decision-waiver_{unverified[0].pk}_error"' not in page
    missing = unverified[1]
    assert re.search(
        rf'id="id_decision-waiver_{missing.pk}_error"><li>{missing.code} is not verified', page
    )
    assert Review.objects.get(pk=review.pk).state == "open"

    waivers = {f"decision-waiver_{item.pk}": f"{item.code}: pilot only" for item in unverified}
    response = login(chair).post(decide_url, {**decision, **waivers})
    assert response.status_code == 302
    review.refresh_from_db()
    assert (review.state, review.outcome, review.decided_by_chair) == ("decided", "approved", True)
    page = html(login(chair).get(page_of(review)))
    assert "Decision: Approved" in page
    assert '<span class="badge badge--chair">Chair decision</span>' in page
    assert "One abstention; risks covered." in page
    assert "Checklist items the chair waived" in page
    assert f"{missing.code}: pilot only" in page
    assert decide_url not in page


def test_a_chair_decision_without_rationale_is_refused_next_to_it(login, review, council):
    for role in review.required_roles:
        workflows.vote_cast(actor=reviewer_for(review, role), review=review, choice="abstain")
    response = login(council["chair"]).post(
        reverse("reviews:decide", args=[review.pk]), {"decision-outcome": "approved"}
    )
    assert response.status_code == 400
    assert 'id="id_decision-rationale_error"' in html(response)


def test_a_chair_decision_before_every_vote_is_refused_with_a_message(login, review, council):
    response = login(council["chair"]).post(
        reverse("reviews:decide", args=[review.pk]),
        {"decision-outcome": "approved", "decision-rationale": "Hurry"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == page_of(review)
    assert "once every required role has voted" in html(response)
    assert Review.objects.get(pk=review.pk).state == "open"


def test_a_reviewer_recuses_and_the_page_keeps_it_as_history(login, review, council):
    spare = UserFactory(username="pat.privacy")
    RoleFactory(user=spare, role="privacy")
    client = login(council["privacy"])
    response = client.post(reverse("reviews:recuse", args=[review.pk]), {"recuse-reason": ""})
    assert response.status_code == 400
    assert 'id="id_recuse-reason_error"' in html(response)

    response = client.post(
        reverse("reviews:recuse", args=[review.pk]), {"recuse-reason": "I advised the vendor"}
    )
    assert response["Location"] == reverse("reviews:queue")
    assert reviewer_for(review, "privacy") == spare
    page = html(login(council["chair"]).get(page_of(review)))
    assert "I advised the vendor" in page and "pia.privacy" in page


def test_the_chair_reassigns_a_role_from_the_page(login, review, council):
    spare = UserFactory(username="pat.privacy")
    RoleFactory(user=spare, role="privacy")
    client = login(council["chair"])
    page = html(client.get(page_of(review)))
    assert f'<option value="privacy:{spare.pk}">pat.privacy (0 open reviews)</option>' in page
    response = client.post(
        reverse("reviews:reassign", args=[review.pk]), {"reassign-seat": f"privacy:{spare.pk}"}
    )
    assert response.status_code == 302
    assert response["Location"] == page_of(review) + "#votes"
    assert reviewer_for(review, "privacy") == spare
    page = html(client.get(page_of(review)))
    assert f"pat.privacy now holds the Privacy seat on {review.use_case.reference}." in page


def test_the_team_meets_a_condition_and_the_chair_waives_another(login, review, council, alice):
    workflows.vote_cast(
        actor=council["legal"],
        review=review,
        choice="approve_with_conditions",
        conditions=[{"text": "Sign the DPA"}, {"text": "Add an opt-out link"}],
    )
    first, second = Condition.objects.order_by("id")
    response = login(alice).post(
        reverse("reviews:meet", args=[review.pk, first.pk]), {f"meet-{first.pk}-evidence": ""}
    )
    assert response.status_code == 400
    assert f'id="id_meet-{first.pk}-evidence_error"' in html(response)
    response = login(alice).post(
        reverse("reviews:meet", args=[review.pk, first.pk]),
        {f"meet-{first.pk}-evidence": "DPA signed 3 March"},
    )
    assert response["Location"] == f"{page_of(review)}#condition-{first.pk}"
    assert Condition.objects.get(pk=first.pk).status == "claimed"  # the council confirms it
    login(council["legal"]).post(  # legal's vote set it
        reverse("reviews:confirm", args=[review.pk, first.pk]),
        {f"confirm-{first.pk}-verdict": "confirmed"},
    )
    assert (
        login(alice)
        .post(
            reverse("reviews:waive", args=[review.pk, second.pk]),
            {f"waive-{second.pk}-reason": "No"},
        )
        .status_code
        == 403
    )
    login(council["chair"]).post(
        reverse("reviews:waive", args=[review.pk, second.pk]),
        {f"waive-{second.pk}-reason": "Covered by the footer"},
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("met", "waived")
    page = html(login(alice).get(page_of(review)))
    assert "DPA signed 3 March" in page and "Covered by the footer" in page


def test_a_reviewer_asks_the_team_a_question(login, review, council, council_member):
    response = login(council["privacy"]).post(
        reverse("reviews:comment", args=[review.pk]),
        {"comment-body": "Which lawful basis do you rely on?", "comment-is_question": "on"},
    )
    assert response["Location"] == f"{page_of(review)}#comments"
    comment = Comment.objects.get()
    assert comment.is_question and comment.author == council["privacy"]
    page = html(login(council["privacy"]).get(page_of(review)))
    assert "Which lawful basis do you rely on?" in page
    assert '<span class="badge badge--question">Question to the team</span>' in page

    # A council member who is not on this review reads it but does not comment.
    page = html(login(council_member).get(page_of(review)))
    assert reverse("reviews:comment", args=[review.pk]) not in page
    assert (
        login(council_member)
        .post(reverse("reviews:comment", args=[review.pk]), {"comment-body": "Hi"})
        .status_code
        == 403
    )


def test_an_empty_comment_is_refused_next_to_the_field(login, review, alice):
    response = login(alice).post(reverse("reviews:comment", args=[review.pk]), {})
    assert response.status_code == 400
    assert 'id="id_comment-body_error"><li>Write something.' in html(response)


def _legal_rejects_and_the_others_approve(review):
    workflows.vote_cast(
        actor=reviewer_for(review, "legal"), review=review, choice="reject", reasons="No basis"
    )
    for role in ("marketing", "privacy", "data_science"):
        workflows.vote_cast(actor=reviewer_for(review, role), review=review, choice="approve")


def test_a_decided_review_refuses_a_late_vote_with_a_message(login, review, council):
    send_back_for_changes(review, reasons="Unlawful basis")
    response = login(council["privacy"]).post(
        reverse("reviews:vote", args=[review.pk]), vote_data("abstain"), follow=True
    )
    assert response.redirect_chain[-1][0] == page_of(review)
    page = html(response)
    assert "This review is decided" in page
    assert "Decision: Changes requested" in page and "by the council's votes" in page


def test_a_proposed_rejection_is_shown_and_the_chair_confirms_it_from_the_page(
    login, review, council, alice
):
    _legal_rejects_and_the_others_approve(review)
    page = html(login(alice).get(page_of(review)))
    assert "Rejection proposed: waiting for the chair" in page
    chair_page = html(login(council["chair"]).get(page_of(review)))
    assert "Rejection proposed" in chair_page and 'href="#chair"' in chair_page
    assert "Rejection proposed" in html(login(council["chair"]).get(reverse("pipeline")))

    response = login(council["chair"]).post(
        reverse("reviews:decide", args=[review.pk]),
        {"decision-outcome": "rejected", "decision-rationale": "Confirmed."},
    )
    assert response.status_code == 302
    page = html(login(alice).get(page_of(review)))
    assert "Decision: Rejected" in page and "Chair decision" in page
    assert "Rejection proposed" not in page


def test_a_verifier_sees_their_items_to_verify_and_no_vote_form(login, review, council, alice):
    item = item_of(review, "security")
    answer(review, item, alice)
    client = login(council["security"])
    page = html(client.get(page_of(review)))
    assert "You verify the checklist items of <strong>Security</strong>" in page
    assert "Checklist verifiers" in page and f'href="#item-{item.code}"' in page
    assert f'name="verify-{item.code}-verdict"' in page
    assert reverse("reviews:vote", args=[review.pk]) not in page
    assert reverse("reviews:comment", args=[review.pk]) in page
    response = client.post(reverse("reviews:vote", args=[review.pk]), vote_data("approve"))
    assert response.status_code == 403
    assert not review.votes.exists()
    response = client.post(
        reverse("reviews:verify", args=[review.pk, item.pk]),
        {f"verify-{item.code}-verdict": "verified"},
    )
    assert response.status_code == 302
    assert ChecklistAnswer.objects.get(item=item).verified_by == council["security"]


def test_the_chair_reassigns_a_verifier_seat_from_the_page(login, review, council):
    spare = UserFactory(username="stan.security")
    RoleFactory(user=spare, role="security")
    client = login(council["chair"])
    page = html(client.get(page_of(review)))
    assert '<optgroup label="Security">' in page
    response = client.post(
        reverse("reviews:reassign", args=[review.pk]), {"reassign-seat": f"security:{spare.pk}"}
    )
    assert response.status_code == 302
    assert review.assignments.get(role="security", recused=False).reviewer == spare


def _privacy_options(page: str) -> str:
    return page.split('<optgroup label="Privacy">')[1].split("</optgroup>")[0]


def test_the_reassign_choice_offers_each_seat_only_its_free_members_with_their_load(
    login, review, council, bob, auditor, make_use_case
):
    spare = UserFactory(username="pat.privacy")
    RoleFactory(user=spare, role="privacy")
    busy = make_use_case("submitted").reviews.get()
    services.review_reassign(actor=council["chair"], review=busy, role="privacy", reviewer=spare)
    RoleFactory(user=bob, role="privacy")  # in the owning team: four eyes
    RoleFactory(user=auditor, role="privacy")  # auditors never sit
    page = html(login(council["chair"]).get(page_of(review)))
    privacy = _privacy_options(page)
    assert f'value="privacy:{spare.pk}">pat.privacy (1 open review)<' in privacy
    assert "bob" not in privacy and "audrey" not in privacy
    assert "pia.privacy" not in privacy  # already in the seat
    assert f"privacy:{council['legal'].pk}" not in page  # a legal member is offered for legal only
    assert '<optgroup label="Legal">' not in page  # nobody else holds legal
    assert re.search(r"No other member free of a conflict holds [^<]*Legal", page)


@pytest.mark.parametrize(
    "seat",
    ["", "privacy", "privacy:abc", "nonsense:1", "privacy:99999", "legal:{legal}", "privacy:{bob}"],
)
def test_a_seat_nobody_offered_is_a_form_error_not_a_500(login, review, council, bob, seat):
    RoleFactory(user=bob, role="privacy")
    seat = seat.format(legal=council["legal"].pk, bob=bob.pk)
    response = login(council["chair"]).post(
        reverse("reviews:reassign", args=[review.pk]), {"reassign-seat": seat}
    )
    assert response.status_code == 400
    page = html(response)
    assert "Choose the seat and the member" in page or "cannot take that seat" in page
    assert reviewer_for(review, "privacy") == council["privacy"]
    assert reviewer_for(review, "legal") == council["legal"]


def test_a_council_member_who_is_not_the_chair_cannot_reassign(login, review, council):
    spare = UserFactory(username="pat.privacy")
    RoleFactory(user=spare, role="privacy")
    client = login(council["legal"])
    assert reverse("reviews:reassign", args=[review.pk]) not in html(client.get(page_of(review)))
    response = client.post(
        reverse("reviews:reassign", args=[review.pk]), {"reassign-seat": f"privacy:{spare.pk}"}
    )
    assert response.status_code == 403
    assert reviewer_for(review, "privacy") == council["privacy"]


def test_reassignment_refusals_name_the_role_in_words(review, council):
    with pytest.raises(ValidationError) as refused:
        services.review_reassign(
            actor=council["chair"], review=review, role="privacy", reviewer=council["security"]
        )
    assert refused.value.message_dict["reviewer"] == [
        "sam.security does not hold the Privacy role: choose a Privacy member."
    ]
    with pytest.raises(ValidationError) as refused:
        services.review_reassign(
            actor=council["chair"],
            review=review,
            role="chair",
            reviewer=council["chair"],
        )
    assert refused.value.message_dict["role"] == [
        "Chair neither votes nor verifies checklist items on this review."
    ]


@pytest.mark.parametrize(
    ("next_url", "lands_on"),
    [
        ("/council/pipeline/?tier=limited&sort=age", "/council/pipeline/?tier=limited&sort=age"),
        ("https://evil.example/council/pipeline/", None),
        ("//evil.example/", None),
        ("javascript:alert(1)", None),
    ],
)
def test_after_reassigning_the_chair_returns_to_a_local_page_only(
    login, review, council, next_url, lands_on
):
    spare = UserFactory(username="pat.privacy")
    RoleFactory(user=spare, role="privacy")
    response = login(council["chair"]).post(
        reverse("reviews:reassign", args=[review.pk]),
        {"reassign-seat": f"privacy:{spare.pk}", "reassign-next": next_url},
    )
    assert response.status_code == 302
    assert response["Location"] == (lands_on or page_of(review) + "#votes")
    assert reviewer_for(review, "privacy") == spare


# --- The use case page and the revision diff --------------------------------------------------


def test_the_submitter_sees_the_review_and_its_conditions_on_the_use_case_page(
    login, review, council, alice
):
    workflows.vote_cast(
        actor=council["legal"],
        review=review,
        choice="approve_with_conditions",
        conditions=[{"text": "Sign the DPA with Acme", "due_date": date(2030, 1, 31)}],
    )
    page = html(login(alice).get(reverse("usecases:detail", args=[review.use_case.pk])))
    assert "Council review" in page
    assert page_of(review) in page
    assert "Sign the DPA with Acme" in page
    assert '<span class="badge badge--condition-open">Open</span>' in page
    assert "31 Jan 2030" in page


def test_the_review_page_shows_what_changed_since_the_previous_revision(
    login, review, council, alice
):
    page = html(login(alice).get(page_of(review)))
    assert "This is the first revision" in page
    send_back_for_changes(review, reasons="Add a DPA")
    use_case = review.use_case
    use_case.refresh_from_db()
    usecase_services.usecase_update(
        actor=alice,
        use_case=use_case,
        data={"vendor": "Acme EU", "channels": ["email", "web"]},
    )
    workflows.usecase_submit(actor=alice, use_case=use_case)
    review.refresh_from_db()
    assert review.revision == 2
    page = html(login(alice).get(page_of(review)))
    assert "Vendor or model provider" in page
    assert "Acme Personalise" in page and "Acme EU" in page
    assert "E-mail, Web" in page
    assert "Which problem does it solve?" not in page.split('id="changes"')[1]


class TestAnswersDiff:
    def test_the_first_revision_has_no_changes_to_itself(self):
        answers = complete_answers()
        assert answers_diff(answers, answers) == []

    def test_it_lists_changed_answers_in_form_order_with_questions_and_words(self):
        before = complete_answers(team=3, business_owner=7)
        after = {
            **before,
            "title": "Offers by e-mail",
            "channels": ["email", "web"],
            "customer_facing": False,
            "model_provenance": "in_house",
            "business_owner": 8,
        }
        names = {"business_owner": {7: "olivia.owner", 8: "oscar.owner"}}
        changes = answers_diff(before, after, names=names)
        assert [(c.field, c.label, c.before, c.after) for c in changes] == [
            ("title", "Title", "Next-best-offer e-mails", "Offers by e-mail"),
            ("business_owner", "Business owner", "olivia.owner", "oscar.owner"),
            ("channels", "Through which channels?", "E-mail", "E-mail, Web"),
            ("model_provenance", "Where does the model come from?", "Hosted by a vendor",
             "Built in house"),
            ("customer_facing", "Do customers see it or talk to it?", "Yes", "No"),
        ]  # fmt: skip

    def test_ticking_the_same_boxes_in_another_order_or_blank_for_missing_is_no_change(self):
        before = {"channels": ["web", "email"], "vendor": "", "kpis": None}
        after = {"channels": ["email", "web"], "kpis": ""}
        assert answers_diff(before, after) == []

    def test_a_new_or_cleared_answer_reads_not_answered(self):
        changes = answers_diff({"vendor": "Acme"}, {"vendor": "", "summary": "New"})
        assert [(c.field, c.before, c.after) for c in changes] == [
            ("summary", EMPTY, "New"),
            ("vendor", "Acme", EMPTY),
        ]

    def test_unknown_ids_and_fields_still_read(self):
        assert in_words("team", 42) == "#42"
        changes = answers_diff({"extra_field": 1}, {"extra_field": 2})
        assert [(c.label, c.before, c.after) for c in changes] == [("Extra field", "1", "2")]


# --- Navigation and the pipeline --------------------------------------------------------------


def test_the_navigation_offers_the_queue_to_council_members_and_the_pipeline_to_the_chair(
    login, review, council, alice
):
    page = html(login(alice).get("/"))
    assert "Review queue" not in page and reverse("pipeline") not in page
    page = html(login(council["privacy"]).get("/"))
    assert reverse("reviews:queue") in page and reverse("pipeline") not in page
    page = html(login(council["chair"]).get("/"))
    assert reverse("reviews:queue") in page and reverse("pipeline") in page


@pytest.mark.parametrize("persona", ["privacy", "alice", "auditor"])
def test_the_pipeline_is_for_the_chair_only(login, review, council, alice, auditor, persona):
    user = {"privacy": council["privacy"], "alice": alice, "auditor": auditor}[persona]
    assert login(user).get(reverse("pipeline")).status_code == 403


def test_the_pipeline_groups_open_reviews_by_progress(login, make_use_case, council):
    voting = make_use_case("submitted", title="Voting one").reviews.get()
    ready = make_use_case("submitted", title="Ready one").reviews.get()
    for role in ready.required_roles:
        workflows.vote_cast(actor=reviewer_for(ready, role), review=ready, choice="abstain")
    unassigned = make_use_case(
        "submitted", title="Unassigned one", functions=["contact_centre"]
    ).reviews.get()  # nobody holds customer_experience... except cxavier: take the role away
    workflows.review_recuse(
        actor=reviewer_for(unassigned, "customer_experience"),
        review=unassigned,
        reason="Conflict",
    )
    Review.objects.filter(pk=voting.pk).update(due_date=timezone.localdate() - timedelta(days=2))
    page = html(login(council["chair"]).get(reverse("pipeline")))
    groups = {
        key: page.split(f'id="{key}"')[1].split("</section>")[0]
        for key in ("awaiting_assignment", "voting", "ready")
    }
    assert "Unassigned one" in groups["awaiting_assignment"]
    assert "Customer experience" in groups["awaiting_assignment"]
    assert "Voting one" in groups["voting"] and "Overdue" in groups["voting"]
    assert "Ready one" in groups["ready"]
    assert re.search(
        r'id="ready-title">Ready for a chair decision <span class="count"[^>]*>1<', page
    )


# --- Constant queries -------------------------------------------------------------------------


def _queries(client, url) -> int:
    client.get(url)  # warm caches that live for the whole process (content types)
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


# The queries of each page, pinned: a change shows here, whatever ran before.
# One of them counts the member's queue for its pages (reviews.views `queue`: 9 before pages).
QUEUE_QUERIES = 10
# The pipeline and the chair's review page read who may take each seat: the role holders with
# their open-review load (reviews.loads), the use cases' teams and submitters, and who sits now
# (reviews.selectors `seat_candidates`), for every review at once.
PIPELINE_QUERIES = 10
# One query reads the use case's vendors for the checklist's evidence
# (reviews.selectors.vendor_evidence), for every use case alike.
REVIEW_PAGE_QUERIES = {"team": 15, "reviewer": 17, "chair": 21}


def test_the_queue_runs_the_same_queries_for_1_and_8_reviews(login, make_use_case, council, alice):
    def queries_for(count):
        reviewer = UserFactory(username=f"privacy{count}")
        RoleFactory(user=reviewer, role="privacy")
        for _ in range(count):
            review = make_use_case("submitted").reviews.get()
            services.review_reassign(
                actor=council["chair"], review=review, role="privacy", reviewer=reviewer
            )
            answer(review, item_of(review, "privacy"), alice)
        return _queries(login(reviewer), reverse("reviews:queue"))

    assert queries_for(1) == queries_for(8) == QUEUE_QUERIES


def test_the_pipeline_runs_the_same_queries_for_1_and_8_reviews(login, make_use_case, council):
    def queries_for(count):
        for n in range(count):
            review = make_use_case("submitted").reviews.get()
            if n % 2:
                workflows.vote_cast(
                    actor=reviewer_for(review, "legal"), review=review, choice="abstain"
                )
        chair = UserFactory(username=f"chair{count}")
        RoleFactory(user=chair, role="chair")
        return _queries(login(chair), reverse("pipeline"))

    few = queries_for(1)
    Review.objects.all().delete()
    kept_again()
    assert few == queries_for(8) == PIPELINE_QUERIES


@pytest.mark.parametrize("viewer", ["team", "reviewer", "chair"])
def test_the_review_page_runs_the_same_queries_for_few_and_many_items_votes_and_comments(
    login, make_use_case, council, alice, viewer
):
    def page_queries(review, busy: bool):
        if busy:
            for item in applicable_items(review):
                answer(review, item, alice)
            for item in applicable_items(review)[:6]:
                workflows.checklist_verify(
                    actor=reviewer_for(review, item.role),
                    review=review,
                    item_id=item.pk,
                    verdict="verified",
                )
            for n in range(6):
                services.comment_add(actor=alice, review=review, body=f"Comment {n}")
            workflows.vote_cast(
                actor=reviewer_for(review, "legal"),
                review=review,
                choice="approve_with_conditions",
                conditions=[{"text": "One"}, {"text": "Two"}, {"text": "Three"}],
            )
            workflows.vote_cast(
                actor=reviewer_for(review, "privacy"), review=review, choice="abstain"
            )
        user = {"team": alice, "reviewer": reviewer_for(review, "data_science")}.get(viewer)
        if user is None:
            user = UserFactory(username=f"chair-{review.pk}")
            RoleFactory(user=user, role="chair")
        return _queries(login(user), page_of(review))

    few = make_use_case("submitted").reviews.get()
    many = make_use_case(
        "submitted",
        capabilities=["personalisation", "recommendation", "segmentation", "chatbot"],
        data_categories=["contact_details", "behavioural", "transactional", "location"],
        channels=["email", "web", "chat"],
        human_escalation="Type 'agent' at any time.",
    ).reviews.get()
    assert len(applicable_items(many)) > len(applicable_items(few))
    assert (
        page_queries(few, busy=False)
        == page_queries(many, busy=True)
        == REVIEW_PAGE_QUERIES[viewer]
    )
