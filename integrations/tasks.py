"""Webhook delivery: small idempotent tasks that take ids (the rules are in outbox.py)."""

from celery import shared_task

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
    """Called after the commit; with the broker down the sweep sends them: never fails the
    action that committed."""
    for delivery_id in delivery_ids:
        try:
            deliver_webhook.delay(delivery_id)
        except Exception:  # noqa: BLE001  whatever failed, the sweep sends what was not queued
            return
