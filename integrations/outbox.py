"""The webhooks' outbox: every WebhookDelivery row is a request to send, at least once.

As the e-mails' (council/outbox.py): the row is written in the action's transaction, a task sends
it after the commit, the sweep (`deliver_due`, every minute on Celery beat) sends whatever that
missed. Sending takes a lease; a 2xx answer marks it delivered; anything else backs off (1, 2,
4 … minutes, at most an hour) until `WEBHOOK_MAX_ATTEMPTS`, then it is marked failed. The
receiver may see an event twice (a worker killed after sending): the `X-Webhook-Id` header is
the same each time. A replay (`services.replay`) sends a delivered or failed event
again, as a new delivery that keeps its own log.
"""

import logging
import time
from datetime import datetime, timedelta

import requests
from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from common.outbox import SWEEP_BATCH, SWEEP_BUDGET_SECONDS, backoff, new_lessee, sweep

from . import formats
from .addresses import destination_refusal
from .models import WebhookDelivery

logger = logging.getLogger(__name__)


def due(now: datetime) -> QuerySet[WebhookDelivery]:
    """Not delivered, not given up, no lease or backoff running, its subscription active."""
    return WebhookDelivery.objects.filter(
        delivered_at=None, failed_at=None, subscription__active=True
    ).filter(Q(claimed_until=None) | Q(claimed_until__lte=now))


def _lease() -> timedelta:
    # The request's own timeout, and time to record its answer.
    return timedelta(seconds=settings.WEBHOOK_TIMEOUT_SECONDS + 30)


def deliver(delivery_id: int) -> str:
    """Send one delivery if it is due; say what happened."""
    now = timezone.now()
    lessee = new_lessee()
    leased = (
        due(now)
        .filter(pk=delivery_id)
        .update(claimed_until=now + _lease(), claimed_by=lessee, attempts=F("attempts") + 1)
    )
    if not leased:
        return "not due"
    delivery = WebhookDelivery.objects.select_related("subscription").get(pk=delivery_id)
    subscription = delivery.subscription
    payload = formats.body(subscription.format, delivery.payload)
    sent_headers = formats.headers(
        secret=subscription.secret,
        event=delivery.payload,
        timestamp=int(time.time()),
        body=payload,
    )
    # A destination refused (integrations.addresses) is never asked: a failure like any other.
    status, error = None, destination_refusal(subscription.url)
    if not error:
        status, error = _post(subscription.url, payload, sent_headers)
    if not error:
        WebhookDelivery.objects.filter(pk=delivery_id, claimed_by=lessee).update(
            delivered_at=timezone.now(), claimed_until=None, claimed_by="", last_status=status,
            last_error="",
        )  # fmt: skip
        return "delivered"
    final = delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS
    logger.warning("Webhook delivery %s failed: %s", delivery_id, error)
    failed_now = timezone.now()
    WebhookDelivery.objects.filter(pk=delivery_id, claimed_by=lessee).update(
        last_status=status,
        last_error=error[:2000],
        claimed_by="",
        claimed_until=None if final else failed_now + backoff(delivery.attempts),
        failed_at=failed_now if final else None,
    )
    return "failed" if final else "will retry"


def _post(url: str, payload: bytes, headers: dict[str, str]) -> tuple[int | None, str]:
    """Send; the answer's status, and what went wrong ('' for a 2xx)."""
    try:
        response = requests.post(
            url,
            data=payload,
            headers=headers,
            timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
            allow_redirects=False,
        )
    except requests.RequestException as failure:
        return None, repr(failure)
    status = response.status_code
    return status, "" if 200 <= status < 300 else f"HTTP {status}: {response.text[:500]}"


def deliver_due(
    *, batch_size: int = SWEEP_BATCH, budget_seconds: float = SWEEP_BUDGET_SECONDS
) -> dict[str, int]:
    """The sweep: send every due delivery, oldest first, within a time budget."""
    return sweep(due, deliver, what="Webhook", batch_size=batch_size, budget_seconds=budget_seconds)
