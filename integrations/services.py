"""Every write of the integrations, audited: subscriptions kept (from the admin) and replays."""

from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from audit.services import audit_record

from .models import WebhookDelivery, WebhookSubscription
from .tasks import queue_deliveries

# What the trail keeps of a subscription: never its secret.
AUDITED_FIELDS = ("name", "url", "format", "event_types", "team", "role", "active")


def described(subscription: WebhookSubscription) -> dict[str, Any]:
    """The subscription as the trail records it."""
    return {
        field: str(getattr(subscription, field))
        if field == "team"
        else getattr(subscription, field)
        for field in AUDITED_FIELDS
    }


@transaction.atomic
def subscription_save(
    *, actor: User | None, subscription: WebhookSubscription, before: dict[str, Any] | None
) -> WebhookSubscription:
    """Save a new or changed subscription; `before` is what `described` said of it before the
    change (None: a new one)."""
    subscription.full_clean()
    subscription.save()
    after = described(subscription)
    changes = {
        field: [None if before is None else before[field], after[field]]
        for field in AUDITED_FIELDS
        if before is None or before[field] != after[field]
    }
    audit_record(
        actor=actor,
        action="created" if before is None else "changed",
        obj=subscription,
        object_ref=subscription.name,
        changes=changes,
    )
    return subscription


@transaction.atomic
def subscription_delete(*, actor: User | None, subscription: WebhookSubscription) -> None:
    audit_record(
        actor=actor,
        action="deleted",
        obj=subscription,
        object_ref=subscription.name,
        changes={field: [value, None] for field, value in described(subscription).items()},
    )
    subscription.delete()


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
