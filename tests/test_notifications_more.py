"""Who hears of a review opened, a question to the team, a rejected checklist answer, a condition
due or overdue, and a condition marked met: each once, in the app and by e-mail, never the
person who acted, and nobody when the action rolled back."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction

import workflows
from council.models import Notification
from demo import scenarios
from reviews import services
from reviews.models import ChecklistAnswer, Condition
from reviews.notifications import remind_due_votes_and_conditions

from .reviews_support import EVIDENCE, item_of, reviewer_for


def told(kind, **filters):
    """username -> how many notifications of the kind they have."""
    counts = {}
    for username in Notification.objects.filter(kind=kind, **filters).values_list(
        "user__username", flat=True
    ):
        counts[username] = counts.get(username, 0) + 1
    return counts


def emailed(user, text):
    return sum(1 for message in mail.outbox if user.email in message.to and text in message.subject)


class Rollback(Exception):
    pass


def rolled_back(action):
    try:
        with transaction.atomic():
            action()
            raise Rollback
    except Rollback:
        pass


# ---- review opened -------------------------------------------------------------------------------


def test_opening_a_review_tells_each_assigned_reviewer_once_by_app_and_email(
    make_use_case, council, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        use_case = make_use_case("submitted")
    review = use_case.reviews.get()
    seated = [a.reviewer for a in review.assignments.filter(recused=False)]
    assert told("assigned") == {user.username: 1 for user in seated}
    assert "alice" not in told("assigned")  # the submitter acted: not told
    for user in seated:
        assert emailed(user, use_case.reference) == 1
    assert emailed(alice, use_case.reference) == 0


def test_no_reviewer_hears_of_a_submission_that_rolled_back(
    make_use_case, council, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        rolled_back(lambda: make_use_case("submitted"))
    assert not Notification.objects.exists()
    assert mail.outbox == []


# ---- a question to the team ----------------------------------------------------------------------


def test_a_question_reaches_the_team_and_the_business_owner_once(
    review, alice, bob, owner, charlie, django_capture_on_commit_callbacks
):
    legal = reviewer_for(review, "legal")
    with django_capture_on_commit_callbacks(execute=True):
        comment = services.comment_add(
            actor=legal, review=review, body="Which DPA covers the vendor?", is_question=True
        )
    assert told("question_to_team") == {"alice": 1, "bob": 1, owner.username: 1}
    notification = Notification.objects.get(kind="question_to_team", user=alice)
    assert notification.url == f"/reviews/{review.pk}/#comment-{comment.pk}"
    assert "Which DPA covers the vendor?" in notification.body
    for user in (alice, bob, owner):
        assert emailed(user, "a question from the council") == 1
    assert emailed(legal, "a question") == 0 and emailed(charlie, "a question") == 0


def test_a_plain_comment_or_a_question_from_the_team_tells_the_team_nothing(review, alice):
    legal = reviewer_for(review, "legal")
    services.comment_add(actor=legal, review=review, body="Looks fine so far.")
    services.comment_add(actor=alice, review=review, body="Shall we add a DPA?", is_question=True)
    assert told("question_to_team") == {}


def test_a_question_that_rolled_back_tells_nobody(review, django_capture_on_commit_callbacks):
    legal = reviewer_for(review, "legal")
    with django_capture_on_commit_callbacks(execute=True):
        rolled_back(
            lambda: services.comment_add(actor=legal, review=review, body="Q?", is_question=True)
        )
    assert told("question_to_team") == {}
    assert mail.outbox == []


# ---- a rejected checklist answer -----------------------------------------------------------------


def answer(review, item, actor):
    services.checklist_answer(
        actor=actor, review=review, item_id=item.pk, answer="yes", evidence=EVIDENCE
    )


def test_a_rejected_answer_reaches_who_answered_it_and_the_team_not_the_reviewer(
    review, alice, bob, owner, django_capture_on_commit_callbacks
):
    item = item_of(review, "privacy")
    answer(review, item, owner)  # the business owner answered it
    privacy = reviewer_for(review, "privacy")
    with django_capture_on_commit_callbacks(execute=True):
        workflows.checklist_verify(
            actor=privacy, review=review, item_id=item.pk, verdict="rejected", comment="No DPIA"
        )
    assert told("answer_rejected") == {"alice": 1, "bob": 1, owner.username: 1}
    notification = Notification.objects.get(kind="answer_rejected", user=owner)
    assert item.code in notification.subject and "No DPIA" in notification.body
    assert notification.url == f"/reviews/{review.pk}/#checklist"
    assert emailed(owner, f"{item.code} rejected") == 1
    assert emailed(privacy, "rejected") == 0


def test_a_rejection_is_told_once_per_answer_and_again_after_a_new_answer(review, alice):
    item = item_of(review, "privacy")
    privacy = reviewer_for(review, "privacy")

    def reject():
        workflows.checklist_verify(
            actor=privacy, review=review, item_id=item.pk, verdict="rejected", comment="No DPIA"
        )

    answer(review, item, alice)
    reject()
    reject()  # the same answer rejected again: nothing new to say
    assert told("answer_rejected", user=alice) == {"alice": 1}
    answer(review, item, alice)
    reject()
    assert told("answer_rejected", user=alice) == {"alice": 2}


def test_a_verified_answer_or_a_rolled_back_rejection_tells_nobody(
    review, alice, django_capture_on_commit_callbacks
):
    item = item_of(review, "privacy")
    privacy = reviewer_for(review, "privacy")
    answer(review, item, alice)
    workflows.checklist_verify(actor=privacy, review=review, item_id=item.pk, verdict="verified")
    answer(review, item, alice)
    with django_capture_on_commit_callbacks(execute=True):
        rolled_back(
            lambda: workflows.checklist_verify(
                actor=privacy, review=review, item_id=item.pk, verdict="rejected", comment="No"
            )
        )
    assert told("answer_rejected") == {}
    assert ChecklistAnswer.objects.get(review=review, item=item).verdict == ""


# ---- conditions ----------------------------------------------------------------------------------


@pytest.fixture
def condition(review, alice):
    due = review.due_date + timedelta(days=30)
    scenarios.approve(
        review,
        answered_by=alice,
        conditions=[{"text": "Run a bias test", "blocking": True, "due_date": due}],
    )
    return Condition.objects.get(review=review)


def test_a_condition_is_told_once_due_soon_and_once_overdue(condition, alice, bob, owner):
    Notification.objects.all().delete()
    due = condition.due_date
    everyone = {"alice": 1, "bob": 1, owner.username: 1}
    assert remind_due_votes_and_conditions(today=due - timedelta(days=8)) == 0
    assert remind_due_votes_and_conditions(today=due - timedelta(days=7)) == 3
    assert remind_due_votes_and_conditions(today=due - timedelta(days=3)) == 0  # not daily
    assert remind_due_votes_and_conditions(today=due) == 0  # due today is not overdue yet
    assert told("condition_due") == everyone
    assert remind_due_votes_and_conditions(today=due + timedelta(days=1)) == 3
    assert remind_due_votes_and_conditions(today=due + timedelta(days=9)) == 0
    assert told("condition_overdue") == everyone
    overdue = Notification.objects.get(kind="condition_overdue", user=owner)
    assert "Run a bias test" in overdue.body and "blocks go-live" in overdue.body
    assert overdue.url == f"/reviews/{condition.review_id}/#conditions"


def test_a_condition_met_or_waived_is_no_longer_reminded(condition, alice):
    services.condition_meet(actor=alice, condition=condition, evidence="Bias report v1")
    Notification.objects.all().delete()
    due = condition.due_date
    assert remind_due_votes_and_conditions(today=due - timedelta(days=1)) == 0
    assert remind_due_votes_and_conditions(today=due + timedelta(days=1)) == 0


def test_a_condition_marked_met_asks_the_role_that_set_it_to_check(
    condition, alice, owner, django_capture_on_commit_callbacks
):
    privacy = reviewer_for(condition.review, "privacy")  # privacy's vote set the condition
    Notification.objects.all().delete()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.condition_meet(actor=alice, condition=condition, evidence="Bias report v1")
    assert told("condition_marked_met") == {privacy.username: 1}
    notification = Notification.objects.get(kind="condition_marked_met")
    assert "Bias report v1" in notification.body
    assert emailed(privacy, "awaits your confirmation") == 1
    assert emailed(alice, "awaits your confirmation") == 0
    assert emailed(owner, "awaits your confirmation") == 0


def test_a_condition_marked_met_in_a_rolled_back_action_tells_nobody(
    condition, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        rolled_back(
            lambda: services.condition_meet(actor=alice, condition=condition, evidence="Report")
        )
    assert told("condition_marked_met") == {}
