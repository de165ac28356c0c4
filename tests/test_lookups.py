"""`__in_ids` (common.lookups): the rows `__in` finds, with the list sent as one parameter on
PostgreSQL."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from council.models import Team, TeamMembership

from .factories import MembershipFactory, TeamFactory


def test_in_ids_finds_what_in_finds_whatever_the_list_holds(db):
    teams = TeamFactory.create_batch(4)
    for ids in ([teams[0].pk, teams[2].pk], [teams[1].pk, None], [], [None], [10**12]):
        found = set(Team.objects.filter(pk__in_ids=ids).values_list("pk", flat=True))
        assert found == set(Team.objects.filter(pk__in=ids).values_list("pk", flat=True)), ids


def test_a_foreign_key_takes_it_too(db):
    kept, other = MembershipFactory(), MembershipFactory()
    assert list(TeamMembership.objects.filter(team_id__in_ids={kept.team_id})) == [kept]
    assert list(TeamMembership.objects.filter(team__in_ids=[other.team_id])) == [other]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's array parameter")
def test_on_postgresql_two_thousand_ids_are_one_parameter(db):
    with CaptureQueriesContext(connection) as captured:
        list(Team.objects.filter(pk__in_ids=range(1, 2001)))
    (sql,) = [q["sql"] for q in captured.captured_queries]
    assert "= ANY(" in sql and " IN (" not in sql
