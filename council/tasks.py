"""Notification delivery: small idempotent tasks that take ids (the rules are in council/outbox.py)."""

from celery import shared_task

from . import outbox


@shared_task(acks_late=True)
def deliver_notification(notification_id: int) -> str:
    """E-mail a notification after its action committed. Running it again sends nothing more;
    a failure is recorded on the notification and the sweep tries again with backoff."""
    return outbox.deliver(notification_id)


@shared_task(acks_late=True)
def deliver_pending_notifications() -> dict[str, int]:
    """The sweep (Celery beat, every minute): every e-mail still due, whatever missed it."""
    return outbox.deliver_due()
