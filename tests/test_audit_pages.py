import json

from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEvent
from audit.services import audit_record

from .test_audit import _tamper


def test_the_audit_trail_page_is_for_auditors_and_the_chair(
    client, alice, auditor, chair, make_use_case
):
    use_case = make_use_case("submitted")
    client.force_login(alice)
    assert client.get("/audit/").status_code == 403
    assert client.post("/audit/verify/").status_code == 403
    for user in (auditor, chair):
        client.force_login(user)
        page = client.get("/audit/").content.decode()
        assert use_case.reference in page and "submitted" in page


def test_filters_narrow_the_events(client, auditor, make_use_case):
    first = make_use_case()
    second = make_use_case()
    client.force_login(auditor)
    page = client.get(
        "/audit/", {"object_id": str(first.pk), "object_type": "usecases.usecase"}
    ).content.decode()
    assert first.reference in page and second.reference not in page


def test_the_verify_button_reports_an_intact_chain_and_a_broken_one(client, auditor, alice):
    events = [audit_record(actor=alice, action="step", object_type="test") for _ in range(3)]
    client.force_login(auditor)
    page = client.post("/audit/verify/", follow=True).content.decode()
    assert "Audit chain intact" in page
    _tamper(events[1].pk, action="forged")
    page = client.post("/audit/verify/", follow=True).content.decode()
    assert "broken at event #2" in page
    assert AuditEvent.objects.filter(action="chain_verified").count() == 2


# The audit page's queries, pinned: a change shows here.
PAGE_QUERIES = 11


def test_the_audit_page_runs_constant_queries(client, auditor, alice):
    client.force_login(auditor)

    def count():
        with CaptureQueriesContext(connection) as context:
            client.get("/audit/")
        return len(context)

    audit_record(actor=alice, action="one", object_type="test")
    count()  # warm the per-process caches (content types)
    few = count()
    for _ in range(30):
        audit_record(actor=alice, action="more", object_type="test")
    assert count() == few == PAGE_QUERIES


def test_the_export_links_carry_the_current_filters(client, auditor, alice):
    for _ in range(60):
        audit_record(actor=alice, action="step", object_type="test")
    client.force_login(auditor)
    page = client.get("/audit/", {"action": "step", "page": 2}).content.decode()
    assert 'href="/api/v1/audit-events/export/?action=step&amp;format=csv"' in page
    assert 'href="?action=step&amp;page=1"' in page


def test_the_page_filters_by_username_and_its_export_keeps_that_filter(client, auditor, alice, bob):
    audit_record(actor=alice, action="by_alice", object_type="test")
    audit_record(actor=bob, action="by_bob", object_type="test")
    client.force_login(auditor)

    page = client.get("/audit/", {"actor_username": "Alice"}).content.decode()
    export = client.get(
        "/api/v1/audit-events/export/", {"actor_username": "alice", "format": "json"}
    )
    rows = json.loads(b"".join(export.streaming_content))["rows"]

    assert "by_alice" in page and "by_bob" not in page
    assert 'name="actor"' not in page  # ids are for the API; people know usernames
    assert 'href="/api/v1/audit-events/export/?actor_username=Alice&amp;format=csv"' in page
    assert {row["action"] for row in rows} == {"by_alice"}


def test_a_reference_finds_every_event_of_that_record(client, auditor, make_use_case):
    first = make_use_case("submitted")
    second = make_use_case("submitted")
    client.force_login(auditor)
    page = client.get("/audit/", {"reference": first.reference.lower()}).content.decode()
    assert first.reference in page and second.reference not in page
    api = client.get("/api/v1/audit-events/", {"reference": first.reference}).json()
    assert api["results"] and {e["object_ref"] for e in api["results"]} == {first.reference}


def test_changes_read_as_field_before_and_after_with_labels(client, auditor, make_use_case):
    use_case = make_use_case()
    audit_record(
        actor=None,
        action="changed",
        obj=use_case,
        changes={"title": ["Old title", "New title"], "channels": [["email"], []]},
    )
    client.force_login(auditor)
    page = client.get("/audit/", {"reference": use_case.reference}).content.decode()
    assert "<strong>Title:</strong> Old title → New title" in page
    assert "<strong>Channels:</strong> email → —" in page
    assert "{&#x27;title&#x27;" not in page and "[&#x27;" not in page
