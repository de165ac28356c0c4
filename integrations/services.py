"""Every write of the integrations, audited: replays (subscriptions are kept in the admin,
whose changes the admin audits, integrations/admin.py)."""

from django.contrib.auth.models import User
from django.db import transaction

from audit.services import audit_record

from .models import WebhookDelivery
from .tasks import queue_deliveries


@transaction.atomic
def replay(*, actor: User | None, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send an event to its subscriber again: a new delivery of the same event (same id), with
    its own log, queued after the commit."""
    again = WebhookDelivery.objects.create(
        subscription=delivery.subscription,
        event_id=delivery.event_id,
        event_type=delivery.event_type,
        payload=delivery.payload,
        replay_of=delivery.replay_of or delivery,
    )
    audit_record(
        actor=actor,
        action="webhook_replayed",
        obj=again,
        object_ref=str(delivery.event_id),
        changes={"replay_of": [None, delivery.pk]},
    )
    transaction.on_commit(lambda: queue_deliveries([again.pk]))
    return again
