"""Creating notifications: in-app rows now, e-mails by a Celery task after the commit."""

from collections.abc import Iterable
from functools import partial

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import Notification
from .tasks import deliver_notification


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
        # After commit: a rolled-back action must not e-mail anyone, and the worker must see the row.
        transaction.on_commit(partial(_queue_delivery, notification.pk))
    return created


def _queue_delivery(notification_id: int) -> None:
    deliver_notification.delay(notification_id)


def unread_count(user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at=None).count()


def mark_read(*, user, notification_ids=None) -> int:
    unread = Notification.objects.filter(user=user, read_at=None)
    if notification_ids is not None:
        unread = unread.filter(pk__in=notification_ids)
    return unread.update(read_at=timezone.now())
