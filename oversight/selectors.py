"""Reads for the home page and the chair's pipeline."""

from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count, QuerySet

from reviews.models import Review, ReviewState
from usecases.choices import State
from usecases.models import UseCaseRevision
from usecases.selectors import EDITABLE_STATES, usecase_list_visible, usecase_mine_q


def usecase_dashboard(*, user: User, limit: int = 10) -> dict[str, Any]:
    """What needs the user on the home page, in a constant number of queries whatever the volume."""
    visible = usecase_list_visible(user=user)
    # One row more than shown tells whether to offer "see all" without a count query.
    waiting = visible.filter(usecase_mine_q(user), state__in=EDITABLE_STATES)
    needs_me = list(waiting.select_related("team")[: limit + 1])
    submitted_by_me = UseCaseRevision.objects.filter(submitted_by=user).values("use_case_id")
    recently_submitted = visible.filter(pk__in=submitted_by_me).order_by("-submitted_at", "-id")
    counts = dict(visible.order_by().values_list("state").annotate(n=Count("id")))
    return {
        "needs_me": needs_me[:limit],
        "needs_me_more": len(needs_me) > limit,
        "recently_submitted": list(recently_submitted[:limit]),
        "counts_by_state": [(state, counts[state]) for state in State if counts.get(state)],
        "visible_total": sum(counts.values()),
    }


def review_pipeline() -> QuerySet[Review]:
    """Every open review, oldest first (the chair's view)."""
    return (
        Review.objects.filter(state=ReviewState.OPEN)
        .select_related("use_case", "use_case__team")
        .order_by("opened_at")
    )
