"""Webhook delivery: small idempotent tasks that take ids (the rules are in outbox.py)."""

from celery import shared_task

from common.outbox import queue_each

from . import outbox


@shared_task(acks_late=True)
def deliver_webhook(delivery_id: int) -> str:
    """Send one delivery after its action committed. Running it again sends nothing more once
    it succeeded; a failure is recorded and the sweep tries again with backoff."""
    return outbox.deliver(delivery_id)


@shared_task(acks_late=True)
def deliver_pending_webhooks() -> dict[str, int]:
    """The sweep (Celery beat, every minute): every delivery still due, whatever missed it."""
    return outbox.deliver_due()


def queue_deliveries(delivery_ids: list[int]) -> None:
    """Called after the commit; never fails the action: with the broker down the sweep sends
    them."""
    queue_each(deliver_webhook, delivery_ids, what="Webhook deliveries")
