"""The one table of the plumbing: requests done once (common/idempotency.py)."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class IdempotencyKey(models.Model):
    """A request its sender asked to be done once: the key it came with (an API client's
    `Idempotency-Key` header, a page form's one-time token), what it was and what it answered.
    The same key again gets that answer back instead of a second effect, until it expires."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    #: "POST /api/registry/": the same key on another endpoint is refused.
    endpoint = models.CharField(max_length=500)
    #: sha256 of what the request carried: the same key with other data is refused.
    fingerprint = models.CharField(max_length=64, blank=True)
    #: The answer, stored in the request's own transaction: an API body, or a page's redirect,
    #: as JSON text (kept as written: a JSON column may reorder keys).
    status = models.PositiveSmallIntegerField(null=True)
    response = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.endpoint} ({self.key})"
