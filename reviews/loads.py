"""Each member's load: the seats they hold on open reviews (SPEC section 5: assignment balances
open reviews per member), kept in `SeatLoad` by reviews.services whenever a seat is given or
left on an open review and whenever a review with seats is decided or reopened.

`counted` is the same load counted from the seats themselves: the migration that added the
table filled it so, and the test suite checks after every test that the two agree.
"""

from collections import Counter
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, F, Model, QuerySet

from .models import Assignment, Review, ReviewState, SeatLoad


def loads_change(reviewer_ids: Iterable[int], by: int) -> None:
    """Each listed member's load moves by `by` (a member listed twice moves twice)."""
    moves = Counter(reviewer_ids)
    if not moves:
        return
    SeatLoad.objects.bulk_create(
        [SeatLoad(user_id=user_id) for user_id in moves], ignore_conflicts=True
    )
    by_times: dict[int, list[int]] = {}
    for user_id, times in moves.items():
        by_times.setdefault(times, []).append(user_id)
    for times, user_ids in by_times.items():
        SeatLoad.objects.filter(user_id__in=user_ids).update(
            open_seats=F("open_seats") + by * times
        )


def loads_of(user_ids: Iterable[int] | None = None) -> dict[int, int]:
    """User id -> their load (every member's when `user_ids` is None); a member without a row
    has none."""
    rows = (
        SeatLoad.objects.all()
        if user_ids is None
        else SeatLoad.objects.filter(user_id__in=list(user_ids))
    )
    return dict(rows.values_list("user_id", "open_seats"))


def seats_of(review: Review) -> list[int]:
    """The reviewers of the review's active seats, one entry a seat."""
    return list(
        Assignment.objects.filter(review=review, recused=False).values_list(
            "reviewer_id", flat=True
        )
    )


def loads_recount(
    assignment_model: type[Model] = Assignment, load_model: type[Model] = SeatLoad
) -> None:
    """Every load counted again from the seats: for rows written in bulk beside the services
    (the migration that added the table, the benchmark's builder, tests)."""
    load_model._default_manager.all().delete()
    load_model._default_manager.bulk_create(
        load_model(user_id=row["reviewer_id"], open_seats=row["n"])
        for row in counted(assignment_model)
    )


def counted(assignment_model: type[Model] = Assignment) -> QuerySet[Any, Any]:
    """User id and load, counted from the active seats of open reviews."""
    return (
        assignment_model._default_manager.filter(recused=False, review__state=ReviewState.OPEN)
        .order_by()
        .values("reviewer_id")
        .annotate(n=Count("pk"))
    )
