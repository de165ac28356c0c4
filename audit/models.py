from typing import Any, NoReturn

from django.conf import settings
from django.db import models


class AppendOnlyError(Exception):
    """Raised on any attempt to change or delete a recorded audit event."""


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Audit events are append-only and cannot be updated.")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("Audit events are append-only and cannot be deleted.")


class AuditEvent(models.Model):
    """One link of the tamper-evident chain: hash = SHA-256(prev_hash + canonical JSON)."""

    seq = models.PositiveBigIntegerField(unique=True, editable=False)
    at = models.DateTimeField(editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_events",
    )
    # The username at the time, so the record reads the same if the account is renamed.
    actor_username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64, blank=True)
    object_ref = models.CharField(max_length=64, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]
        indexes = [
            # The dossier and object filters look up every event of one object.
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["at"], name="audit_at_idx"),
            # The trail filtered by action, newest first (the page) or oldest first (the API).
            models.Index(fields=["action", "seq"], name="audit_action_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type} {self.object_ref or self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Audit events are append-only and cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Audit events are append-only and cannot be deleted.")


class ChainVerification(models.Model):
    """One check of the whole chain someone asked for from the auditor's page, run as a task:
    when it was asked, by whom, and once done whether the chain held (SPEC 7)."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="chain_verifications",
    )
    requested_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    intact = models.BooleanField(null=True)  # None while it runs
    events = models.PositiveBigIntegerField(null=True, blank=True)  # the chain head it reached
    summary = models.TextField(blank=True)  # what the command prints: the result or first break

    class Meta:
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["-requested_at"], name="audit_verif_requested_idx")]

    def __str__(self) -> str:
        return f"Chain verification of {self.requested_at:%Y-%m-%d %H:%M}"

    @property
    def running(self) -> bool:
        return self.finished_at is None
