"""The auditor's page for people: the object kind and the person picked from lists in words, each
object linked to its page, names beside usernames, at a query count that does not grow."""

import html
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEvent
from audit.services import audit_record
from oversight.audit_filters import OBJECT_KINDS

from .factories import UserFactory
from .reviews_support import reload_default_review_data
from .shared_world import entry_world

# The tests of one registry entry share it (tests/shared_world.py): its use case, review and entry.
one_entry = pytest.mark.shared_world(build=entry_world)

WHO, ACTION, OBJECT = 2, 3, 4


def _name(user, first, last):
    user.first_name, user.last_name = first, last
    user.save(update_fields=["first_name", "last_name"])
    return user


def _options(page: str, name: str) -> list[tuple[str, str]]:
    """(value, label) of each option of the select named `name`."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert select, f"no picker named {name}"
    found = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select.group(1))
    return [(html.unescape(value), html.unescape(label)) for value, label in found]


def _rows(page: str) -> list[list[str]]:
    """The cells of each row of the events table, as HTML."""
    if "Audit events, newest first" not in page:
        return []
    table = page[page.index("Audit events, newest first") :]
    table = table[: table.index("</table>")]
    rows = [
        re.findall(r"<td>(.*?)</td>", row, re.S)
        for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)
    ]
    return [cells for cells in rows if cells]  # the header row has none


def _page(client, **params) -> str:
    response = client.get("/audit/", params)
    assert response.status_code == 200
    return response.content.decode()


# --- The pickers ----------------------------------------------------------------------------


def test_the_object_kind_picker_lists_kinds_in_words_with_any_first(client, auditor):
    client.force_login(auditor)
    options = _options(_page(client), "object_type")

    assert options[0] == ("", "Any")
    assert {
        ("usecases.usecase", "Use case"),
        ("registry.deployment", "Registry entry"),
        ("reviews.review", "Review"),
        ("registry", "Registry (exports)"),
        ("audit_trail", "Audit trail (exports, chain checks)"),
        ("auth.user", "User account"),
    } <= set(options)
    labels = [label for _, label in options[1:]]
    assert labels == sorted(labels)


def test_the_person_picker_lists_who_acted_by_name_and_username(
    client, auditor, alice, bob, outsider
):
    _name(alice, "Alice", "Martin")
    audit_record(actor=alice, action="by_alice", object_type="test")
    audit_record(actor=bob, action="by_bob", object_type="test")
    client.force_login(auditor)
    page = _page(client)

    assert _options(page, "actor_username") == [
        ("", "Any"),
        ("alice", "Alice Martin (alice)"),
        ("bob", "bob"),  # no name: the username alone
    ]
    assert outsider.username not in page  # never acted: nothing to find
    assert '<input type="text" name="actor_username"' not in page
    assert 'name="actor"' not in page


# --- Filtering by kind and by person ----------------------------------------------------------


@one_entry
def test_filtering_by_kind_lists_only_events_about_that_kind(client, auditor, approved, entry):
    client.force_login(auditor)

    rows = _rows(_page(client, object_type="registry.deployment"))

    assert rows and all(row[OBJECT].startswith("Registry entry ") for row in rows)
    assert all(entry.reference in row[OBJECT] for row in rows)
    assert not any(approved.reference in row[OBJECT] for row in rows)
    reviews = _rows(_page(client, object_type="reviews.review"))
    assert reviews and all(row[OBJECT].startswith("Review ") for row in reviews)
    assert len(rows) + len(reviews) < AuditEvent.objects.count()


def test_filtering_by_person_lists_only_what_they_did(client, auditor, alice, bob):
    _name(bob, "Bob", "Builder")
    audit_record(actor=alice, action="by_alice", object_type="test")
    audit_record(actor=bob, action="by_bob", object_type="test")
    client.force_login(auditor)
    page = _page(client, actor_username="bob")

    rows = _rows(page)
    assert [(row[WHO], row[ACTION]) for row in rows] == [("Bob Builder (bob)", "by_bob")]
    assert ("bob", "Bob Builder (bob)") in _options(page, "actor_username")
    assert re.search(r'<option value="bob" selected>', page)  # the picker keeps the choice
    assert 'href="/api/v1/audit-events/export/?actor_username=bob&amp;format=csv"' in page


def test_kind_and_person_together_narrow_to_both(client, auditor, alice, bob, make_use_case):
    mine = make_use_case()
    audit_record(actor=bob, action="looked", obj=mine)
    audit_record(actor=alice, action="by_alice", object_type="test")
    client.force_login(auditor)

    rows = _rows(_page(client, object_type="usecases.usecase", actor_username="alice"))

    assert rows and {row[WHO] for row in rows} == {"alice"}
    assert all(row[OBJECT].startswith("Use case ") for row in rows)
    assert "looked" not in {row[ACTION] for row in rows}


def test_the_api_still_takes_kinds_as_codes_and_people_by_id(api, auditor, alice, bob):
    audit_record(actor=alice, action="by_alice", object_type="test")
    audit_record(actor=bob, action="by_bob", object_type="test")
    client = api(auditor)

    by_code = client.get("/api/v1/audit-events/", {"object_type": "test"}).json()["results"]
    by_id = client.get("/api/v1/audit-events/", {"actor": bob.pk}).json()["results"]
    by_name = client.get("/api/v1/audit-events/", {"actor_username": "ALICE"}).json()["results"]

    assert {e["action"] for e in by_code} == {"by_alice", "by_bob"}  # a kind no picker lists
    assert [e["action"] for e in by_id] == ["by_bob"]
    assert [e["action"] for e in by_name] == ["by_alice"]


# --- What must not work -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"object_type": "usecases.nothing"}, "Choose an object kind from the list."),
        ({"object_type": "x" * 5000}, "Choose an object kind from the list."),
        ({"actor_username": "nobody"}, "Choose a person from the list"),
        ({"actor_username": "<script>alert(1)</script>"}, "Choose a person from the list"),
        ({"actor_username": "\u0000"}, "Choose a person from the list"),
        ({"from": "yesterday"}, "Enter a valid date."),
    ],
)
def test_bad_filters_give_the_form_again_with_a_message(client, auditor, alice, params, message):
    audit_record(actor=alice, action="by_alice", object_type="test")
    client.force_login(auditor)

    page = _page(client, **params)

    assert message in page
    assert "Correct the filters above to see the matching events." in page
    assert _rows(page) == [] and "<script>alert(1)</script>" not in page
    assert 'name="object_type"' in page and 'name="actor_username"' in page


def test_a_person_id_on_the_page_is_not_a_filter_and_no_error(client, auditor, alice, bob):
    audit_record(actor=alice, action="by_alice", object_type="test")
    audit_record(actor=bob, action="by_bob", object_type="test")
    client.force_login(auditor)
    for garbage in (str(alice.pk), "999999", "abc", "1e3"):
        rows = _rows(_page(client, actor=garbage))
        assert {row[ACTION] for row in rows} == {"by_alice", "by_bob"}


def test_team_members_reviewers_and_outsiders_cannot_open_the_page(client, alice, review, outsider):
    alice = _name(alice, "Alice", "Martin")
    reviewer = review.assignments.first().reviewer
    for user in (alice, reviewer, outsider):
        client.force_login(user)
        response = client.get("/audit/", {"actor_username": "alice"})
        assert response.status_code == 403
        assert "Alice Martin (alice)" not in response.content.decode()


# --- Each object linked, each person named ----------------------------------------------------


@one_entry
def test_each_object_links_to_its_page_and_the_auditor_can_open_it(
    client, auditor, approved, entry
):
    review = approved.reviews.get()
    client.force_login(auditor)
    # A review has no reference of its own: its events carry its use case's.
    expected = {
        "usecases.usecase": (f"/use-cases/{approved.pk}/", approved.reference),
        "registry.deployment": (f"/registry/{entry.pk}/", entry.reference),
        "reviews.review": (f"/reviews/{review.pk}/", approved.reference),
    }
    for kind, (url, text) in expected.items():
        rows = _rows(_page(client, object_type=kind))
        assert rows and {row[OBJECT] for row in rows} == {
            f'{OBJECT_KINDS[kind]} <a href="{url}">{html.escape(text)}</a>'
        }
        assert client.get(url).status_code == 200, url


def test_objects_without_a_page_show_plain_text(client, auditor, alice):
    audit_record(actor=alice, action="odd", object_type="reviews.review", object_id="not-a-number")
    audit_record(actor=auditor, action="exported", object_type="registry")
    client.force_login(auditor)
    rows = _rows(_page(client))

    objects = {row[ACTION]: row[OBJECT] for row in rows}
    assert objects["exported"] == "Registry (exports)"
    assert objects["odd"] == "Review not-a-number"


def test_who_shows_the_name_beside_the_username_and_system_for_nobody(client, auditor, alice):
    _name(alice, "Alice", "Martin")
    audit_record(actor=alice, action="by_alice", object_type="test")
    audit_record(actor=None, action="by_nobody", object_type="test")
    client.force_login(auditor)
    who = {row[ACTION]: row[WHO] for row in _rows(_page(client))}
    assert who == {"by_alice": "Alice Martin (alice)", "by_nobody": "system"}


# --- The kinds listed are the kinds recorded ----------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
APPS = ("audit", "common", "council", "usecases", "reviews", "registry", "workflows", "oversight")


def _kinds_named_in_code() -> set[str]:
    """The kinds written as text: `object_type="…"`, and the exports' `kind="…"`."""
    sources = [path for app in APPS for path in (ROOT / app).rglob("*.py")]
    kinds = {
        kind for path in sources for kind in re.findall(r'object_type="([^"]+)"', path.read_text())
    }
    return kinds | set(
        re.findall(r'kind="([^"]+)"', (ROOT / "oversight" / "exports.py").read_text())
    )


def test_every_kind_the_demo_and_the_code_record_is_in_the_picker(client, auditor):
    reload_default_review_data()  # a transactional test may have flushed it on this worker
    call_command("seed_demo", stdout=StringIO())
    recorded = set(AuditEvent.objects.values_list("object_type", flat=True))
    client.force_login(auditor)

    picker = {value for value, _ in _options(_page(client), "object_type")}

    assert {"usecases.usecase", "reviews.review", "registry.deployment"} <= recorded
    assert picker == {"", *OBJECT_KINDS}
    assert recorded | _kinds_named_in_code() <= picker


# --- Queries ----------------------------------------------------------------------------------


def _queries(client, **params) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get("/audit/", params).status_code == 200
    return len(context)


def test_the_page_query_count_does_not_grow_with_events_people_or_filters(
    client, auditor, alice, make_use_case
):
    audit_record(actor=alice, action="one", object_type="test")
    client.force_login(auditor)
    _queries(client)  # warm the per-process caches (content types)
    one = _queries(client)

    use_case = make_use_case("submitted")  # events with links: the use case and its review
    for n in range(30):
        person = UserFactory(username=f"person{n}", first_name=f"Person {n}", last_name="Doe")
        audit_record(actor=person, action="looked", obj=use_case)
        audit_record(actor=person, action="looked", obj=use_case.reviews.get())
    assert AuditEvent.objects.count() > 50  # more than one page

    assert _queries(client) == one
    assert _queries(client, page="2") == one
    assert _queries(client, object_type="reviews.review", actor_username="PERSON3") == one
