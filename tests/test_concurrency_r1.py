"""R1: fifty identical requests at once over HTTP, on SQLite (the embedded default, on a file as it
runs) and on PostgreSQL: no 5xx, exactly one effect, the others a clear 4xx or the first answer
again. The controls show each test can fail: SQLite without IMMEDIATE transactions and a busy
timeout answers "database is locked"; creates without an Idempotency-Key make duplicates.
Each test prints its figures at the end of the run (tests/figures.py)."""

import pytest
from django.db import connection
from django.urls import reverse

from audit.services import verify_chain
from registry.models import Deployment
from reviews.models import Vote
from usecases.models import UseCaseRevision

from .concurrency_support import (
    Session,
    database_on_file,
    post_at_once,
    review_open_for_votes,
    served,
    server_errors,
    tally,
)
from .reviews_support import reviewer_for

pytestmark = [
    pytest.mark.concurrency,
    # Serialized rollback restores the seeded policies and checklist that the flush removes.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

N = 50
#: SQLite as Django leaves it (deferred transactions), and not waiting for the lock.
UNPROTECTED_SQLITE = {"transaction_mode": "DEFERRED", "timeout": 0}
VOTE = {"choice": "approve", "reasons": "Fine."}


def describe(what, answers, effects):
    return (
        f"{what} {connection.vendor}: {len(answers)} requests, {server_errors(answers)} 5xx, "
        f"{effects}; answers {tally(answers)}"
    )


@pytest.fixture
def open_review(make_use_case, alice):
    return review_open_for_votes(make_use_case, alice)


def test_identical_votes_at_once(tmp_path, open_review, figure):
    """A repeated vote changes nothing: one vote stands, however many arrive; with one key, the
    first answer is replayed to the others."""
    privacy = reviewer_for(open_review, "privacy")
    votes = Vote.objects.filter(review=open_review, reviewer=privacy)
    path = reverse("review-votes", args=[open_review.pk])
    with served(tmp_path) as url:
        session = Session(url, privacy)
        answers = post_at_once(session, path, VOTE, N)
        current, recorded = votes.filter(current=True).count(), votes.count()
        figure("R1", describe("votes", answers, f"{recorded} votes, {current} current"))
        assert server_errors(answers) == 0, tally(answers)
        assert tally(answers) == {201: N}
        assert (current, recorded) == (1, 1)

        changed = {**VOTE, "reasons": "Fine, having read the DPIA."}
        keyed = post_at_once(session, path, changed, N, {"Idempotency-Key": "vote-privacy-1"})
        added = votes.count() - recorded
        figure("R1", describe("votes with one Idempotency-Key", keyed, f"{added} vote"))
        assert server_errors(keyed) == 0, tally(keyed)
        assert added == 1
        assert tally(keyed) == {201: N}
        assert sum(a.headers.get("Idempotent-Replayed") == "true" for a in keyed) == N - 1
        assert all(a.body == keyed[0].body for a in keyed)
        assert list(verify_chain()) == []


def test_submits_of_the_same_draft_at_once_submit_it_once(
    tmp_path, council, make_use_case, alice, figure
):
    draft = make_use_case()
    with served(tmp_path) as url:
        answers = post_at_once(
            Session(url, alice), reverse("use-case-submit", args=[draft.pk]), {}, N
        )
        revisions = UseCaseRevision.objects.filter(use_case=draft).count()
        reviews = draft.reviews.count()
    figure("R1", describe("submits", answers, f"{revisions} revision, {reviews} review"))
    assert server_errors(answers) == 0, tally(answers)
    assert (revisions, reviews) == (1, 1)
    assert tally(answers) == {200: 1, 409: N - 1}


def test_registry_creates_at_once(tmp_path, approved, owner, alice, figure):
    """With one Idempotency-Key, one entry; the control without a key makes duplicates."""
    entries = Deployment.objects.filter(use_case=approved)
    data = {
        "use_case": approved.pk,
        "name": "Acme NBO",
        "vendor": "Acme",
        "model_version": "nbo-2026.3",
        "channels": ["email"],
        "markets": ["GB"],
        "business_owner": owner.pk,
        "technical_owner": alice.pk,
        "human_oversight": "CRM team reviews weekly offer mix.",
        "customer_disclosure": "E-mail footer.",
        "data_categories": ["contact_details"],
        "monitoring_kpis": "Unsubscribe rate.",
    }
    with served(tmp_path) as url:
        session = Session(url, alice)
        keyed = post_at_once(session, reverse("registry-list"), data, N, {"Idempotency-Key": "e1"})
        made = entries.count()
        figure("R1", describe("registry creates with one Idempotency-Key", keyed, f"{made} entry"))
        assert server_errors(keyed) == 0, tally(keyed)
        assert made == 1
        assert tally(keyed) == {201: N}
        assert len({a.body["reference"] for a in keyed}) == 1

        control = post_at_once(session, reverse("registry-list"), data, N)
        duplicates = entries.count() - made
        figure(
            "R1", describe("control: registry creates, no key", control, f"{duplicates} entries")
        )
        assert server_errors(control) == 0, tally(control)
        assert duplicates > 1


@pytest.mark.skipif("connection.vendor != 'sqlite'", reason="SQLite's locking")
def test_control_sqlite_without_immediate_transactions_answers_5xx(tmp_path, open_review, figure):
    privacy = reviewer_for(open_review, "privacy")
    path = reverse("review-votes", args=[open_review.pk])
    with served(tmp_path, **UNPROTECTED_SQLITE) as url:
        answers = post_at_once(Session(url, privacy), path, VOTE, N)
        recorded = Vote.objects.filter(review=open_review, reviewer=privacy).count()
    figure("R1", describe("control: votes, deferred, no wait", answers, f"{recorded} votes"))
    assert server_errors(answers) > 0


@pytest.mark.skipif("connection.vendor != 'sqlite'", reason="the embedded default's settings")
def test_the_embedded_database_waits_for_the_lock_and_keeps_a_write_ahead_log(tmp_path):
    with database_on_file(tmp_path), connection.cursor() as cursor:
        pragmas = {}
        for name in ("journal_mode", "synchronous", "busy_timeout"):
            cursor.execute(f"PRAGMA {name}")
            pragmas[name] = cursor.fetchone()[0]
    options = connection.settings_dict["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 5
    assert pragmas == {
        "journal_mode": "wal",
        "synchronous": 1,  # NORMAL
        "busy_timeout": options["timeout"] * 1000,
    }
