"""The dashboard as its readers see it, kept as a snapshot so a page never aggregates the whole
organisation in the request (issue 14: at 100,000 use cases the figures take seconds).

A snapshot is the `Dashboard` of one scope, computed at a time, kept in Django's cache (the
workers' Redis in production, files under var/ when embedded: config/settings.py `CACHES`).
The readers who see every submitted use case (chair, auditors) share one scope, since their
dashboards are the same; any other reader has their own. The page shows a snapshot while it is
younger than `DASHBOARD_MAX_AGE_SECONDS`; an older one is still shown, saying its time, and a
worker computes the next (`oversight.tasks.dashboard_refresh`, queued once per scope at a time).
Only a reader without a snapshot of today (the first view of the day, or ever) waits for the
figures in the request.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.utils import timezone

from usecases.selectors import sees_every_submitted_use_case

from .dashboard import Dashboard, dashboard_read

# A snapshot outlives its freshness so that a stale one can be shown while the next is computed.
_KEPT_SECONDS = 24 * 60 * 60


@dataclass(frozen=True)
class Snapshot:
    dashboard: Dashboard
    computed_at: datetime

    @property
    def fresh(self) -> bool:
        """Younger than `DASHBOARD_MAX_AGE_SECONDS`: no newer figures are being computed."""
        age = timezone.now() - self.computed_at
        return age < timedelta(seconds=settings.DASHBOARD_MAX_AGE_SECONDS)


def dashboard_snapshot(*, user: User, queue_refresh: Callable[[int], object]) -> Snapshot:
    """The dashboard `user` may see: the kept snapshot of their scope, its refresh queued
    (`queue_refresh(user id)`: oversight.tasks.dashboard_refresh) when it is no longer fresh;
    computed now when there is none of today."""
    snapshot = cache.get(_key(user))
    if snapshot is None or snapshot.dashboard.today != timezone.localdate():
        return dashboard_snapshot_refresh(user=user)
    if not snapshot.fresh and cache.add(_refreshing_key(user), True, _refresh_timeout()):
        queue_refresh(user.pk)
        # Run in-process (embedded), the refresh is done already; a worker's is not yet.
        return cache.get(_key(user)) or snapshot
    return snapshot


def dashboard_snapshot_refresh(*, user: User) -> Snapshot:
    """Compute the dashboard of the user's scope and keep it."""
    snapshot = Snapshot(dashboard=dashboard_read(user=user), computed_at=timezone.now())
    cache.set(_key(user), snapshot, _KEPT_SECONDS)
    cache.delete(_refreshing_key(user))
    return snapshot


def _key(user: User) -> str:
    scope = "every-submitted" if sees_every_submitted_use_case(user) else f"user-{user.pk}"
    return f"dashboard:{scope}"


def _refreshing_key(user: User) -> str:
    return f"{_key(user)}:refreshing"


def _refresh_timeout() -> int:
    """How long a queued refresh holds its scope: a lost task is queued again after this."""
    return max(settings.DASHBOARD_MAX_AGE_SECONDS, 60)
