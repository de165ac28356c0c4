"""The chair's pipeline group of an open review (SPEC section 11b), kept on `Review.group`.

The rule of `rules.all_required_voted`, written for the database: a required role without an
active seat leaves the review awaiting assignment; once the seated reviewer of every required
role cast a current vote on the judged revision, it is ready; otherwise it is voting. A role
holder's one vote counts for each seat they hold.

reviews.services calls `regroup` after every change of a review's seats, votes or judged
revision, so the pipeline and the chair's home page read the group from an index instead of
placing every open review on each request. The migration that added the column placed the
existing reviews with the same expression (`grouped`, given its historical models).
"""

from typing import Any

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Model,
    OuterRef,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.expressions import Combinable
from django.db.models.functions import Cast, Coalesce, Concat

from council.models import CouncilRole

from .models import Assignment, Review, ReviewGroup, Vote


def grouped(
    reviews: QuerySet[Any],
    *,
    assignment_model: type[Model] = Assignment,
    vote_model: type[Model] = Vote,
) -> QuerySet[Any]:
    """The reviews annotated with `placed_group`, their group by the rule above (the counts are
    aliases, not selected: each subquery runs once a review)."""
    return reviews.alias(
        required_text=Cast("required_roles", output_field=TextField()),
        required_n=_roles_required(),
        seated_n=_required_seats(assignment_model, vote_model, voted=False),
        voted_n=_required_seats(assignment_model, vote_model, voted=True),
    ).annotate(
        placed_group=Case(
            When(seated_n__lt=F("required_n"), then=Value(ReviewGroup.AWAITING_ASSIGNMENT)),
            When(voted_n__gte=F("required_n"), then=Value(ReviewGroup.READY)),
            default=Value(ReviewGroup.VOTING),
            output_field=IntegerField(),
        ),
    )


def regroup(review: Review) -> None:
    """Store the review's group as its seats and votes now place it (one query to read it, one
    to write it when it changed); the instance is kept in step, so a later save keeps it."""
    placed = grouped(Review.objects.filter(pk=review.pk)).values_list("placed_group", flat=True)
    group = placed.get()
    if group != review.group:
        Review.objects.filter(pk=review.pk).update(group=group)
        review.group = group


def _required_seats(
    assignment_model: type[Model], vote_model: type[Model], *, voted: bool
) -> Coalesce:
    """How many of the review's required roles have an active seat (voted: whose reviewer cast
    a current vote on the judged revision). `required_roles` is a JSON list of role codes: a
    role is required when its quoted code is in the list's text."""
    seats = assignment_model._default_manager.filter(review=OuterRef("pk"), recused=False).alias(
        required=Cast(OuterRef("required_roles"), output_field=TextField()),
        quoted=Concat(Value('"'), "role", Value('"'), output_field=TextField()),
    )
    seats = seats.filter(required__contains=F("quoted"))
    if voted:
        seats = seats.filter(
            Exists(
                vote_model._default_manager.filter(
                    review=OuterRef("review"),
                    reviewer=OuterRef("reviewer"),
                    current=True,
                    revision=OuterRef(OuterRef("revision")),
                )
            )
        )
    counted = seats.order_by().values("review").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _roles_required() -> Combinable:
    """How many roles the review requires: the council roles whose quoted code is in the list."""
    return sum(
        (
            Case(
                When(required_text__contains=f'"{role}"', then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
            for role in CouncilRole.values
        ),
        start=Value(0),
    )
