"""The daily jobs (vote and condition reminders, re-review reminders and openings) read what is
due in a few queries and write their notifications in bulk: their cost does not grow with the
number of items due, only with the re-reviews they open."""

import copy
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import workflows
from council.models import Notification
from registry.models import Deployment
from reviews.models import Assignment, Condition, Review, Vote
from reviews.notifications import remind_due_votes_and_conditions
from usecases.models import UseCase

from .reviews_support import kept_again
from .shared_world import entry_world, use_case_of


def daily_world() -> dict[str, Any]:
    """The registry entry of an approved use case, and a use case just submitted (`review`)."""
    world = entry_world()
    return {**world, "review": use_case_of(world, "submitted").reviews.get()}


pytestmark = pytest.mark.shared_world(build=daily_world)

# A day before the world was made: nothing of it is due then but what a test makes due.
DUE = date(2025, 6, 2)  # a Monday


# ---- making many items due, in bulk ------------------------------------------------------------


def _copy(instance, **fields):
    """An unsaved copy of `instance` with `fields` changed."""
    clone = copy.copy(instance)  # with its own copy of the state and of the related objects
    clone._state.adding = True
    clone.pk = None
    for name, value in fields.items():
        setattr(clone, name, value)
    return clone


def _copies(instance, count: int, **fields_of: Callable[[int], Any]) -> list:
    """`count` unsaved copies of `instance`, the i-th with each field `name` = `fields_of[name](i)`."""
    return [
        _copy(instance, **{name: value_of(i) for name, value_of in fields_of.items()})
        for i in range(count)
    ]


def _use_cases_like(use_case: UseCase, count: int, prefix: str) -> list[UseCase]:
    return UseCase.objects.bulk_create(
        _copies(use_case, count, reference=lambda i: f"{prefix}-{i:04d}")
    )


def open_reviews_due(shared, count: int, due: date) -> list[Review]:
    """`count` open reviews due on `due`, each of its own use case, seated as `review`."""
    review = shared["review"]
    seats = list(review.assignments.all())
    use_cases = _use_cases_like(review.use_case, count, "DV")
    reviews = Review.objects.bulk_create(
        _copies(review, count, use_case=lambda i: use_cases[i], due_date=lambda i: due)
    )
    Assignment.objects.bulk_create(_copy(seat, review=clone) for clone in reviews for seat in seats)
    kept_again()  # the copies' seats weigh on their members
    return reviews


def open_conditions_due(shared, count: int, due: date) -> list[Condition]:
    """`count` open conditions due on `due`, each on a review of its own use case."""
    approval = shared["entry"].approval
    use_cases = _use_cases_like(approval.use_case, count, "DC")
    reviews = Review.objects.bulk_create(_copies(approval, count, use_case=lambda i: use_cases[i]))
    return Condition.objects.bulk_create(
        Condition(
            review=clone,
            text=f"Run bias test {i}",
            owner=shared["alice"],
            due_date=due,
            blocking=i % 2 == 0,
        )
        for i, clone in enumerate(reviews)
    )


def entries_due(shared, count: int, due: date, *, under_review: bool = False) -> list[Deployment]:
    """`count` entries in service whose re-review is due on `due`, each of its own use case;
    `under_review`: each use case has a review open already."""
    entry = shared["entry"]
    use_cases = _use_cases_like(entry.use_case, count, "DE")
    if under_review:
        review = shared["review"]
        Review.objects.bulk_create(_copies(review, count, use_case=lambda i: use_cases[i]))
    return Deployment.objects.bulk_create(
        _copies(
            entry,
            count,
            use_case=lambda i: use_cases[i],
            reference=lambda i: f"DE-{i:04d}",
            next_review_due=lambda i: due,
        )
    )


# ---- measuring -----------------------------------------------------------------------------------


def measured(make: Callable[[int], Any], count: int, run: Callable[[], Any]):
    """Make `count` items due and run the job once; all of it rolled back after. Returns the
    queries it ran, what it returned and the notifications it wrote."""
    with transaction.atomic():
        make(count)
        before = set(Notification.objects.values_list("pk", flat=True))
        with CaptureQueriesContext(connection) as queries:
            result = run()
        told = _told(Notification.objects.exclude(pk__in=before))
        transaction.set_rollback(True)
    return [query["sql"] for query in queries], result, told


def _told(notifications) -> set[tuple[str, str, str, str]]:
    """Who heard what: (username, kind, subject, key)."""
    return {
        (n.user.username, n.kind, n.subject, n.key) for n in notifications.select_related("user")
    }


def _notification_inserts(queries: list[str]) -> int:
    # INSERT OR IGNORE on SQLite, INSERT ... ON CONFLICT DO NOTHING on PostgreSQL.
    return sum(
        query.startswith("INSERT") and 'INTO "council_notification"' in query for query in queries
    )


def _inserts_needed(rows: int) -> int:
    """The INSERT statements `bulk_create` needs for `rows` notifications on this database: one
    on PostgreSQL, one per 999 parameters on SQLite."""
    fields = [f for f in Notification._meta.concrete_fields if not f.primary_key]
    per_statement = connection.ops.bulk_batch_size(fields, [None] * rows)
    return max(1, -(-rows // per_statement)) if rows else 0


def _reminders(today: date) -> Callable[[], int]:
    return lambda: remind_due_votes_and_conditions(today=today)


def _sweep(today: date) -> Callable[[], dict[str, int]]:
    return lambda: workflows.rereview_sweep(today=today)


def _entries_under_review(shared, count: int, due: date) -> list[Deployment]:
    return entries_due(shared, count, due, under_review=True)


JOBS = {
    # item made due: (how to make `count` of them, the day the job runs, the job, notifications
    # per item)
    "votes due soon": (open_reviews_due, DUE - timedelta(days=1), _reminders, 4),
    "votes overdue": (open_reviews_due, DUE + timedelta(days=1), _reminders, 4),
    "conditions due": (open_conditions_due, DUE - timedelta(days=7), _reminders, 2),
    "conditions overdue": (open_conditions_due, DUE + timedelta(days=1), _reminders, 2),
    "re-review reminders": (entries_due, DUE - timedelta(days=30), _sweep, 2),
    "re-reviews under way": (_entries_under_review, DUE, _sweep, 0),
}


# Measured before the jobs were set-based (queries with 10 and with 100 items due, SQLite):
# votes due soon or overdue 142 and 1,402; conditions due or overdue 72 and 702; re-review
# reminders 62 and 602; entries due whose re-review is under way 62 and 602.


@pytest.mark.parametrize("job", JOBS)
def test_a_daily_job_costs_the_same_queries_with_10_and_100_items_due(job, shared):
    make, today, run, per_item = JOBS[job]
    figures = {}
    for count in (10, 100):
        queries, _, told = measured(lambda n: make(shared, n, DUE), count, run(today))
        assert len(told) == per_item * count
        # The notifications are one bulk INSERT, which SQLite splits at 999 parameters.
        assert _notification_inserts(queries) == _inserts_needed(len(told))
        figures[count] = len(queries) - _notification_inserts(queries)
    assert figures[10] == figures[100] <= 12


@pytest.mark.parametrize("job", JOBS)
def test_a_second_run_the_same_day_sends_nothing_new(job, shared):
    make, today, run, _ = JOBS[job]
    with transaction.atomic():
        make(shared, 10, DUE)
        run(today)()
        told = Notification.objects.count()
        again = run(today)()
        assert again in (0, {"reminded": 0, "opened": 0})
        assert Notification.objects.count() == told
        transaction.set_rollback(True)


# ---- who hears what: as before ---------------------------------------------------------------


def test_votes_due_soon_are_told_to_each_voter_yet_to_vote_in_the_same_words(shared):
    Notification.objects.all().delete()  # the world's own
    reviews = open_reviews_due(shared, 3, DUE)
    voted = reviews[0].assignments.filter(voting=True).first()
    Vote.objects.create(
        review=reviews[0],
        reviewer=voted.reviewer,
        roles=[voted.role],
        revision=reviews[0].revision,
        choice="approve",
        cast_at=timezone.now(),
    )
    recused = reviews[1].assignments.filter(voting=True).last()
    Assignment.objects.filter(pk=recused.pk).update(recused=True)
    kept_again(*reviews[:2])

    assert remind_due_votes_and_conditions(today=DUE - timedelta(days=1)) == 10

    expected = {
        (
            seat.reviewer.username,
            "vote_due_soon",
            f"Vote due soon: {review.use_case.reference}",
            f"vote-due:review:{review.pk}:rev:{review.revision}:user:{seat.reviewer_id}",
        )
        for review in reviews
        for seat in review.assignments.filter(voting=True, recused=False)
        if seat.pk != voted.pk
    }
    assert _told(Notification.objects.all()) == expected
    one = Notification.objects.filter(kind="vote_due_soon").first()
    assert one.body == f"Your vote on “{reviews[0].use_case.title}” is due {DUE:%d %b %Y}."
    assert one.url.startswith("/reviews/") and one.url.endswith("/")


def test_overdue_votes_are_told_again_each_day_but_once_a_day(shared):
    Notification.objects.all().delete()  # the world's own
    reviews = open_reviews_due(shared, 2, DUE)
    assert remind_due_votes_and_conditions(today=DUE + timedelta(days=1)) == 8
    assert remind_due_votes_and_conditions(today=DUE + timedelta(days=1)) == 0
    assert remind_due_votes_and_conditions(today=DUE + timedelta(days=2)) == 8
    keys = set(Notification.objects.values_list("key", flat=True))
    assert {
        f"vote-overdue:review:{reviews[0].pk}:rev:{reviews[0].revision}:{DUE + timedelta(days=d)}"
        f":user:{seat.reviewer_id}"
        for d in (1, 2)
        for seat in reviews[0].assignments.filter(voting=True)
    } <= keys
    overdue = Notification.objects.filter(kind="vote_overdue").first()
    assert overdue.subject.startswith("Vote overdue: ") and "was due" in overdue.body


def test_conditions_are_told_to_their_owner_the_team_and_an_active_business_owner(shared):
    Notification.objects.all().delete()  # the world's own
    alice, owner = shared["alice"], shared["owner"]
    conditions = open_conditions_due(shared, 3, DUE)
    assert remind_due_votes_and_conditions(today=DUE - timedelta(days=7)) == 6
    assert _told(Notification.objects.all()) == {
        (
            user.username,
            "condition_due",
            f"Condition due {DUE:%d %b %Y}: {condition.review.use_case.reference}",
            f"condition-due:{condition.pk}:user:{user.pk}",
        )
        for condition in conditions
        for user in (alice, owner)
    }
    blocking = Notification.objects.get(key=f"condition-due:{conditions[0].pk}:user:{alice.pk}")
    assert blocking.body == (
        "Run bias test 0\n\nIt blocks go-live until it is met. "
        "Mark it met with its evidence on the review."
    )
    assert blocking.url == f"/reviews/{conditions[0].review_id}/#conditions"

    # Overdue: told once more, but nobody who left (an inactive business owner), and nothing
    # about a condition the team marked met (it waits for the council).
    User.objects.filter(pk=owner.pk).update(is_active=False)
    Condition.objects.filter(pk=conditions[2].pk).update(status="claimed")
    assert remind_due_votes_and_conditions(today=DUE + timedelta(days=1)) == 2
    overdue = Notification.objects.filter(kind="condition_overdue")
    assert {(n.user_id, n.key) for n in overdue} == {
        (alice.pk, f"condition-overdue:{c.pk}:user:{alice.pk}") for c in conditions[:2]
    }
    assert overdue.get(key__contains=f":{conditions[1].pk}:").subject == (
        f"Condition overdue since {DUE:%d %b %Y}: {conditions[1].review.use_case.reference}"
    )


def test_re_review_reminders_reach_both_owners_once_per_due_date(shared):
    Notification.objects.all().delete()  # the world's own
    entries = entries_due(shared, 3, DUE)
    Deployment.objects.filter(pk=entries[2].pk).update(stage="retired")
    counts = workflows.rereview_sweep(today=DUE - timedelta(days=30))
    assert counts == {"reminded": 4, "opened": 0}
    owners = {shared["owner"], shared["alice"]}  # business and technical owners
    assert _told(Notification.objects.all()) == {
        (
            user.username,
            "re_review_due",
            f"Re-review of {entry.reference} due {DUE:%d %b %Y}",
            f"re-review-due:{entry.pk}:{DUE.isoformat()}:user:{user.pk}",
        )
        for entry in entries[:2]
        for user in owners
    }
    assert workflows.rereview_sweep(today=DUE - timedelta(days=10))["reminded"] == 0


def test_reminders_are_emailed_after_the_commit_in_one_go(
    shared, django_capture_on_commit_callbacks
):
    Notification.objects.all().delete()  # the world's own
    open_reviews_due(shared, 3, DUE)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert remind_due_votes_and_conditions(today=DUE - timedelta(days=1)) == 12
    assert len(callbacks) == 1
    assert len(mail.outbox) == 12
    assert not Notification.objects.filter(emailed_at=None).exists()


# ---- opening re-reviews --------------------------------------------------------------------------


def test_entries_under_review_cost_nothing_and_only_opening_a_review_costs_queries(shared):
    entry = shared["entry"]
    Deployment.objects.filter(pk=entry.pk).update(next_review_due=DUE)
    figures = {}
    for count in (10, 100):
        queries, counts, _ = measured(
            lambda n: _entries_under_review(shared, n, DUE), count, _sweep(DUE)
        )
        assert counts == {"reminded": 0, "opened": 1}  # the world's entry, and only it
        figures[count] = len(queries) - _notification_inserts(queries)
    assert figures[10] == figures[100]


def test_two_entries_of_one_use_case_due_open_one_review(shared):
    entry = shared["entry"]
    Deployment.objects.filter(pk=entry.pk).update(next_review_due=DUE)
    Deployment.objects.bulk_create(
        [_copy(entry, reference="DE-TWIN", next_review_due=DUE - timedelta(days=3))]
    )
    assert workflows.rereview_sweep(today=DUE) == {"reminded": 0, "opened": 1}
    review = Review.objects.get(use_case=entry.use_case, state="open")
    # The entry first due asked for it.
    assert (review.kind, review.reason) == (
        "re_review",
        f"Periodic re-review due {DUE - timedelta(days=3):%d %b %Y}",
    )
    assert workflows.rereview_sweep(today=DUE + timedelta(days=1))["opened"] == 0
