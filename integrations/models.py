"""Outbound webhooks: who receives which events (a subscription), and every delivery of an
event to a subscriber (the outbox and its log)."""

import secrets

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from council.models import CouncilRole, Team


class EventType(models.TextChoices):
    USE_CASE_SUBMITTED = "use_case.submitted", _("A use case was submitted")
    REVIEW_ASSIGNED = "review.assigned", _("A council member was given a seat on a review")
    REVIEW_DECIDED = "review.decided", _("The council decided a review")
    REGISTRY_CHANGED = "registry.changed", _("A registry entry was created or changed")
    INCIDENT_REPORTED = "incident.reported", _("An incident was reported on a registry entry")
    COMPLAINT_RECEIVED = "complaint.received", _("A customer complained or contested")


class PayloadFormat(models.TextChoices):
    SIGNED_JSON = "json", _("Signed JSON (HMAC-SHA256)")
    SLACK = "slack", _("Slack incoming webhook")
    TEAMS = "teams", _("Microsoft Teams incoming webhook (Adaptive Card)")


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class WebhookSubscription(models.Model):
    """A receiver of events: a URL, the secret its deliveries are signed with, the events it
    wants (none chosen: every one), and optionally one team's use cases or one council role."""

    name = models.CharField(max_length=100)
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=100, default=new_secret)
    format = models.CharField(
        max_length=8, choices=PayloadFormat.choices, default=PayloadFormat.SIGNED_JSON
    )
    event_types = models.JSONField(
        default=list, blank=True, help_text="Event types to send; none chosen sends every one."
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="webhook_subscriptions",
        help_text="Only events of this team's use cases.",
    )
    role = models.CharField(
        max_length=32,
        choices=CouncilRole.choices,
        blank=True,
        help_text="Only events that concern this council role (its seats, its reviews' decisions).",
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # Never in the audit trail (council.services.record_admin_change).
    audit_hidden_fields = ("secret",)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self):
        return self.name

    @property
    def reference(self) -> str:
        """How the trail names it (`object_ref`)."""
        return self.name


class WebhookDelivery(models.Model):
    """One event for one subscriber: the outbox entry (written in the action's transaction,
    sent after the commit by a task or else by the sweep) and its log (attempts, the last
    answer). A replay is a new delivery of the same event."""

    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_id = models.UUIDField()
    event_type = models.CharField(max_length=32, choices=EventType.choices)
    payload = models.JSONField()
    replay_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replays"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Not due before this time: the lease of the worker sending it, or after a failure the backoff.
    claimed_until = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=200, blank=True)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # An event reaches a subscriber once, a replay aside.
            models.UniqueConstraint(
                fields=["subscription", "event_id"],
                condition=Q(replay_of=None),
                name="webhook_delivery_once",
            )
        ]
        indexes = [
            models.Index(
                fields=["claimed_until"],
                name="webhook_delivery_due_idx",
                condition=Q(delivered_at=None, failed_at=None),
            )
        ]

    def __str__(self):
        return f"{self.event_type} {self.event_id} to {self.subscription}"
