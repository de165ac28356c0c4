"""The auditor's pages: export buttons on the registry, and export manifests on the audit trail."""

import html
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

import workflows
from audit.models import AuditEvent
from audit.services import audit_record
from oversight import exports
from oversight.exports import RegistryFilters

from .registry_support import PILOT_RESULTS, body, csv_rows
from .shared_world import entry_world, two_entries_world

# The tests of one entry share it, those of two share them (tests/shared_world.py).
one_entry = pytest.mark.shared_world(build=entry_world)
two_entries = pytest.mark.shared_world(build=two_entries_world)

EXPORT_LINK = re.compile(r'href="(/api/v1/registry/export/\?[^"]*)">Export (CSV|JSON|XLSX)<')


def _export_links(page: str) -> dict[str, str]:
    return {fmt: html.unescape(href) for href, fmt in EXPORT_LINK.findall(page)}


def _export_registry(user, n=1) -> list[AuditEvent]:
    for _ in range(n):
        exports.registry_export(user=user, fmt="json", filters=RegistryFilters(stage="pilot"))
    return list(AuditEvent.objects.filter(action="exported").order_by("seq"))


# --- Export buttons on /registry/ -----------------------------------------------------------


@one_entry
def test_auditors_and_the_chair_see_export_buttons_carrying_the_current_filters(
    client, auditor, chair, marketing, entry
):
    for user in (auditor, chair):
        client.force_login(user)
        page = client.get(
            "/registry/", {"team": marketing.pk, "stage": "pilot", "page": "1"}
        ).content.decode()
        links = _export_links(page)
        for fmt in ("CSV", "JSON", "XLSX"):
            assert links[fmt] == (
                f"/api/v1/registry/export/?team={marketing.pk}&stage=pilot&format={fmt.lower()}"
            )


@two_entries
def test_the_csv_button_downloads_exactly_the_entries_the_page_lists(
    client, auditor, alice, entry, second_entry
):
    running, piloting = entry, second_entry
    workflows.deployment_change_stage(
        actor=alice, deployment=running, stage="production", **PILOT_RESULTS
    )
    client.force_login(auditor)
    page = client.get("/registry/", {"stage": "production"}).content.decode()
    assert running.reference in page and piloting.reference not in page

    response = client.get(_export_links(page)["CSV"])
    assert response.status_code == 200
    rows = csv_rows(response)
    assert [row["reference"] for row in rows] == [running.reference]
    manifest = json.loads(response["X-Export-Manifest"])
    assert manifest["rows"] == 1 and manifest["filters"] == {"stage": "production"}


@one_entry
def test_the_past_day_export_form_carries_the_current_filters(client, auditor, entry):
    client.force_login(auditor)
    page = client.get("/registry/", {"risk_tier": "limited", "stage": "pilot"}).content.decode()
    form = page[page.index('aria-label="Export the registry as it stood on a past day"') :]
    form = form[: form.index("</form>")]
    assert '<input type="hidden" name="risk_tier" value="limited">' in form
    assert '<input type="hidden" name="stage" value="pilot">' in form
    assert 'name="team"' not in form
    assert 'type="date" id="export-as-of" name="as_of" required' in form


@one_entry
def test_invalid_filters_offer_no_export_that_would_fail(client, auditor, entry):
    client.force_login(auditor)
    response = client.get("/registry/", {"stage": "on-the-moon"})
    assert response.status_code == 200
    page = response.content.decode()
    assert _export_links(page) == {}
    assert "Correct the filters above to export" in page


@one_entry
def test_other_people_see_no_export_buttons_and_cannot_export(client, alice, council_member, entry):
    for user in (alice, council_member):
        client.force_login(user)
        page = client.get("/registry/").content.decode()
        assert "Export CSV" not in page and "as it stood on a past day" not in page
        assert client.get("/api/v1/registry/export/?format=csv").status_code == 403
    assert not AuditEvent.objects.filter(action="exported").exists()


# --- Export manifests on /audit/ ------------------------------------------------------------


@one_entry
def test_a_csv_export_manifest_downloads_from_the_audit_trail(client, auditor, entry):
    client.force_login(auditor)
    download = client.get("/api/v1/registry/export/", {"format": "csv", "stage": "pilot"})
    sent = json.loads(download["X-Export-Manifest"])
    event = AuditEvent.objects.get(action="exported")

    page = client.get("/audit/").content.decode()
    link = f'href="/audit/events/{event.seq}/manifest.json"'
    assert page.count(link) == 2  # in "Recent exports" and on the event's row

    response = client.get(f"/audit/events/{event.seq}/manifest.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == (
        f'attachment; filename="export-{event.seq}-manifest.json"'
    )
    manifest = json.loads(response.content)
    assert manifest == sent
    assert manifest["rows"] == 1 and manifest["filters"] == {"stage": "pilot"}
    assert manifest["generated_by"] == auditor.username and len(manifest["sha256"]) == 64
    assert entry.reference in body(download).decode()


def test_the_chair_may_download_a_manifest_too(client, chair, auditor):
    (event,) = _export_registry(auditor)
    client.force_login(chair)
    assert client.get(f"/audit/events/{event.seq}/manifest.json").status_code == 200


def test_other_people_cannot_download_a_manifest(client, auditor, alice, council_member):
    (event,) = _export_registry(auditor)
    for user in (alice, council_member):
        client.force_login(user)
        assert client.get(f"/audit/events/{event.seq}/manifest.json").status_code == 403


def test_only_export_events_have_a_manifest(client, auditor, alice):
    other = audit_record(actor=alice, action="created", object_type="test")
    client.force_login(auditor)
    for seq in (other.seq, other.seq + 100, 2**70):
        assert client.get(f"/audit/events/{seq}/manifest.json").status_code == 404
    page = client.get("/audit/").content.decode()
    assert "manifest.json" not in page and "No exports yet." in page


def test_recent_exports_lists_the_last_ten_newest_first(client, auditor):
    events = _export_registry(auditor, n=12)
    client.force_login(auditor)
    page = client.get("/audit/", {"action": "no-such-action"}).content.decode()
    recent = page[page.index("Recent exports") : page.index("</table>")]
    linked = [int(seq) for seq in re.findall(r"/audit/events/(\d+)/manifest.json", recent)]
    assert linked == [e.seq for e in reversed(events)][:10]
    newest = events[-1].changes["manifest"][1]
    assert f"<code>{newest['sha256'][:12]}</code>" in recent
    assert "Registry JSON" in recent and auditor.username in recent


# The audit page's queries, pinned: a change shows here.
AUDIT_PAGE_QUERIES = 11


def test_the_audit_page_query_count_does_not_grow_with_the_exports(client, auditor):
    client.force_login(auditor)

    def count():
        with CaptureQueriesContext(connection) as context:
            assert client.get("/audit/").status_code == 200
        return len(context)

    _export_registry(auditor)
    count()  # warm the per-process caches (content types)
    few = count()
    _export_registry(auditor, n=11)
    assert count() == few == AUDIT_PAGE_QUERIES
