"""`json_rows` (common.expressions): a correlated subquery's rows as one JSON text per outer row,
the same on PostgreSQL and SQLite."""

from datetime import date

from django.db.models import OuterRef, TextField
from django.db.models.functions import Cast

from common.expressions import json_rows, rows_of
from council.models import Team, TeamMembership

from .factories import MembershipFactory, TeamFactory, UserFactory


def _members_listed():
    memberships = TeamMembership.objects.filter(team_id=OuterRef("pk"))
    return json_rows(
        memberships, "team_id", "user__username", "user__first_name", "starts_on", "ends_on", "pk"
    )


def test_each_row_gets_its_own_rows_with_their_types(db):
    team, other, empty = TeamFactory.create_batch(3)
    awkward = UserFactory(
        username="o.brien", first_name='Se\u00e1n "Jack" O\'Brien\n\u2028\u00e9\U0001f600'
    )
    joined = MembershipFactory(team=team, user=awkward, starts_on=date(2026, 1, 2))
    left = MembershipFactory(
        team=team,
        user=UserFactory(username="z"),
        starts_on=date(2025, 3, 4),
        ends_on=date(2025, 5, 6),
    )
    elsewhere = MembershipFactory(
        team=other, user=UserFactory(username="a"), starts_on=date(2024, 1, 1)
    )

    listed = dict(Team.objects.annotate(members=_members_listed()).values_list("pk", "members"))

    assert sorted(rows_of(listed[team.pk])) == sorted(
        [
            ["o.brien", awkward.first_name, "2026-01-02", None, joined.pk],
            ["z", "", "2025-03-04", "2025-05-06", left.pk],
        ]
    )
    assert rows_of(listed[other.pk]) == [["a", "", "2024-01-01", None, elsewhere.pk]]
    assert listed[empty.pk] is None and rows_of(listed[empty.pk]) == []


def test_a_value_cast_to_text_travels_as_that_text(db):
    """Cast to text, a value comes back as that text on every database (the registry export
    reads a vote's JSON roles so, and decodes them itself)."""
    team = TeamFactory()
    membership = MembershipFactory(team=team, starts_on=date(2026, 1, 1))
    listed = Team.objects.filter(pk=team.pk).annotate(
        members=json_rows(
            TeamMembership.objects.filter(team_id=OuterRef("pk")),
            "team_id",
            Cast("starts_on", TextField()),
            "user_id",
        )
    )
    assert rows_of(listed.get().members) == [["2026-01-01", membership.user_id]]
