"""Done once: a request repeated with the same key gets the first answer back, not a second
effect. The API's `Idempotency-Key` header (common.api.IdempotentPostMixin) and the one-time
token of page forms that create things (common.pages.once_per_form) both come here.

How it holds under concurrency: the key is claimed by inserting its row, unique per user, in the
same transaction as the action, and the answer is stored on the row before that transaction
commits. A concurrent request with the same key waits on the unique index (PostgreSQL) or on the
write lock (SQLite, IMMEDIATE transactions) until the first commits, then finds the answer; if
the first rolled back, the key is free again and the second does the work.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from common.errors import DomainError
from common.models import IdempotencyKey

#: How long a key is remembered.
LIFETIME = timedelta(hours=24)
KEY_MAX = 255


class KeyReused(DomainError):
    """The key was used for another request (another endpoint or other data)."""

    status_code = 422


@dataclass(frozen=True)
class Earlier:
    """The answer the first request with this key got."""

    status: int
    response: dict[str, Any]


def fingerprint(*parts: Any) -> str:
    """sha256 of what a request carried (files by name and content), key order ignored."""
    text = json.dumps(parts, sort_keys=True, default=_plain)
    return hashlib.sha256(text.encode()).hexdigest()


def _plain(value: Any) -> Any:
    if isinstance(value, File):
        digest = hashlib.sha256()
        for chunk in value.chunks():
            digest.update(chunk)
        value.seek(0)
        return {"file": value.name, "sha256": digest.hexdigest()}
    if hasattr(value, "lists"):  # a QueryDict: every value of every key
        return dict(value.lists())
    return str(value)


def claim(*, user: Any, key: str, endpoint: str, digest: str = "") -> IdempotencyKey | Earlier:
    """Claim `key` for this request, in the caller's transaction: the new row to `complete` once
    answered, or the earlier answer. Raises KeyReused when the key was used for another request."""
    now = timezone.now()
    IdempotencyKey.objects.filter(user=user, expires_at__lte=now).delete()
    try:
        with transaction.atomic():
            return IdempotencyKey.objects.create(
                user=user, key=key, endpoint=endpoint, fingerprint=digest, expires_at=now + LIFETIME
            )
    except IntegrityError:
        earlier = IdempotencyKey.objects.get(user=user, key=key)
    if earlier.endpoint != endpoint or earlier.fingerprint != digest:
        raise KeyReused(
            gettext(
                "This idempotency key was already used for another request. Send a new key with "
                "a new request; send the same key only to repeat the same request."
            )
        )
    if earlier.status is None:  # only a row written outside these functions: never answered
        raise KeyReused(
            gettext("The request with this idempotency key has no answer; use a new key.")
        )
    return Earlier(status=earlier.status, response=json.loads(earlier.response))


def complete(claimed: IdempotencyKey, *, status: int, response: dict[str, Any]) -> None:
    """Store the answer on the claimed key, in the same transaction as the action."""
    claimed.status = status
    claimed.response = json.dumps(response)
    claimed.save(update_fields=["status", "response"])
