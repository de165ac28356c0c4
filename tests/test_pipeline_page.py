"""The chair's pipeline: the chair's work first, why each review needs the chair, sorting and
filters kept in the address, and seats filled from the row.

Personas as in conftest: alice submits for Marketing (bob is in her team), the council of
tests/reviews_support.py (mia marketing, cxavier customer experience, pia privacy, leo legal, dana
data science, sam security, eve ethics), chris chairs, audrey audits.
"""

import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

import workflows
from oversight import pipeline
from oversight.pipeline import _overdue_words
from reviews import rules
from reviews import services as review_services
from reviews.models import Review
from reviews.selectors import unverified_required_items

from .factories import RoleFactory, UserFactory
from .reviews_support import kept_again, reviewer_for

PIPELINE = reverse("pipeline")


def html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def section(page: str, key: str) -> str:
    return page.split(f'id="{key}"')[1].split("</section>")[0]


def vote_all(review, choice="approve", **overrides):
    """Every required role votes `choice`, unless `overrides` names another for a role."""
    for role in review.required_roles:
        workflows.vote_cast(
            actor=reviewer_for(review, role),
            review=review,
            choice=overrides.get(role, choice),
            reasons="Not lawful here" if overrides.get(role) == "reject" else "",
        )


def with_empty_cx_seat(make_use_case, **answers):
    """A contact-centre review whose only customer experience member stepped back."""
    review = make_use_case("submitted", functions=["contact_centre"], **answers).reviews.get()
    workflows.review_recuse(
        actor=reviewer_for(review, "customer_experience"), review=review, reason="Conflict"
    )
    return review


def set_due(review, days_from_today):
    Review.objects.filter(pk=review.pk).update(
        due_date=timezone.localdate() + timedelta(days=days_from_today)
    )


def titles_in_order(page: str, *titles: str) -> list[str]:
    return sorted(titles, key=page.index)


# --- What the chair sees first, and why --------------------------------------------------------


def test_the_chairs_work_comes_first_ready_then_awaiting_assignment_then_voting(
    login, make_use_case, council
):
    make_use_case("submitted", title="Voting one")
    with_empty_cx_seat(make_use_case, title="Unassigned one")
    vote_all(make_use_case("submitted", title="Ready one").reviews.get())
    page = html(login(council["chair"]).get(PIPELINE))
    assert page.index('id="ready"') < page.index('id="awaiting_assignment"')
    assert page.index('id="awaiting_assignment"') < page.index('id="voting"')
    assert "Ready one" in section(page, "ready")
    assert "Unassigned one" in section(page, "awaiting_assignment")
    assert "Voting one" in section(page, "voting")


def test_a_proposed_rejection_says_who_proposed_it(login, make_use_case, council):
    review = make_use_case("submitted", title="Rejected one").reviews.get()
    vote_all(review, legal="reject")
    page = html(login(council["chair"]).get(PIPELINE))
    assert "Rejection proposed by Legal (leo.legal): confirm or overturn it" in section(
        page, "ready"
    )


def test_votes_that_did_not_settle_it_say_how_many_required_items_wait(
    login, make_use_case, council
):
    review = make_use_case("submitted", title="Unchecked one").reviews.get()
    vote_all(review)
    missing = len(unverified_required_items(review))
    assert missing > 1
    page = html(login(council["chair"]).get(PIPELINE))
    assert (
        f"Every role voted; {missing} required checklist items not verified: verify or waive them"
        in section(page, "ready")
    )


def test_an_abstention_leaves_the_decision_to_the_chair(login, make_use_case, council):
    review = make_use_case("submitted").reviews.get()
    vote_all(review, privacy="abstain")
    page = html(login(council["chair"]).get(PIPELINE))
    assert "Every role voted; Privacy (pia.privacy) abstained: the decision is yours" in page


def test_an_empty_seat_and_an_overdue_vote_say_what_to_do(login, make_use_case, council):
    empty = with_empty_cx_seat(make_use_case, title="Unassigned one")
    late = make_use_case("submitted", title="Late one").reviews.get()
    for role in ("marketing", "privacy", "data_science"):
        workflows.vote_cast(actor=reviewer_for(late, role), review=late, choice="approve")
    set_due(late, -6)
    due = Review.objects.get(pk=late.pk).due_date
    days = rules.working_days_between(due, timezone.localdate())
    page = html(login(council["chair"]).get(PIPELINE))
    assert "No Customer experience reviewer: assign one" in section(page, "awaiting_assignment")
    assert f"Overdue by {days} working days: waiting for Legal (leo.legal)" in section(
        page, "voting"
    )
    assert empty.use_case.reference in section(page, "awaiting_assignment")


def test_a_review_still_voting_in_time_asks_nothing_of_the_chair(login, make_use_case, council):
    make_use_case("submitted")
    page = html(login(council["chair"]).get(PIPELINE))
    voting = section(page, "voting")
    assert "Nothing for you yet: waiting for" in voting and "Legal (leo.legal)" in voting
    assert "reassign-seat" not in voting  # no seat to fill while votes are on time


def test_the_chairs_own_vote_is_named_as_theirs(login, make_use_case, council):
    high = make_use_case("submitted", vulnerable_groups=True).reviews.get()
    set_due(high, -6)
    page = html(login(council["chair"]).get(PIPELINE))
    assert re.search(r"Overdue by \d+ working days?: your vote as Chair<", page)
    assert "Chair (chris.chair)" not in page


@pytest.mark.parametrize(
    ("due", "today", "words"),
    [
        (date(2026, 11, 27), date(2026, 11, 27), ""),  # due today: not late
        (date(2026, 11, 27), date(2026, 11, 28), "Past its due date (27 Nov)"),  # Saturday
        (date(2026, 11, 27), date(2026, 11, 30), "Overdue by 1 working day"),
        (date(2026, 11, 20), date(2026, 11, 30), "Overdue by 6 working days"),
    ],
)
def test_lateness_is_counted_in_working_days(due, today, words):
    assert _overdue_words(due, today) == words


# --- Sorting and filters ----------------------------------------------------------------------


def test_rows_are_sorted_by_due_date_by_default_and_by_age_or_tier_on_request(
    login, make_use_case, council
):
    oldest = make_use_case("submitted", title="Oldest limited").reviews.get()
    high = make_use_case("submitted", title="Middle high", vulnerable_groups=True).reviews.get()
    newest = make_use_case("submitted", title="Newest limited").reviews.get()
    set_due(oldest, 9)
    set_due(high, 7)
    set_due(newest, 3)
    Review.objects.filter(pk=oldest.pk).update(opened_at=timezone.now() - timedelta(days=9))
    Review.objects.filter(pk=high.pk).update(opened_at=timezone.now() - timedelta(days=5))
    client = login(council["chair"])
    titles = ("Oldest limited", "Middle high", "Newest limited")

    page = html(client.get(PIPELINE))
    assert titles_in_order(page, *titles) == ["Newest limited", "Middle high", "Oldest limited"]
    assert "sorted by due date, soonest first" in page
    page = html(client.get(PIPELINE, {"sort": "age"}))
    assert titles_in_order(page, *titles) == ["Oldest limited", "Middle high", "Newest limited"]
    page = html(client.get(PIPELINE, {"sort": "tier"}))
    assert titles_in_order(page, *titles) == ["Middle high", "Newest limited", "Oldest limited"]


def test_filters_by_tier_team_group_and_overdue_are_kept_in_the_address(
    login, make_use_case, council, contact_centre
):
    make_use_case("submitted", title="Limited one")
    high = make_use_case("submitted", title="High one", vulnerable_groups=True).reviews.get()
    set_due(high, -2)
    client = login(council["chair"])

    page = html(client.get(PIPELINE, {"tier": "high"}))
    assert "High one" in page and "Limited one" not in page
    assert '<option value="high" selected>' in page  # the form shows the choice it applied
    assert "1 of 2 open reviews match these filters" in page

    page = html(client.get(PIPELINE, {"overdue": "on"}))
    assert "High one" in page and "Limited one" not in page
    assert re.search(r'name="overdue"[^>]*checked', page)

    page = html(client.get(PIPELINE, {"team": contact_centre.pk}))
    assert "High one" not in page and "Limited one" not in page

    page = html(client.get(PIPELINE, {"group": "voting", "sort": "age"}))
    assert 'id="voting"' in page and 'id="ready"' not in page
    assert 'id="awaiting_assignment"' not in page
    assert '<option value="age" selected>' in page


@pytest.mark.parametrize(
    "query", [{"tier": "galactic"}, {"team": "abc"}, {"sort": "'; drop"}, {"group": "later"}]
)
def test_an_unknown_filter_value_is_shown_as_an_error_and_ignored(
    login, make_use_case, council, query
):
    make_use_case("submitted", title="Limited one")
    page = html(login(council["chair"]).get(PIPELINE, query))
    assert "errorlist" in page
    assert "Limited one" in page


# --- Filling a seat from the pipeline ---------------------------------------------------------


def test_an_empty_seat_offers_only_free_members_of_its_role_with_their_load(
    login, make_use_case, council, bob, auditor
):
    review = with_empty_cx_seat(make_use_case)
    spare = UserFactory(username="cara.cx")
    RoleFactory(user=spare, role="customer_experience")
    RoleFactory(user=bob, role="customer_experience")  # in the owning team: four eyes
    RoleFactory(user=auditor, role="customer_experience")  # auditors never sit
    page = html(login(council["chair"]).get(PIPELINE))
    row = section(page, "awaiting_assignment")
    form = row.split(f'action="{reverse("reviews:reassign", args=[review.pk])}"')[1]
    form = form.split("</form>")[0]
    assert '<optgroup label="Customer experience">' in form
    assert f'value="customer_experience:{spare.pk}">cara.cx (0 open reviews)<' in form
    assert "bob" not in form and "audrey" not in form
    assert "cxavier" not in form  # recused from this review
    assert "privacy:" not in form  # only the empty seat is offered
    assert 'name="reassign-next" value="/council/pipeline/"' in form


def test_a_seat_offers_the_least_loaded_members_first_and_only_so_many(
    login, make_use_case, council, monkeypatch
):
    monkeypatch.setattr(pipeline, "SEAT_OFFERS", 2)
    review = with_empty_cx_seat(make_use_case)
    busy = UserFactory(username="abe.cx")  # first by name, but the most loaded
    RoleFactory(user=busy, role="customer_experience")
    other = make_use_case("submitted", functions=["contact_centre"]).reviews.get()
    review_services.review_reassign(
        actor=council["chair"], review=other, role="customer_experience", reviewer=busy
    )
    for name in ("cara.cx", "dina.cx"):
        RoleFactory(user=UserFactory(username=name), role="customer_experience")

    page = html(login(council["chair"]).get(PIPELINE))

    form = section(page, "awaiting_assignment").split(
        f'action="{reverse("reviews:reassign", args=[review.pk])}"'
    )[1]
    offered = re.findall(r'<option value="customer_experience:\d+">([^ ]+) ', form)
    assert offered == ["cara.cx", "dina.cx"]


def test_an_overdue_seat_can_be_handed_to_another_member(login, make_use_case, council):
    review = make_use_case("submitted").reviews.get()
    set_due(review, -3)
    spare = UserFactory(username="lena.legal")
    RoleFactory(user=spare, role="legal")
    page = html(login(council["chair"]).get(PIPELINE))
    assert f'value="legal:{spare.pk}"' in section(page, "voting")


def test_the_chair_assigns_a_seat_and_returns_to_the_same_pipeline(login, make_use_case, council):
    review = with_empty_cx_seat(make_use_case)
    spare = UserFactory(username="cara.cx", first_name="Cara", last_name="Lopez")
    RoleFactory(user=spare, role="customer_experience")
    client = login(council["chair"])
    here = f"{PIPELINE}?tier=limited&sort=age"
    assert f'name="reassign-next" value="{here.replace("&", "&amp;")}"' in html(client.get(here))
    response = client.post(
        reverse("reviews:reassign", args=[review.pk]),
        {"reassign-seat": f"customer_experience:{spare.pk}", "reassign-next": here},
    )
    assert response.status_code == 302 and response["Location"] == here
    assert reviewer_for(review, "customer_experience") == spare
    page = html(client.get(here))
    assert (
        f"Cara Lopez now holds the Customer experience seat on {review.use_case.reference}." in page
    )
    assert review.use_case.reference in section(page, "voting")


def test_a_stale_choice_from_the_pipeline_is_a_form_error_that_still_leads_back(
    login, make_use_case, council
):
    review = with_empty_cx_seat(make_use_case)
    gone = UserFactory(username="cara.cx", is_active=False)
    RoleFactory(user=gone, role="customer_experience")
    here = f"{PIPELINE}?group=awaiting_assignment"
    response = login(council["chair"]).post(
        reverse("reviews:reassign", args=[review.pk]),
        {"reassign-seat": f"customer_experience:{gone.pk}", "reassign-next": here},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "That member cannot take that seat (any more): choose one from the list." in page
    assert f'name="reassign-next" value="{here}"' in page
    assert not review.assignments.filter(reviewer=gone).exists()


def test_a_seat_nobody_may_take_says_so_instead_of_an_empty_list(login, make_use_case, council):
    with_empty_cx_seat(make_use_case)
    row = section(html(login(council["chair"]).get(PIPELINE)), "awaiting_assignment")
    assert "No other member free of a conflict holds Customer experience" in row
    assert "reassign-seat" not in row


@pytest.mark.parametrize("persona", ["privacy", "alice", "auditor"])
def test_only_the_chair_sees_the_pipeline_or_fills_a_seat(
    login, make_use_case, council, alice, auditor, persona
):
    review = with_empty_cx_seat(make_use_case)
    spare = UserFactory(username="cara.cx")
    RoleFactory(user=spare, role="customer_experience")
    client = login({"privacy": council["privacy"], "alice": alice, "auditor": auditor}[persona])
    assert client.get(PIPELINE).status_code == 403
    response = client.post(
        reverse("reviews:reassign", args=[review.pk]),
        {"reassign-seat": f"customer_experience:{spare.pk}", "reassign-next": PIPELINE},
    )
    assert response.status_code in {403, 404}  # alice's team may read the review, not reassign
    assert not review.assignments.filter(reviewer=spare).exists()


# --- Constant queries -------------------------------------------------------------------------


def _queries(client, url) -> int:
    client.get(url)  # warm caches that live for the whole process (content types)
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def test_the_pipeline_reads_as_many_queries_for_2_reviews_of_each_kind_as_for_6(
    login, make_use_case, council
):
    spare = UserFactory(username="lena.legal")  # a legal member free to take the late seats
    RoleFactory(user=spare, role="legal")

    def queries_for(count):
        for _ in range(count):
            vote_all(make_use_case("submitted").reviews.get())  # ready: checklist unverified
            vote_all(make_use_case("submitted").reviews.get(), legal="reject")
            late = make_use_case("submitted").reviews.get()
            set_due(late, -4)  # voting, overdue: its seats are offered
            with_empty_cx_seat(make_use_case)
        chair = UserFactory(username=f"chair{count}")
        RoleFactory(user=chair, role="chair")
        return _queries(login(chair), PIPELINE)

    few = queries_for(2)
    Review.objects.all().delete()
    kept_again()
    assert few == queries_for(6)
