"""Creating notifications: in-app rows now, e-mails by a Celery task after the commit.

Each row is also the e-mail's outbox entry (council/outbox.py): if the task cannot be queued, the
action still succeeds and the sweep sends the e-mail.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial

from django.db import IntegrityError, transaction
from django.utils import timezone

from common.outbox import queue_each

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
    if created:
        # After commit: a rolled-back action must not e-mail anyone, and the worker must see the row.
        transaction.on_commit(partial(_queue_delivery, [n.pk for n in created]))
    return created


@dataclass(frozen=True)
class Notice:
    """One event to tell several people, as `notify`'s arguments (the people by their ids)."""

    user_ids: Iterable[int | None]
    kind: str
    key: str
    subject: str
    body: str = ""
    url: str = ""


# Keys looked up in one query: within SQLite's smallest limit of parameters in a statement.
KEYS_PER_QUERY = 900


def notify_many(notices: Iterable[Notice]) -> list[int]:
    """As `notify` for many events at once, in a few queries whatever their number (a daily
    job's reminders): each user once per key, the rows written in bulk, their e-mails queued
    after the commit in one go. The ids of the notifications written."""
    rows = list(_rows_by_key(notices).values())
    created: list[int] = []
    with transaction.atomic():
        for start in range(0, len(rows), KEYS_PER_QUERY):
            created += _insert_new(rows[start : start + KEYS_PER_QUERY])
        if created:
            transaction.on_commit(partial(_queue_delivery, created))
    return created


def _rows_by_key(notices: Iterable[Notice]) -> dict[str, Notification]:
    rows: dict[str, Notification] = {}
    for notice in notices:
        for user_id in {pk for pk in notice.user_ids if pk is not None}:
            key = f"{notice.key}:user:{user_id}"
            rows.setdefault(
                key,
                Notification(
                    user_id=user_id,
                    kind=notice.kind,
                    key=key,
                    subject=notice.subject,
                    body=notice.body,
                    url=notice.url,
                ),
            )
    return rows


def _insert_new(rows: Sequence[Notification]) -> list[int]:
    """Write the rows whose key is new; the ids written."""
    told = set(
        Notification.objects.filter(key__in=[row.key for row in rows]).values_list("key", flat=True)
    )
    new_keys = [row.key for row in rows if row.key not in told]
    if not new_keys:
        return []
    # A run at the same time may write some of the keys first: they stay one row each. (Its
    # rows read back below are queued twice at most: a sent e-mail is never sent again.)
    Notification.objects.bulk_create(
        [row for row in rows if row.key not in told], ignore_conflicts=True
    )
    return list(
        Notification.objects.filter(key__in=new_keys).order_by("pk").values_list("pk", flat=True)
    )


def _queue_delivery(notification_ids: list[int]) -> None:
    """Never fails the committed action: with the broker down, the sweep sends the e-mails."""
    queue_each(deliver_notification, notification_ids, what="Notification e-mails")


def unread_count(user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at=None).count()


def mark_read(*, user, notification_ids=None) -> int:
    unread = Notification.objects.filter(user=user, read_at=None)
    if notification_ids is not None:
        unread = unread.filter(pk__in=notification_ids)
    return unread.update(read_at=timezone.now())
