import time
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import workflows
from config.celery import app
from council.models import Notification
from council.notifications import mark_read, notify, unread_count
from council.tasks import deliver_notification
from reviews.notifications import remind_due_votes_and_conditions
from usecases.models import UseCase

from .reviews_support import reviewer_for, send_back_for_changes


def test_assigned_reviewers_are_notified_in_the_app_and_by_email(
    make_use_case, council, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        use_case = make_use_case("submitted")
    review = use_case.reviews.get()
    privacy = reviewer_for(review, "privacy")
    notification = Notification.objects.get(user=privacy, kind="assigned")
    assert use_case.reference in notification.subject
    assert notification.url == f"/reviews/{review.pk}/"
    assert notification.emailed_at is not None
    assert any(
        privacy.email in message.to and use_case.reference in message.subject
        for message in mail.outbox
    )


def test_a_decision_reaches_the_submitter_and_the_business_owner(
    make_use_case, council, alice, owner
):
    review = make_use_case("submitted").reviews.get()
    send_back_for_changes(review, reasons="DPA")  # every required role votes, legal for changes
    kinds = set(
        Notification.objects.filter(user__in=[alice, owner]).values_list("user__username", "kind")
    )
    assert kinds == {("alice", "changes_requested"), (owner.username, "changes_requested")}


def test_the_same_event_notifies_once_and_emails_once(alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            users=[alice, alice],
            kind="assigned",
            key="assigned:review:1:rev:1:role:legal",
            subject="S",
        )
        notify(
            users=[alice], kind="assigned", key="assigned:review:1:rev:1:role:legal", subject="S"
        )
    notification = Notification.objects.get()
    assert deliver_notification(notification.pk) == "already sent"
    assert len(mail.outbox) == 1


def test_nothing_is_sent_when_the_action_rolls_back(alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                notify(users=[alice], kind="assigned", key="k", subject="S")
                raise RuntimeError("the action failed")
        except RuntimeError:
            pass
    assert callbacks == []
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_reminders_for_votes_due_soon_and_overdue_and_conditions_due(make_use_case, council, owner):
    review = make_use_case("submitted").reviews.get()
    workflows.vote_cast(actor=reviewer_for(review, "privacy"), review=review, choice="approve")
    due = review.due_date
    assert remind_due_votes_and_conditions(today=due - timedelta(days=20)) == 0
    soon = remind_due_votes_and_conditions(today=due - timedelta(days=1))
    assert soon == 3  # everyone but privacy, who voted
    assert remind_due_votes_and_conditions(today=due - timedelta(days=1)) == 0  # idempotent
    assert remind_due_votes_and_conditions(today=due + timedelta(days=1)) == 3
    assert (
        remind_due_votes_and_conditions(today=due + timedelta(days=2)) == 3
    )  # daily while overdue
    assert not Notification.objects.filter(
        user=reviewer_for(review, "privacy"), kind__startswith="vote"
    ).exists()


def test_the_unread_count_and_mark_read(alice, client):
    notify(users=[alice], kind="assigned", key="a", subject="One")
    notify(users=[alice], kind="assigned", key="b", subject="Two")
    assert unread_count(alice) == 2
    mark_read(user=alice, notification_ids=[Notification.objects.first().pk])
    assert unread_count(alice) == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_delivers_through_the_configured_broker(alice, settings):
    """Runs one task through a real Celery worker: Redis in CI, the in-memory broker locally."""
    app.conf.task_always_eager = False
    notification = Notification.objects.create(
        user=alice, kind="assigned", key="worker-test", subject="Hello"
    )
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        deliver_notification.delay(notification.pk)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            notification.refresh_from_db()
            if notification.emailed_at:
                break
            time.sleep(0.2)
    assert notification.emailed_at is not None
    assert [message.subject for message in mail.outbox] == ["[AI Council] Hello"]
    assert notification.emailed_at <= timezone.now()


def test_the_notifications_page_lists_mine_only_and_marks_read(client, alice, bob):
    notify(
        users=[alice], kind="assigned", key="mine", subject="Review UC-2026-0001", url="/reviews/1/"
    )
    notify(users=[bob], kind="assigned", key="bobs", subject="Bob's own")
    client.force_login(alice)
    page = client.get("/notifications/").content.decode()
    assert "Review UC-2026-0001" in page and "Bob&#x27;s own" not in page and "1 unread" in page
    client.post("/notifications/", {"all": "1"})
    assert "0 unread" in client.get("/notifications/").content.decode()
    assert Notification.objects.get(user=bob).read_at is None


# The notifications page's queries, pinned: a change shows here.
PAGE_QUERIES = 8


def test_the_notifications_page_runs_constant_queries(client, alice):
    client.force_login(alice)

    def count():
        with CaptureQueriesContext(connection) as context:
            client.get("/notifications/")
        return len(context)

    notify(users=[alice], kind="assigned", key="first", subject="One")
    count()  # warm the per-process caches (content types)
    few = count()
    for n in range(20):
        notify(users=[alice], kind="assigned", key=f"more-{n}", subject=f"Number {n}")
    assert count() == few == PAGE_QUERIES


def test_a_new_revision_asks_every_reviewer_to_vote_again(make_use_case, council, alice):
    review = make_use_case("submitted").reviews.get()
    send_back_for_changes(review, reasons="DPA")

    use_case = UseCase.objects.get(pk=review.use_case_id)
    workflows.usecase_submit(actor=alice, use_case=use_case)
    legal = reviewer_for(review, "legal")
    assert Notification.objects.filter(user=legal, kind="assigned").count() == 2


def test_the_daily_jobs_and_the_email_sweep_are_scheduled_and_registered():
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert tasks == {
        "council.tasks.send_review_reminders",
        "council.tasks.registry_rereview_sweep",
        "registry.tasks.vendor_lapse_sweep",
        "council.tasks.deliver_pending_notifications",
        "audit.tasks.write_checkpoint",
        "integrations.tasks.deliver_pending_webhooks",
    }
    assert settings.CELERY_BEAT_SCHEDULE["notification-emails"]["schedule"] == 60.0
    assert settings.CELERY_BEAT_SCHEDULE["webhook-deliveries"]["schedule"] == 60.0
    app.loader.import_default_modules()
    assert tasks <= set(app.tasks)
