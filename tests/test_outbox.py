"""The notification outbox (council/outbox.py): every e-mail sent at least once, the same
Message-ID on every attempt, and a broker that is down never fails the action."""

import time
from datetime import timedelta
from io import StringIO
from smtplib import SMTPServerDisconnected

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.mail import EmailMessage
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from common.outbox import broker_pause
from config.celery import app
from council import outbox
from council.models import Notification
from council.notifications import notify
from council.tasks import deliver_pending_notifications
from usecases.models import UseCase

# Nothing listens here: connecting is refused at once, as when Redis is down.
CLOSED_PORT_BROKER = "redis://127.0.0.1:1/0"


class Killed(BaseException):
    """What a worker killed in the middle of sending leaves behind: nothing runs after it."""


def message_ids():
    return [message.message()["Message-ID"] for message in mail.outbox]


@pytest.fixture
def broker_down(monkeypatch):
    """Tasks are published to a broker nobody answers, as in production with Redis down."""
    monkeypatch.setattr(broker_pause, "failed_at", float("-inf"))  # restored after the test
    conf = app.conf
    saved = conf.broker_url, conf.broker_write_url, conf.task_always_eager
    conf.broker_url = conf.broker_write_url = CLOSED_PORT_BROKER
    conf.task_always_eager = False
    app._after_fork()  # drop the pooled connections to the previous broker
    yield
    conf.broker_url, conf.broker_write_url, conf.task_always_eager = saved
    app._after_fork()


@pytest.fixture
def mail_server_down(monkeypatch):
    def refuse(message):
        raise SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr(EmailMessage, "send", refuse)
    return monkeypatch


# Transactional: the e-mails are queued when the submission really commits, inside the request
# (serialized_rollback: content types and permissions are there whichever test ran before).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_with_the_broker_down_the_action_succeeds_and_the_sweep_sends_later(
    broker_down, make_use_case, council, alice, caplog
):
    use_case = make_use_case("draft")
    client = Client(raise_request_exception=False)
    client.force_login(alice)
    started = time.monotonic()
    response = client.post(reverse("usecases:submit", args=[use_case.pk]))
    assert response.status_code == 302
    assert time.monotonic() - started < 5  # one refused try, not a wait per e-mail
    # Each reviewer was notified by a notify() of its own, but the broker was tried once.
    not_queued = [r for r in caplog.records if "not queued" in r.getMessage()]
    assert len(not_queued) == 1 and broker_pause.paused()
    assert UseCase.objects.get(pk=use_case.pk).state == "in_review"
    waiting = Notification.objects.filter(kind="assigned")
    reviewers = {n.user.email for n in waiting.select_related("user")}
    assert len(reviewers) >= 4 and not waiting.exclude(emailed_at=None).exists()
    assert mail.outbox == []

    assert outbox.deliver_due() == {"sent": len(reviewers)}
    assert {address for message in mail.outbox for address in message.to} == reviewers
    assert not waiting.filter(emailed_at=None).exists()
    assert outbox.deliver_due() == {}  # sent once


def test_a_sender_killed_while_sending_leaves_the_email_to_send_again(alice, monkeypatch):
    [notification] = notify(users=[alice], kind="assigned", key="killed", subject="Review")

    def killed(message):
        raise Killed

    monkeypatch.setattr(EmailMessage, "send", killed)
    with pytest.raises(Killed):
        outbox.deliver(notification.pk)
    notification.refresh_from_db()
    assert notification.emailed_at is None and notification.email_attempts == 1
    assert outbox.deliver(notification.pk) == "not due"  # its lease holds: one sender at a time
    monkeypatch.undo()

    with time_machine.travel(timezone.now() + outbox.lease_duration() + timedelta(seconds=1)):
        assert outbox.deliver_due() == {"sent": 1}
    assert message_ids() == [outbox.message_id(notification)]
    assert outbox.deliver(notification.pk) == "already sent"


def test_a_repeat_carries_the_same_message_id_so_receivers_drop_it(alice, bob):
    first, other = (
        notify(users=[user], kind="assigned", key="assigned:review:7", subject="Review")[0]
        for user in (alice, bob)
    )
    assert outbox.deliver(first.pk) == "sent"
    # Killed after the mail server took it, before recording it: it is sent again.
    Notification.objects.filter(pk=first.pk).update(emailed_at=None)
    assert outbox.deliver(first.pk) == "sent"
    assert outbox.deliver(other.pk) == "sent"
    repeated, again, others = message_ids()
    assert repeated == again != others
    assert repeated.startswith("<notification.") and repeated.endswith("@localhost>")
    assert mail.outbox[0].subject == "[AI Council] Review" and mail.outbox[0].to == [alice.email]


def test_a_failing_mail_server_is_tried_with_backoff_then_given_up(
    alice, settings, mail_server_down
):
    settings.NOTIFICATION_EMAIL_MAX_ATTEMPTS = 3
    [notification] = notify(users=[alice], kind="assigned", key="smtp", subject="Review")
    start = timezone.now()

    def at(seconds):
        return time_machine.travel(start + timedelta(seconds=seconds), tick=False)

    with at(0):
        assert outbox.deliver(notification.pk) == "will retry"
    notification.refresh_from_db()
    assert notification.email_claimed_until == start + timedelta(minutes=1)
    assert "Connection unexpectedly closed" in notification.email_last_error
    with at(59):
        assert outbox.deliver_due() == {}  # backing off
    with at(60):
        assert outbox.deliver_due() == {"will retry": 1}
    with at(60 + 119):
        assert outbox.deliver_due() == {}  # twice as long
    with at(60 + 120):
        assert outbox.deliver_due() == {"failed": 1}
    with at(24 * 3600):
        assert outbox.deliver_due() == {}  # given up: never sent by itself
    notification.refresh_from_db()
    assert notification.email_failed_at is not None and notification.email_attempts == 3

    mail_server_down.undo()
    assert outbox.give_another_try(Notification.objects.all()) == 1
    assert deliver_pending_notifications.delay().get() == {"sent": 1}
    assert len(mail.outbox) == 1


def test_a_person_without_an_address_is_marked_failed_not_retried(alice):
    get_user_model().objects.filter(pk=alice.pk).update(email="")
    [notification] = notify(users=[alice], kind="assigned", key="no-address", subject="Review")
    assert outbox.deliver(notification.pk) == "no address"
    notification.refresh_from_db()
    assert notification.email_failed_at is not None
    assert notification.email_last_error == "no e-mail address"
    assert outbox.deliver_due() == {} and mail.outbox == []


def test_the_command_runs_the_sweep(alice, bob):
    # Not sent yet: this test's transaction never commits, as if the broker had been down.
    notify(users=[alice, bob], kind="assigned", key="by-hand", subject="Review")
    call_command("deliver_notifications", stdout=(out := StringIO()))
    assert out.getvalue().strip() == "2 sent"
    call_command("deliver_notifications", stdout=(out := StringIO()))
    assert out.getvalue().strip() == "nothing to send"


def test_the_admin_lists_failed_emails_and_sends_them_again(
    client, settings, alice, bob, mail_server_down
):
    failed, sent = (
        notify(users=[user], kind="assigned", key=f"admin:{user.pk}", subject=f"For {user}")[0]
        for user in (alice, bob)
    )
    settings.NOTIFICATION_EMAIL_MAX_ATTEMPTS = 1
    assert outbox.deliver(failed.pk) == "failed"
    mail_server_down.undo()
    assert outbox.deliver(sent.pk) == "sent"

    root = get_user_model().objects.create_superuser("root", "root@example.com", "pw-root-123")
    client.force_login(root)
    page = client.get("/admin/council/notification/?email=failed").content.decode()
    assert f"For {alice}" in page and f"For {bob}" not in page
    response = client.post(
        "/admin/council/notification/",
        {"action": "send_again", "_selected_action": [failed.pk, sent.pk]},
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(
        object_type="council.notification", object_id=str(failed.pk), actor=root
    ).exists()
    assert outbox.deliver_due() == {"sent": 1}
    assert [message.to for message in mail.outbox] == [[bob.email], [alice.email]]


def test_who_may_only_view_notifications_cannot_send_them_again(client, alice):
    [failed] = notify(users=[alice], kind="assigned", key="viewer", subject="Review")
    Notification.objects.filter(pk=failed.pk).update(
        email_failed_at=timezone.now(), email_attempts=1
    )
    viewer = get_user_model().objects.create_user("viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_notification"))
    client.force_login(viewer)
    assert client.get("/admin/council/notification/?email=failed").status_code == 200
    client.post(
        "/admin/council/notification/", {"action": "send_again", "_selected_action": [failed.pk]}
    )
    assert outbox.deliver_due() == {} and mail.outbox == []
