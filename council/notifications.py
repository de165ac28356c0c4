"""Creating notifications: in-app rows now, e-mails by a Celery task after the commit.

Each row is also the e-mail's outbox entry (council/outbox.py): if the task cannot be queued, the
action still succeeds and the sweep sends the e-mail.
"""

import logging
import time
from collections.abc import Iterable
from functools import partial

from django.db import IntegrityError, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from .models import Notification
from .tasks import deliver_notification

logger = logging.getLogger(__name__)


class BrokerPause:
    """After the broker failed, queueing is skipped for a while: the sweep sends those e-mails,
    and the actions that follow do not each wait for a broker that is down (per process)."""

    seconds = 30.0
    failed_at = float("-inf")

    def paused(self) -> bool:
        return time.monotonic() - self.failed_at < self.seconds

    def failed(self) -> None:
        self.failed_at = time.monotonic()


broker_pause = BrokerPause()


def notify(
    *, users: Iterable, kind: str, key: str, subject: str, body: str = "", url: str = ""
) -> list[Notification]:
    """Notify each user once per key (the key names the event, e.g. 'assigned:review:4:role:legal')."""
    created = []
    for user in {u.pk: u for u in users if u is not None}.values():
        try:
            with transaction.atomic():
                notification = Notification.objects.create(
                    user=user,
                    kind=kind,
                    key=f"{key}:user:{user.pk}",
                    subject=subject,
                    body=body,
                    url=url,
                )
        except IntegrityError:
            continue  # already notified of this event
        created.append(notification)
    if created:
        # After commit: a rolled-back action must not e-mail anyone, and the worker must see the row.
        transaction.on_commit(partial(_queue_delivery, [n.pk for n in created]))
    return created


def _queue_delivery(notification_ids: list[int]) -> None:
    """Never fails the committed action: with the broker down, the sweep sends the e-mails."""
    if broker_pause.paused():
        logger.info("Notification e-mails %s left to the sweep (broker down)", notification_ids)
        return
    for queued, notification_id in enumerate(notification_ids):
        try:
            deliver_notification.delay(notification_id)
        except OperationalError as error:  # the broker refused or timed out
            broker_pause.failed()
            logger.warning(
                "Notification e-mails %s not queued (%r): the sweep will send them",
                notification_ids[queued:],
                error,
            )
            return
        except Exception:  # the action committed: whatever failed here, the sweep sends it
            logger.exception("Notification e-mail %s not queued", notification_id)


def unread_count(user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at=None).count()


def mark_read(*, user, notification_ids=None) -> int:
    unread = Notification.objects.filter(user=user, read_at=None)
    if notification_ids is not None:
        unread = unread.filter(pk__in=notification_ids)
    return unread.update(read_at=timezone.now())
