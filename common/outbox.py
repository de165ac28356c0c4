"""What every outbox here shares (the e-mails', council/outbox.py; the webhooks',
integrations/outbox.py): the backoff after a failure, and the sweep that sends whatever is due."""

import time
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=1)
SWEEP_BATCH = 100
# A sweep stops starting new sends after this long: beat runs the next one a minute later.
SWEEP_BUDGET_SECONDS = 50.0


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes after the first, second, third … failure, at most an hour."""
    doublings = min(max(attempts - 1, 0), 6)  # 64 minutes: past the cap, and no overflow
    return min(BACKOFF_FIRST * (1 << doublings), BACKOFF_MAX)


def sweep(
    due: Callable[[datetime], QuerySet],
    send: Callable[[int], str],
    *,
    batch_size: int = SWEEP_BATCH,
    budget_seconds: float = SWEEP_BUDGET_SECONDS,
) -> dict[str, int]:
    """Send every row `due(now)` holds, oldest first (`created_at`), in batches, within a time
    budget; how many of each result `send` gave."""
    counts: dict[str, int] = {}
    deadline = time.monotonic() + budget_seconds
    while time.monotonic() < deadline:
        batch = list(
            due(timezone.now())
            .order_by("created_at", "pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not batch:
            break
        for row_id in batch:
            if time.monotonic() >= deadline:
                break
            result = send(row_id)
            counts[result] = counts.get(result, 0) + 1
    return counts
