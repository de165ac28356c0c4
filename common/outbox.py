"""What every outbox here shares (the e-mails', council/outbox.py; the webhooks',
integrations/outbox.py): queueing a row's task after its action committed, the backoff after a
failure, and the sweep that sends whatever is due."""

import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=1)
SWEEP_BATCH = 100
# A sweep stops starting new sends after this long: beat runs the next one a minute later.
SWEEP_BUDGET_SECONDS = 50.0


class BrokerPause:
    """After the broker failed, queueing is skipped for a while: the sweep sends what was not
    queued, and the actions that follow do not each wait for a broker that is down (per
    process)."""

    seconds = 30.0
    failed_at = float("-inf")

    def paused(self) -> bool:
        return time.monotonic() - self.failed_at < self.seconds

    def failed(self) -> None:
        self.failed_at = time.monotonic()


broker_pause = BrokerPause()


def queue_each(task: Any, row_ids: Sequence[int], *, what: str) -> None:
    """`task.delay(row_id)` for each row, called after the action committed; never fails it:
    with the broker down (or paused after it failed) the sweep sends the rest."""
    if broker_pause.paused():
        logger.info("%s %s left to the sweep (broker down)", what, list(row_ids))
        return
    for queued, row_id in enumerate(row_ids):
        try:
            task.delay(row_id)
        except OperationalError as error:  # the broker refused or timed out
            broker_pause.failed()
            logger.warning(
                "%s %s not queued (%r): the sweep will send them", what, row_ids[queued:], error
            )
            return
        except Exception:  # the action committed: whatever failed here, the sweep sends it
            logger.exception("%s %s not queued", what, row_id)


def new_lessee() -> str:
    """Who takes a row's lease, unique per attempt: a worker whose lease ran out cannot record
    over the next one's."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes after the first, second, third … failure, at most an hour."""
    doublings = min(max(attempts - 1, 0), 6)  # 64 minutes: past the cap, and no overflow
    return min(BACKOFF_FIRST * (1 << doublings), BACKOFF_MAX)


def sweep(
    due: Callable[[datetime], QuerySet],
    send: Callable[[int], str],
    *,
    what: str,
    batch_size: int = SWEEP_BATCH,
    budget_seconds: float = SWEEP_BUDGET_SECONDS,
) -> dict[str, int]:
    """Send every row `due(now)` holds, oldest first (`created_at`), in batches, within a time
    budget; how many of each result `send` gave (logged, when there was anything to send)."""
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
    if counts:
        logger.info("%s sweep: %s", what, counts)
    return counts
