"""Lists count at most `common.paging.COUNT_CAP` rows (issue 14: "counts that do not scan the
whole table"): past the cap the count says so, and every page stays reachable."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from common import paging
from common.paging import CappedPaginator, capped_counts
from oversight import selectors as oversight_selectors
from usecases import views as usecase_views
from usecases.choices import State
from usecases.models import UseCase

URL = "/api/v1/use-cases/"


@pytest.fixture
def cap_of_five(monkeypatch):
    monkeypatch.setattr(paging, "COUNT_CAP", 5)


@pytest.fixture
def twelve_use_cases(make_use_case):
    return [make_use_case(title=f"Tool {number:02d}") for number in range(12)]


def _count_queries(context) -> list[str]:
    return [query["sql"] for query in context.captured_queries if "COUNT(" in query["sql"]]


def test_the_api_counts_up_to_the_cap_and_says_the_count_is_not_exact(
    cap_of_five, twelve_use_cases, api, alice
):
    with CaptureQueriesContext(connection) as context:
        body = api(alice).get(URL, {"page_size": 2}).json()

    assert body["count"] == 5
    assert body["count_is_exact"] is False
    assert body["next"] is not None
    [count] = _count_queries(context)
    assert re.search(r"LIMIT 6\b", count), count  # the database stops counting at the cap


def test_past_the_cap_every_page_is_reachable_and_the_last_has_no_next(
    cap_of_five, twelve_use_cases, api, alice
):
    client = api(alice)

    last = client.get(URL, {"page_size": 2, "page": 6}).json()
    beyond = client.get(URL, {"page_size": 2, "page": 7})

    assert len(last["results"]) == 2
    assert last["next"] is None
    assert last["previous"] is not None
    assert beyond.status_code == 404
    titles = set()
    for page in range(1, 7):
        titles |= {
            row["title"]
            for row in client.get(URL, {"page_size": 2, "page": page}).json()["results"]
        }
    assert titles == {use_case.title for use_case in twelve_use_cases}


def test_under_the_cap_the_count_is_exact(cap_of_five, make_use_case, api, alice):
    for number in range(4):
        make_use_case(title=f"Tool {number}")

    body = api(alice).get(URL).json()

    assert (body["count"], body["count_is_exact"]) == (4, True)


def test_the_schema_declares_whether_the_count_is_exact(api, alice):
    schema = api(alice).get("/api/schema/", {"format": "json"}).json()

    page = schema["components"]["schemas"]["PaginatedUseCaseList"]
    assert "count_is_exact" in page["required"]
    assert page["properties"]["count_is_exact"]["type"] == "boolean"


def test_the_list_page_shows_the_cap_with_a_plus_and_walks_past_it(
    cap_of_five, twelve_use_cases, monkeypatch, client, alice
):
    monkeypatch.setattr(usecase_views, "PAGE_SIZE", 5)
    client.force_login(alice)

    first = client.get("/use-cases/").content.decode()
    third = client.get("/use-cases/", {"page": 3}).content.decode()

    assert re.search(r'role="status">5\+ use cases · page 1<', first)
    assert 'rel="next"' in first
    assert "Tool 00" in third or "Tool 11" in third  # the last two rows, whichever the order
    assert len(re.findall(r"Tool \d\d", third)) == 2
    assert 'rel="next"' not in third
    assert "Page 3</span>" in third


def test_the_home_page_counts_each_state_up_to_its_cap_in_one_query(
    monkeypatch, twelve_use_cases, make_use_case, login, alice
):
    monkeypatch.setattr(oversight_selectors, "HOME_COUNT_CAP", 5)
    make_use_case("submitted")
    with CaptureQueriesContext(connection) as context:
        page = login(alice).get("/").content.decode()

    assert re.search(r'Draft</span> <span class="counts__n">5\+<', page)
    assert re.search(r'In review</span> <span class="counts__n">1<', page)
    assert "All 5+ use cases" in page
    [count] = [sql for sql in _count_queries(context) if "state" in sql and "capped" in sql]
    assert count.count("LIMIT 6") == len(State), count  # each state's count stops at the cap


def test_a_list_no_row_can_be_in_counts_none(db):
    nothing = UseCase.objects.filter(pk__in=[])

    assert CappedPaginator(nothing, 50).count == 0
    counted = capped_counts({"none": nothing, "all": UseCase.objects.all()}, cap=5)
    assert counted == {"none": 0, "all": 0}
