"""The dashboard shows a kept snapshot of its figures (oversight.snapshots): the request never
aggregates the organisation once a snapshot exists, a stale one is refreshed in the background,
and a reader never sees figures of a scope wider than their own."""

import re
from datetime import timedelta

import time_machine
from django.urls import reverse
from django.utils import timezone

from oversight.snapshots import dashboard_snapshot

from .factories import RoleFactory, UserFactory

DASHBOARD = reverse("dashboard")


def submitted_count(client) -> int:
    page = client.get(DASHBOARD).content.decode()
    return int(re.search(r'aria-label="(\d+) submitted use case', page).group(1))


def new_member():
    """A council member seated on no review yet: they see what is not confidential."""
    user = UserFactory(username="nina.ethics")
    RoleFactory(user=user, role="ethics")
    return user


def test_figures_are_kept_for_a_few_minutes_then_refreshed(
    login, make_use_case, chair, council, settings
):
    settings.DASHBOARD_MAX_AGE_SECONDS = 300
    make_use_case("submitted")
    client = login(chair)
    assert submitted_count(client) == 1
    page = client.get(DASHBOARD).content.decode()
    assert f"Figures as of {timezone.localtime():%H:%M}" in page

    make_use_case("submitted")
    assert submitted_count(client) == 1  # the kept snapshot

    with time_machine.travel(timezone.now() + timedelta(minutes=6), tick=False):
        # Past its age the next view queues a refresh (in-process here, so it shows at once).
        assert submitted_count(client) == 2


def test_a_stale_snapshot_is_shown_while_one_refresh_is_queued(make_use_case, chair, council):
    make_use_case("submitted")
    queued = []
    first = dashboard_snapshot(user=chair, queue_refresh=queued.append)
    assert queued == []  # none of today yet: computed in the request

    with time_machine.travel(timezone.now() + timedelta(minutes=6), tick=False):
        again = dashboard_snapshot(user=chair, queue_refresh=queued.append)
        once_more = dashboard_snapshot(user=chair, queue_refresh=queued.append)
        assert not again.fresh

    assert queued == [chair.pk]  # one refresh at a time for the scope
    assert again == once_more == first


def test_a_snapshot_of_yesterday_is_never_shown(login, make_use_case, chair, council):
    make_use_case("submitted")
    client = login(chair)
    assert submitted_count(client) == 1
    make_use_case("submitted")

    with time_machine.travel(timezone.now() + timedelta(days=1), tick=False):
        assert submitted_count(client) == 2


def test_the_chair_and_auditors_share_figures_a_member_never_sees_them(
    login, make_use_case, chair, auditor, council
):
    make_use_case("submitted")
    make_use_case("submitted", confidential=True, title="Confidential scoring")
    assert submitted_count(login(chair)) == 2
    assert submitted_count(login(new_member())) == 1  # their own figures: not the confidential one

    make_use_case("submitted")
    assert submitted_count(login(auditor)) == 2  # the chair's snapshot: the same scope


def test_a_team_member_is_still_refused(login, alice):
    response = login(alice).get(DASHBOARD)
    assert response.status_code in (302, 403)
    assert b"Figures as of" not in response.content
