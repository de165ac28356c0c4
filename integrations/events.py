"""Audit events become webhook events: the trail already records every step once, so a step
that subscribers care about is found there, never announced a second time by the code that took
it. Each audit event of a kind in `EVENT_OF_ACTION` is turned into one webhook event and one
delivery per subscriber that wants it, written in the action's own transaction (the outbox,
`integrations.outbox`), and queued for sending after the commit."""

import uuid
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.dispatch import receiver
from django.urls import reverse

from audit.hooks import event_recorded
from audit.models import AuditEvent
from council.models import CouncilRole
from reviews.models import Review
from usecases.models import UseCase

from .models import EventType, WebhookDelivery, WebhookSubscription
from .tasks import queue_deliveries

USE_CASE, REVIEW, ENTRY = "usecases.usecase", "reviews.review", "registry.deployment"

EVENT_OF_ACTION: dict[tuple[str, str], str] = {
    (USE_CASE, "submitted"): EventType.USE_CASE_SUBMITTED,
    (REVIEW, "reviewer_assigned"): EventType.REVIEW_ASSIGNED,
    (REVIEW, "verifier_assigned"): EventType.REVIEW_ASSIGNED,
    (REVIEW, "review_decided"): EventType.REVIEW_DECIDED,
    (REVIEW, "chair_decision"): EventType.REVIEW_DECIDED,
    (ENTRY, "created"): EventType.REGISTRY_CHANGED,
    (ENTRY, "changed"): EventType.REGISTRY_CHANGED,
    (ENTRY, "stage_changed"): EventType.REGISTRY_CHANGED,
    (ENTRY, "incident_reported"): EventType.INCIDENT_REPORTED,
    (ENTRY, "complaint_received"): EventType.COMPLAINT_RECEIVED,
}
# The path from a use case to the object of each kind of event.
_USE_CASE_OF = {USE_CASE: "pk", REVIEW: "reviews__pk", ENTRY: "deployments__pk"}
_PAGE_OF = {USE_CASE: "usecases:detail", REVIEW: "reviews:detail", ENTRY: "registry:detail"}
# What of an event's changes its payload carries (the values after), by event type: never free
# text a customer or a team wrote.
_DATA_KEYS: dict[str, tuple[str, ...]] = {
    EventType.REVIEW_ASSIGNED: ("role", "reviewer"),
    EventType.REVIEW_DECIDED: ("outcome", "by_chair"),
    EventType.REGISTRY_CHANGED: ("stage",),
    EventType.INCIDENT_REPORTED: ("incident",),
    EventType.COMPLAINT_RECEIVED: ("complaint",),
}
ROLE_LABELS = dict(CouncilRole.choices)


@receiver(event_recorded, sender=AuditEvent)
def event_to_subscribers(sender: type, event: AuditEvent, **kwargs: Any) -> None:
    event_type = EVENT_OF_ACTION.get((event.object_type, event.action))
    if event_type is None:
        return
    subscriptions = [
        s for s in WebhookSubscription.objects.filter(active=True) if wants(s, event_type)
    ]
    if not subscriptions:
        return
    payload = webhook_event(event, event_type)
    receivers = [s for s in subscriptions if concerns(s, payload)]
    created = [
        WebhookDelivery.objects.create(
            subscription=subscription,
            event_id=payload["id"],
            event_type=event_type,
            payload=payload,
        ).pk
        for subscription in receivers
    ]
    if created:
        transaction.on_commit(partial(queue_deliveries, created))


def wants(subscription: WebhookSubscription, event_type: str) -> bool:
    return not subscription.event_types or event_type in subscription.event_types


def concerns(subscription: WebhookSubscription, payload: dict[str, Any]) -> bool:
    """The subscription's team and role, when it names them, are the event's."""
    team_ok = subscription.team_id is None or subscription.team_id == payload["use_case"]["team_id"]
    role_ok = not subscription.role or subscription.role in payload["roles"]
    return team_ok and role_ok


def webhook_event(event: AuditEvent, event_type: str) -> dict[str, Any]:
    """The event as subscribers read it: what happened, to which use case, and a link."""
    use_case: dict[str, Any] = dict(
        UseCase.objects.filter(**{_USE_CASE_OF[event.object_type]: event.object_id})
        .values("pk", "reference", "title", "confidential", "team_id", "team__name")
        .first()
        or {}
    )
    changes = event.changes or {}
    after = {key: value[1] for key, value in changes.items() if isinstance(value, list)}
    data = {key: after[key] for key in _DATA_KEYS.get(event_type, ()) if key in after}
    if event.object_type == ENTRY and event.action == "changed":
        data["fields"] = sorted(changes)
    roles = _roles(event, event_type, after)
    return {
        "id": str(uuid.uuid4()),
        "type": event_type,
        "occurred_at": event.at.isoformat(),
        "summary": _summary(event, event_type, use_case, data),
        "url": site_url(reverse(_PAGE_OF[event.object_type], args=[event.object_id])),
        "use_case": {
            "id": use_case.get("pk"),
            "reference": use_case.get("reference", ""),
            # A confidential use case is named by its reference only.
            "title": None if use_case.get("confidential") else use_case.get("title"),
            "team_id": use_case.get("team_id"),
            "team": use_case.get("team__name", ""),
        },
        "object": {"type": event.object_type, "id": event.object_id, "ref": event.object_ref},
        "roles": roles,
        "actor": event.actor_username or None,
        "data": data,
    }


def site_url(path: str) -> str:
    """A link into the app: `SITE_URL` and the path (the path alone when it is not set)."""
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def _roles(event: AuditEvent, event_type: str, after: dict[str, Any]) -> list[str]:
    """The council roles an event concerns: a seat's role; a decided review's required roles."""
    if event_type == EventType.REVIEW_ASSIGNED:
        return [after["role"]] if after.get("role") else []
    if event_type == EventType.REVIEW_DECIDED:
        required = Review.objects.filter(pk=event.object_id).values_list(
            "required_roles", flat=True
        )
        return list(required.first() or [])
    return []


def _summary(event: AuditEvent, event_type: str, use_case: dict, data: dict[str, Any]) -> str:
    """One sentence for a chat message."""
    reference = use_case.get("reference", "")
    named = (
        reference if use_case.get("confidential") else f"{reference} {use_case.get('title', '')}"
    )
    if event_type == EventType.USE_CASE_SUBMITTED:
        return f"{named.strip()}: submitted for the council's review."
    if event_type == EventType.REVIEW_ASSIGNED:
        role = ROLE_LABELS.get(data.get("role", ""), data.get("role", ""))
        seat = "votes" if event.action == "reviewer_assigned" else "verifies the checklist"
        return f"{reference}: {data.get('reviewer', '')} {seat} for {role}."
    if event_type == EventType.REVIEW_DECIDED:
        outcome = str(data.get("outcome", "")).replace("_", " ")
        by = "The chair" if data.get("by_chair") else "The council"
        return f"{reference}: {by} decided: {outcome}."
    entry = event.object_ref
    if event_type == EventType.INCIDENT_REPORTED:
        incident = data.get("incident") or {}
        return f"{entry} ({reference}): a {incident.get('severity', '')} {incident.get('kind', '')} incident was reported."
    if event_type == EventType.COMPLAINT_RECEIVED:
        return f"{entry} ({reference}): a customer sent a complaint or contest."
    if event.action == "stage_changed":
        return f"{entry} ({reference}): moved to {data.get('stage', '')}."
    verb = "recorded in" if event.action == "created" else "changed in"
    return f"{entry} ({reference}): {verb} the registry."
