"""The long lists come a page at a time: the council member's queue, the chair's pipeline (50 a
page, groups in order) and the public transparency page (50 a page, links by reference). A page
reads the same queries with 3 items as with 120, and its links keep the filters.

The 120 items are copies made in bulk of a few reviews (or entries) built the ordinary way: the
pages read rows, not the history that made them.
"""

import itertools
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registry.models import Deployment
from reviews.models import Assignment, Vote
from usecases.models import UseCase, UseCaseRevision

from .reviews_support import kept_again, reviewer_for
from .test_pipeline_page import vote_all, with_empty_cx_seat
from .test_review_pages import QUEUE_QUERIES
from .test_transparency import PAGE_QUERIES, _approved, _record

QUEUE = reverse("reviews:queue")
PIPELINE = reverse("pipeline")
TRANSPARENCY = reverse("transparency")

_numbers = itertools.count(1)


def _copy(obj, **changes):
    """A new, unsaved row with obj's values (its primary key left out) and the changes."""
    meta = obj._meta
    values = {f.attname: getattr(obj, f.attname) for f in meta.concrete_fields if not f.primary_key}
    return type(obj)(**{**values, **changes})


def clone_reviews(review, count: int) -> None:
    """`count` copies of an open review, each on its own copy of the use case, with the same
    judged revision, active seats and current votes."""
    review.refresh_from_db()  # its group as its seats and votes placed it
    use_case = review.use_case
    cases = UseCase.objects.bulk_create(
        [_copy(use_case, reference=f"UC-CL-{next(_numbers):05d}") for _ in range(count)]
    )
    revision = use_case.revisions.get(number=review.revision)
    UseCaseRevision.objects.bulk_create([_copy(revision, use_case_id=case.pk) for case in cases])
    copies = type(review).objects.bulk_create([_copy(review, use_case_id=c.pk) for c in cases])
    seats = list(review.assignments.filter(recused=False))
    votes = list(review.votes.filter(current=True))
    Assignment.objects.bulk_create(
        [_copy(seat, review_id=copy.pk) for copy in copies for seat in seats]
    )
    Vote.objects.bulk_create([_copy(vote, review_id=copy.pk) for copy in copies for vote in votes])
    kept_again()  # the copies' seats weigh on their members


def page_of(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def queries(client, url) -> int:
    client.get(url)  # warm caches that live for the whole process (content types)
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def references(page: str) -> list[str]:
    return re.findall(r"UC-[\w-]+", page)


# --- The council member's queue -----------------------------------------------------------------


def queue_of(make_use_case, count: int):
    """A queue of `count` reviews for leo (legal)."""
    review = make_use_case("submitted").reviews.get()
    clone_reviews(review, count - 1)
    return reviewer_for(review, "legal")


def test_the_queue_shows_50_reviews_a_page_and_every_review_once(login, make_use_case, council):
    client = login(queue_of(make_use_case, 120))
    first = page_of(client, QUEUE)
    assert "120 open reviews assigned to you: 1–50 shown" in first
    assert first.count('class="queue__link"') == 50
    assert 'href="?page=2"' in first and "Page 1 of 3" in first
    seen = []
    for number in (1, 2, 3):
        page = page_of(client, f"{QUEUE}?page={number}")
        seen += [ref for ref in references(page) if ref.startswith("UC-")]
    assert len(seen) == len(set(seen))
    assert len(set(seen)) == 120
    last = page_of(client, f"{QUEUE}?page=3")
    assert last.count('class="queue__link"') == 20
    assert "Next" not in last.split('class="pagination"')[1]


def test_a_queue_page_says_what_the_member_still_has_to_do_on_each_of_its_rows(
    login, make_use_case, council
):
    client = login(queue_of(make_use_case, 60))
    second = page_of(client, f"{QUEUE}?page=2")
    assert second.count('class="queue__link"') == 10
    assert second.count("<li>Vote on revision 1</li>") == 10
    assert "Legal" in second


def test_a_short_queue_has_no_page_links(login, make_use_case, council):
    page = page_of(login(queue_of(make_use_case, 3)), QUEUE)
    assert "3 open reviews assigned to you</p>" in page
    assert 'class="pagination"' not in page


@pytest.mark.parametrize("number", ["abc", "0", "-1", "999", "1%00"])
def test_a_page_number_that_is_not_one_still_answers_a_page(login, make_use_case, council, number):
    client = login(queue_of(make_use_case, 60))
    page = page_of(client, f"{QUEUE}?page={number}")
    assert page.count('class="queue__link"') in {50, 10}


def test_the_queue_reads_as_many_queries_for_3_reviews_as_for_120(login, make_use_case, council):
    few = queries(login(queue_of(make_use_case, 3)), QUEUE)
    many = queries(login(queue_of(make_use_case, 117)), QUEUE)  # the same member: 120 now
    assert few == many == QUEUE_QUERIES


# --- The chair's pipeline -----------------------------------------------------------------------


def pipeline_of(make_use_case, each: int) -> None:
    """`each` reviews ready for the chair, `each` awaiting assignment and `each` voting."""
    ready = make_use_case("submitted", title="Ready one").reviews.get()
    vote_all(ready)
    awaiting = with_empty_cx_seat(make_use_case, title="Unassigned one")
    voting = make_use_case("submitted", title="Voting one").reviews.get()
    for review in (ready, awaiting, voting):
        clone_reviews(review, each - 1)


def section(page: str, key: str) -> str:
    return page.split(f'id="{key}"')[1].split("</section>")[0]


def rows_in(part: str) -> int:
    return part.count('data-label="Use case"')


def test_the_pipeline_shows_50_rows_a_page_groups_in_order_counted_over_every_page(
    login, make_use_case, council
):
    pipeline_of(make_use_case, 40)
    client = login(council["chair"])
    first = page_of(client, PIPELINE)
    assert "120 open reviews" in first
    assert rows_in(first) == 50
    assert rows_in(section(first, "ready")) == 40
    assert rows_in(section(first, "awaiting_assignment")) == 10
    assert "10 of its 40 reviews on this page" in section(first, "awaiting_assignment")
    assert rows_in(section(first, "voting")) == 0
    assert "Its 40 reviews are on" in section(first, "voting")
    assert 'href="?page=2#voting"' in first  # where the voting group starts
    assert re.search(r'id="voting-title">Voting <span class="count"[^>]*>40<', first)
    assert "Page 1 of 3" in first

    second = page_of(client, f"{PIPELINE}?page=2")
    assert rows_in(second) == 50
    assert second.index('id="awaiting_assignment"') < second.index('id="voting"')
    assert rows_in(section(second, "awaiting_assignment")) == 30
    assert rows_in(section(second, "voting")) == 20
    assert "No Customer experience reviewer: assign one" in section(second, "awaiting_assignment")
    assert rows_in(page_of(client, f"{PIPELINE}?page=3")) == 20


def test_every_review_is_on_exactly_one_page_of_the_pipeline(login, make_use_case, council):
    pipeline_of(make_use_case, 40)
    client = login(council["chair"])
    seen = []
    for number in (1, 2, 3):
        page = page_of(client, f"{PIPELINE}?page={number}&sort=tier")
        seen += re.findall(r'href="/reviews/(\d+)/"', page)
    assert len(seen) == len(set(seen)) == 120


def test_the_pipelines_page_links_keep_the_sort_and_filters(login, make_use_case, council):
    pipeline_of(make_use_case, 40)
    client = login(council["chair"])
    tier = UseCase.objects.values_list("risk_tier", flat=True).first()
    page = page_of(client, f"{PIPELINE}?sort=age&tier={tier}")
    links = re.findall(r'href="(\?[^"]*)" rel="next"', page)
    assert links, "a next page is offered"
    assert "sort=age" in links[0] and f"tier={tier}" in links[0] and "page=2" in links[0]


def test_a_group_filter_pages_through_that_group_only(login, make_use_case, council):
    pipeline_of(make_use_case, 60)
    client = login(council["chair"])
    first = page_of(client, f"{PIPELINE}?group=voting")
    assert "60 of 180 open reviews match these filters" in first
    assert rows_in(first) == 50 and 'id="ready"' not in first
    second = page_of(client, f"{PIPELINE}?group=voting&page=2")
    assert rows_in(second) == 10


@pytest.mark.parametrize("number", ["abc", "0", "999"])
def test_a_pipeline_page_number_that_is_not_one_still_answers_a_page(
    login, make_use_case, council, number
):
    pipeline_of(make_use_case, 2)
    assert rows_in(page_of(login(council["chair"]), f"{PIPELINE}?page={number}")) == 6


def test_the_pipeline_reads_as_many_queries_for_3_reviews_as_for_120(login, make_use_case, council):
    pipeline_of(make_use_case, 1)
    client = login(council["chair"])
    few = queries(client, PIPELINE)
    pipeline_of(make_use_case, 39)  # 120 now: ready and awaiting assignment on the first page
    assert few == queries(client, PIPELINE)


def test_only_the_chair_pages_through_the_pipeline(login, make_use_case, council):
    pipeline_of(make_use_case, 2)
    assert login(council["legal"]).get(f"{PIPELINE}?page=2").status_code == 403


# --- The public transparency page ---------------------------------------------------------------


def published(make_use_case, alice, owner, count: int) -> list[str]:
    """`count` published entries; their references in order."""
    public = _approved(make_use_case, alice, summary="Helps.")
    entry = _record(public, alice, owner, "One")
    Deployment.objects.bulk_create(
        [_copy(entry, reference=f"AI-9{n:04d}") for n in range(count - 1)]
    )
    return sorted(Deployment.objects.values_list("reference", flat=True))


def tools_on(page: str) -> list[str]:
    return re.findall(r'<h2 id="entry-([\w-]+)"', page)


def next_link(page: str) -> str:
    found = re.search(r'<a href="([^"]*)" rel="next"', page)
    return found.group(1).replace("&amp;", "&") if found else ""


def test_the_public_page_shows_50_tools_a_page_and_the_next_page_the_rest(
    client, make_use_case, council, alice, owner
):
    every = published(make_use_case, alice, owner, 120)
    shown, url = [], TRANSPARENCY
    while url:
        page = page_of(client, url)
        on_page = tools_on(page)
        assert len(on_page) == (50 if len(shown) < 100 else 20)
        assert "What it does" in page and "How to reach a person" in page  # the facts stay
        shown += on_page
        url = next_link(page)
    assert shown == every


def test_the_public_pages_link_back_to_the_previous_page_without_javascript(
    client, make_use_case, council, alice, owner
):
    every = published(make_use_case, alice, owner, 120)
    second = page_of(client, next_link(page_of(client, TRANSPARENCY)))
    assert tools_on(second) == every[50:100]
    back = re.search(r'<a href="([^"]*)" rel="prev"', second).group(1)
    assert back == f"{TRANSPARENCY}?before={every[50]}"
    assert tools_on(page_of(client, back)) == every[:50]
    assert f'<a href="{TRANSPARENCY}">First page</a>' in second
    assert "<script" not in second.split('class="pagination"')[1]


def test_a_short_public_list_has_no_page_links(client, make_use_case, council, alice, owner):
    published(make_use_case, alice, owner, 3)
    page = page_of(client, TRANSPARENCY)
    assert len(tools_on(page)) == 3
    assert 'class="pagination"' not in page


def test_past_the_last_tool_the_public_page_says_so_and_offers_the_first_page(
    client, make_use_case, council, alice, owner
):
    published(make_use_case, alice, owner, 3)
    page = page_of(client, f"{TRANSPARENCY}?after=AI-99999")
    assert "There are no more tools to show here." in page
    assert "We do not use any AI tools" not in page
    assert f'<a href="{TRANSPARENCY}">First page</a>' in page


@pytest.mark.parametrize(
    "query", ["after=%3Cscript%3E", "after=AI%000001", "before=" + "A" * 17, "after=a%20b"]
)
def test_a_page_address_that_is_not_ours_is_refused_in_words(client, db, query):
    response = client.get(f"{TRANSPARENCY}?{query}")
    assert response.status_code == 400
    assert "not one of ours" in response.content.decode()


def test_the_public_page_reads_as_many_queries_for_3_tools_as_for_120(
    client, make_use_case, council, alice, owner
):
    published(make_use_case, alice, owner, 3)
    few = queries(client, TRANSPARENCY)
    Deployment.objects.bulk_create(
        [_copy(Deployment.objects.first(), reference=f"AI-8{n:04d}") for n in range(117)]
    )
    assert few == queries(client, TRANSPARENCY) == PAGE_QUERIES
    assert len(tools_on(page_of(client, TRANSPARENCY))) == 50
