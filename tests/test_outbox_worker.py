"""R7: a real Celery worker on Redis, killed with SIGKILL in the middle of a batch of e-mails,
then restarted: every e-mail is sent (0 lost) and no more are sent twice than were in flight.

The worker runs as another process on this test's database (PostgreSQL: the test commits its
rows), consuming a queue of its own, so that it never takes another test's tasks. Its e-mails go
to tests/outbox_mail.py, which writes each one's Message-ID to a file this test reads.
"""

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from config.celery import app
from council import outbox
from council.models import Notification
from council.tasks import deliver_notification, deliver_pending_notifications

E_MAILS = 200
KILL_AFTER = 50  # e-mails sent when the worker is killed: some, not all
LEASE_SECONDS = 2  # short, so that the e-mail in flight at the kill is due again quickly
SEND_SECONDS = 0.01  # each e-mail takes a moment, as with a mail server: the kill lands mid-send
DEADLINE_SECONDS = 60  # the whole test takes about 15 s; a hang fails it instead of blocking CI
IN_FLIGHT = 1  # the solo pool sends one e-mail at a time

pytestmark = [
    pytest.mark.skipif(
        not settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")),
        reason="R7 runs a worker on Redis: set CELERY_BROKER_URL=redis://... (CI does)",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def database_url() -> str:
    """This test's database, for the worker process."""
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        user, password = quote(db["USER"], safe=""), quote(db["PASSWORD"], safe="")
        return f"postgres://{user}:{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    if connection.vendor == "sqlite" and not connection.is_in_memory_db():
        return f"sqlite:///{db['NAME']}"
    pytest.skip("R7 needs a database another process can open: PostgreSQL (CI) or a SQLite file")


class Worker:
    """`celery worker --pool solo` in its own process, on its own queue."""

    def __init__(self, *, queue: str, env: dict[str, str], log: Path):
        self.queue, self.env, self.log = queue, env, log
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = [
            *(sys.executable, "-m", "celery", "-A", "config", "worker"),
            *("--pool", "solo", "--queues", self.queue, "--loglevel", "WARNING"),
            *("--hostname", f"{self.queue}@%h", "--without-gossip", "--without-mingle"),
        ]
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                command, cwd=settings.BASE_DIR, env=self.env, stdout=log, stderr=log
            )

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def wait_for(condition, *, until: float, what: str, worker: Worker) -> None:
    while not condition():
        if worker.process is not None and worker.process.poll() is not None:
            pytest.fail(f"the worker stopped; its log:\n{worker.log.read_text()}")
        if time.monotonic() > until:
            pytest.fail(f"timed out waiting for {what}; worker log:\n{worker.log.read_text()}")
        time.sleep(0.05)


def app_queue_empty(queue: str) -> bool:
    """No task waits in the queue (the one the worker runs has left it)."""
    with app.connection_for_write() as broker:
        return broker.default_channel.client.llen(queue) == 0


def forget_queue(queue: str) -> None:
    """Delete the queue and the tasks the killed worker had taken from it (Redis keeps them to
    give back after the visibility timeout, to a queue nobody reads any more)."""
    with app.connection_for_write() as broker:
        channel = broker.default_channel
        channel.queue_delete(queue)
        # Its exchange (named after it), which the worker bound to it.
        channel.client.delete(
            channel.keyprefix_queue % queue, channel.keyprefix_binding_permanent % queue
        )
        for tag, payload in channel.client.hgetall(channel.unacked_key).items():
            if json.loads(payload)[-1] == queue:  # [message, exchange, routing key]
                channel.client.hdel(channel.unacked_key, tag)
                channel.client.zrem(channel.unacked_index_key, tag)


@pytest.fixture
def real_broker():
    """Tasks go to the broker, not in-process (tests/conftest.py runs them in-process)."""
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = True


def test_r7_a_worker_killed_mid_batch_loses_no_email(real_broker, tmp_path, figure):
    until = time.monotonic() + DEADLINE_SECONDS
    queue = f"outbox-r7-{uuid.uuid4().hex[:12]}"
    sent_file = tmp_path / "sent.txt"
    env = {
        **os.environ,
        "DJANGO_DEBUG": "true",
        "CELERY_SKIP_CHECKS": "1",  # Django's checks run in the tests; each start costs seconds
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "EMAIL_BACKEND": "tests.outbox_mail.MessageIdFileBackend",
        "OUTBOX_TEST_MAIL_FILE": str(sent_file),
        "OUTBOX_TEST_SEND_SECONDS": str(SEND_SECONDS),
        "NOTIFICATION_EMAIL_LEASE_SECONDS": str(LEASE_SECONDS),
    }
    worker = Worker(queue=queue, env=env, log=tmp_path / "worker.log")

    def sent() -> list[str]:
        return sent_file.read_text().splitlines() if sent_file.exists() else []

    try:
        worker.start()  # it starts up while the e-mails are written
        people = get_user_model().objects.bulk_create(
            get_user_model()(username=f"r7-{n}", email=f"r7-{n}@example.com")
            for n in range(E_MAILS)
        )
        notifications = Notification.objects.bulk_create(
            Notification(user=person, kind="assigned", key=f"r7:{n}", subject=f"Review {n}")
            for n, person in enumerate(people)
        )
        # As notify() does after the commit: one task per e-mail (here on the worker's queue).
        with app.producer_or_acquire() as producer:
            for notification in notifications:
                deliver_notification.apply_async((notification.pk,), queue=queue, producer=producer)
        wait_for(lambda: len(sent()) >= KILL_AFTER, until=until, what="sending", worker=worker)
        worker.kill()
        sent_at_kill = len(sent())
        assert sent_at_kill < E_MAILS, "the worker finished before the kill: send more e-mails"

        # Restarted, it sends what is left in the queue. What the killed worker had taken from
        # Redis (the e-mail in flight, the prefetched tasks) waits for the sweep, which sends
        # it once the lease of the e-mail in flight has run out.
        worker.start()
        leases_end = Notification.objects.filter(emailed_at=None).values_list(
            "email_claimed_until", flat=True
        )
        last_lease = max((end for end in leases_end if end is not None), default=timezone.now())
        wait_for(lambda: timezone.now() > last_lease, until=until, what="the lease", worker=worker)
        undelivered = Notification.objects.filter(emailed_at=None)
        while undelivered.exists():
            deliver_pending_notifications.apply_async(queue=queue)
            wait_for(
                lambda: not undelivered.exists() or app_queue_empty(queue),
                until=until,
                what="the sweep",
                worker=worker,
            )
    finally:
        worker.kill()
        forget_queue(queue)

    lines = sent()
    lost = {outbox.message_id(n) for n in notifications} - set(lines)
    duplicates = len(lines) - len(set(lines))
    figure(
        "R7",
        f"{E_MAILS} e-mails, worker SIGKILLed after {sent_at_kill} sent, restarted + sweep:"
        f" {len(lost)} lost, {duplicates} duplicate(s) (in flight at the kill: {IN_FLIGHT})",
    )
    assert lost == set()
    assert duplicates <= IN_FLIGHT
    assert not Notification.objects.filter(emailed_at=None).exists()
