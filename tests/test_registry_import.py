"""Importing an existing inventory (SPEC section 11): a spreadsheet becomes legacy use cases and
registry entries, each with the council's first review; bad cells are reported, not imported;
the same file twice changes nothing."""

import csv
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from openpyxl import Workbook

import workflows
from audit import backends
from audit.models import AuditEvent
from audit.services import verify_chain
from common.errors import ActionForbidden
from council.models import Notification
from inventory.models import AiModel, Vendor
from registry.imports import COLUMN_NAMES
from registry.models import Deployment, ImportStatus, RegistryImport
from reviews.models import Review, ReviewKind
from reviews.selectors import conflicted
from usecases.choices import State
from usecases.models import UseCase

ROW = {
    "inventory_id": "MKT-014",
    "name": "Churn propensity score",
    "description": "Scores customers' likelihood to leave.",
    "team": "Marketing",
    "business_owner": "olivia.owner@example.com",
    "technical_owner": "alice",
    "functions": "marketing",
    "channels": "E-mail; web",
    "capabilities": "predictive_scoring",
    "vendor": "Northwind AI",
    "model": "Atlas",
    "model_type": "llm",
    "model_version": "2.1",
    "data_categories": "behavioural; transactional",
    "affected_people": "customers",
    "customer_facing": "no",
    "markets": "GB; IE",
    "stage": "production",
    "go_live_date": "2024-03-01",
    "human_oversight": "The campaign manager checks each segment.",
    "monitoring_kpis": "Retention rate",
}


def sheet(*rows, columns=COLUMN_NAMES, name="inventory.csv"):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return SimpleUploadedFile(name, out.getvalue().encode(), content_type="text/csv")


@pytest.fixture
def world(db, marketing, alice, owner, council):
    return council


def check_and_run(chair, *rows, **kwargs):
    checked = workflows.registry_import_check(actor=chair, upload=sheet(*rows, **kwargs))
    return workflows.registry_import_run(actor=chair, registry_import=checked)


def test_a_row_becomes_a_legacy_use_case_an_entry_and_a_first_review(world):
    chair = world["chair"]
    done = check_and_run(chair, ROW, {**ROW, "inventory_id": "CC-2", "name": "Chat helper"})

    assert done.status == ImportStatus.IMPORTED
    assert [r["status"] for r in done.report] == ["created", "created"]
    entry = Deployment.objects.get(reference=done.report[0]["reference"])
    assert entry.legacy and entry.approval is None and entry.last_review_date is None
    assert entry.stage == "production" and entry.channels == ["email", "web"]
    assert entry.business_owner.username == "olivia.owner"
    assert entry.technical_owner.username == "alice"
    use_case = entry.use_case
    assert use_case.legacy and use_case.state == State.DEPLOYED and use_case.revision == 1
    assert use_case.team.name == "Marketing" and use_case.markets == ["GB", "IE"]
    review = use_case.reviews.get()
    assert review.kind == ReviewKind.LEGACY and review.state == "open"
    assert entry.next_review_due == review.due_date
    # The chair who imported it may still decide it (four eyes: the owner stands as author).
    assert not conflicted(user=chair, use_case=use_case)
    assert review.assignments.filter(role="privacy", reviewer=world["privacy"]).exists()
    version = entry.model_versions.get()
    assert (version.model.vendor.name, version.model.name, version.version) == (
        "Northwind AI",
        "Atlas",
        "2.1",
    )
    assert Vendor.objects.count() == 1 and AiModel.objects.count() == 1
    assert AuditEvent.objects.filter(
        action="imported", object_type="registry.registryimport"
    ).exists()


def test_each_reviewer_hears_once_for_the_whole_import(world):
    chair = world["chair"]
    rows = [{**ROW, "inventory_id": f"MKT-{n}", "name": f"Tool {n}"} for n in range(3)]
    check_and_run(chair, *rows)
    privacy = world["privacy"]
    notes = Notification.objects.filter(user=privacy, kind="assigned")
    assert notes.count() == 1
    assert notes.get().subject == "3 first reviews of tools already in service"


def test_a_large_imports_audit_events_wait_for_its_commit_on_disk(world, monkeypatch):
    """Its memory stays flat (bench/import_memory.py): past `PENDING_IN_MEMORY` events, the
    earlier ones wait for the commit in a temporary file, and every one joins the chain."""
    monkeypatch.setattr(backends, "PENDING_IN_MEMORY", 2)
    pend, held = connection.audit_pend, []

    def pend_and_count(event):
        pend(event)
        held.append(connection.audit_pending_count() - len(connection.audit_pending))

    monkeypatch.setattr(connection, "audit_pend", pend_and_count)
    rows = [{**ROW, "inventory_id": f"MKT-{n}", "name": f"Tool {n}"} for n in range(3)]
    before = AuditEvent.objects.count()

    check_and_run(world["chair"], *rows)

    assert max(held) > 0  # some waited on disk
    assert AuditEvent.objects.count() - before == len(held)
    assert list(verify_chain()) == []


def test_importing_the_same_file_twice_changes_nothing(world):
    chair = world["chair"]
    check_and_run(chair, ROW)
    counts = (UseCase.objects.count(), Deployment.objects.count(), Review.objects.count())
    again = check_and_run(chair, ROW)
    assert [r["status"] for r in again.report] == ["unchanged"]
    assert (UseCase.objects.count(), Deployment.objects.count(), Review.objects.count()) == counts


def test_a_row_without_an_id_is_matched_by_team_and_name(world):
    chair = world["chair"]
    row = {**ROW, "inventory_id": ""}
    check_and_run(chair, row)
    again = check_and_run(chair, {**row, "name": "  churn PROPENSITY   score "})
    assert again.report[0]["status"] == "unchanged"


def test_the_dry_run_reports_each_wrong_cell_and_imports_nothing(world):
    chair = world["chair"]
    bad = {**ROW, "inventory_id": "X", "team": "Nowhere", "business_owner": "nobody@example.com",
           "channels": "fax", "go_live_date": "1 March", "stage": "retired"}  # fmt: skip
    checked = workflows.registry_import_check(actor=chair, upload=sheet(ROW, bad))
    assert checked.rows == 2 and checked.rows_with_errors == 1 and checked.rows_new == 1
    errors = checked.report[1]["errors"]
    assert set(errors) == {"team", "business_owner", "channels", "go_live_date", "stage"}
    assert "fax" in errors["channels"][0]
    assert UseCase.objects.count() == 0 and Deployment.objects.count() == 0
    with pytest.raises(ValidationError):
        workflows.registry_import_run(actor=chair, registry_import=checked)
    assert UseCase.objects.count() == 0 and Deployment.objects.count() == 0


def test_a_wrong_header_is_refused_at_once(world):
    with pytest.raises(ValidationError) as refused:
        workflows.registry_import_check(
            actor=world["chair"], upload=sheet(ROW, columns=("name", "colour"))
        )
    message = " ".join(refused.value.message_dict["file"])
    assert "Missing required columns: team, business_owner, technical_owner" in message
    assert "Unknown columns: colour" in message


def test_only_the_chair_imports(world, alice, auditor):
    for user in (alice, world["privacy"], auditor):
        with pytest.raises(ActionForbidden):
            workflows.registry_import_check(actor=user, upload=sheet(ROW))
    assert RegistryImport.objects.count() == 0


# --- the API ----------------------------------------------------------------------------------------


def post_import(client, upload, dry_run):
    return client.post(
        "/api/v1/registry/import/", {"file": upload, "dry_run": dry_run}, format="multipart"
    )


def test_the_api_dry_run_answers_per_row_and_imports_nothing(world, api):
    bad = {**ROW, "inventory_id": "X", "customer_facing": "maybe"}
    response = post_import(api(world["chair"]), sheet(ROW, bad), "true")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["rows"] == 2 and body["rows_with_errors"] == 1
    assert body["results"][0] == {
        "row": 2, "name": ROW["name"], "status": "valid", "errors": {}, "reference": ""
    }  # fmt: skip
    assert body["results"][1]["errors"] == {"customer_facing": ["yes or no."]}
    assert Deployment.objects.count() == 0


def test_the_api_imports_a_clean_file_once(world, api):
    client = api(world["chair"])
    response = post_import(client, sheet(ROW), "false")
    assert response.status_code == 201, response.content
    (row,) = response.json()["results"]
    assert row["status"] == "created" and row["reference"].startswith("AI-")
    again = post_import(client, sheet(ROW), "false")
    assert again.status_code == 201
    assert again.json()["results"][0] == {**row, "status": "unchanged"}
    assert Deployment.objects.count() == 1
    listed = client.get("/api/v1/registry/", {"legacy": "true"}).json()["results"]
    assert [entry["reference"] for entry in listed] == [row["reference"]]
    assert listed[0]["legacy"] is True and listed[0]["approval"] is None


def test_the_api_refuses_to_import_a_file_with_an_error(world, api):
    response = post_import(
        api(world["chair"]), sheet(ROW, {**ROW, "inventory_id": "2", "team": ""}), "false"
    )
    assert response.status_code == 400
    assert response.json()["results"][1]["errors"] == {"team": ["Required."]}
    assert Deployment.objects.count() == 0


def test_the_api_says_what_is_wrong_with_a_file_it_cannot_read(world, api):
    client = api(world["chair"])
    not_a_sheet = SimpleUploadedFile("inventory.pdf", b"%PDF-1.4", content_type="application/pdf")
    response = post_import(client, not_a_sheet, "true")
    assert response.status_code == 400
    assert "CSV or XLSX" in response.json()["file"][0]
    broken = SimpleUploadedFile("inventory.xlsx", b"not a zip", content_type="application/zip")
    assert "XLSX" in post_import(client, broken, "true").json()["file"][0]
    empty = SimpleUploadedFile("inventory.csv", b"", content_type="text/csv")
    assert "empty" in post_import(client, empty, "true").json()["file"][0]


def test_the_api_refuses_everyone_but_the_chair(world, api, alice, auditor):
    assert post_import(api(alice), sheet(ROW), "true").status_code == 403
    assert post_import(api(auditor), sheet(ROW), "true").status_code == 403
    assert post_import(api(), sheet(ROW), "true").status_code in (401, 403)


def test_an_xlsx_file_imports_like_its_csv(world, api):
    workbook = Workbook()
    workbook.active.append(list(COLUMN_NAMES))
    workbook.active.append([ROW.get(name, "") for name in COLUMN_NAMES])
    out = io.BytesIO()
    workbook.save(out)
    upload = SimpleUploadedFile("inventory.xlsx", out.getvalue())
    response = post_import(api(world["chair"]), upload, "false")
    assert response.status_code == 201, response.content
    entry = Deployment.objects.get()
    assert entry.go_live_date.isoformat() == "2024-03-01" and entry.markets == ["GB", "IE"]


# --- the pages --------------------------------------------------------------------------------------


def test_the_chair_checks_a_file_reads_its_report_and_imports_it(
    world, login, django_capture_on_commit_callbacks
):
    client = login(world["chair"])
    assert "Import an inventory" in client.get("/registry/").content.decode()
    bad = {**ROW, "inventory_id": "X", "technical_owner": "nobody"}
    response = client.post("/registry/import/", {"file": sheet(ROW, bad)})
    assert response.status_code == 302
    report = client.get(response["Location"]).content.decode()
    assert "1 row has errors" in report
    assert "Nobody has the e-mail address or username “nobody”." in report
    assert "Import 1 row" not in report

    response = client.post("/registry/import/", {"file": sheet(ROW)}, follow=True)
    page = response.content.decode()
    assert "Ready to import" in page and "Import 1 row" in page
    checked = RegistryImport.objects.latest("pk")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/registry/import/{checked.pk}/run/")
    page = client.get(response["Location"]).content.decode()
    assert "imported</strong> on" in page
    entry = Deployment.objects.get()
    assert f"Imported as {entry.reference}" in page
    detail = client.get(f"/registry/{entry.pk}/").content.decode()
    assert "Legacy: not reviewed yet" in detail
    assert "First review of a tool in service" in detail


def test_the_upload_form_shows_a_bad_file_next_to_its_field(world, login):
    client = login(world["chair"])
    response = client.post("/registry/import/", {"file": sheet(ROW, columns=("name",))})
    assert response.status_code == 400
    assert "Missing required columns" in response.content.decode()
    assert RegistryImport.objects.count() == 0


def test_the_templates_download(world, login):
    client = login(world["chair"])
    csv_template = client.get("/registry/import/template.csv")
    assert csv_template.content.decode().strip() == ",".join(COLUMN_NAMES)
    xlsx = client.get("/registry/import/template.xlsx")
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")


def test_the_import_pages_are_the_chairs(world, login, alice, auditor):
    for user in (alice, auditor, world["privacy"]):
        client = login(user)
        assert client.get("/registry/import/").status_code == 403
        assert client.get("/registry/import/template.csv").status_code == 403
    checked = workflows.registry_import_check(actor=world["chair"], upload=sheet(ROW))
    client = login(alice)
    assert client.get(f"/registry/import/{checked.pk}/").status_code == 403
    assert client.post(f"/registry/import/{checked.pk}/run/").status_code == 403
    assert Deployment.objects.count() == 0


def test_a_file_that_went_wrong_since_its_check_is_not_imported_and_says_why(
    world, login, owner, django_capture_on_commit_callbacks
):
    chair = world["chair"]
    checked = workflows.registry_import_check(actor=chair, upload=sheet(ROW))
    owner.is_active = False  # the business owner left between the check and the import
    owner.save()
    client = login(chair)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/registry/import/{checked.pk}/run/")
    page = client.get(f"/registry/import/{checked.pk}/").content.decode()
    assert "Not imported:" in page and "1 row has errors now" in page
    checked.refresh_from_db()
    assert checked.status == ImportStatus.CHECKED and Deployment.objects.count() == 0
    told = Notification.objects.get(user=chair, kind="import_finished")
    assert told.subject == "inventory.csv was not imported"


def _imported_from_the_page(world, login, capture_on_commit):
    """The chair checks a one-row file and imports it from its report page (the background
    task runs as the request commits); returns the chair's client and the checked import."""
    checked = workflows.registry_import_check(actor=world["chair"], upload=sheet(ROW))
    client = login(world["chair"])
    with capture_on_commit(execute=True):
        client.post(f"/registry/import/{checked.pk}/run/")
    return client, checked


def test_the_importer_is_told_when_the_background_import_is_done(
    world, login, django_capture_on_commit_callbacks
):
    chair = world["chair"]
    client, checked = _imported_from_the_page(world, login, django_capture_on_commit_callbacks)
    assert "Importing" not in client.get(f"/registry/import/{checked.pk}/").content.decode()
    told = Notification.objects.get(user=chair, kind="import_finished")
    assert told.subject == "Imported inventory.csv: 1 new entries"
    assert told.url == f"/registry/import/{checked.pk}/"


def test_a_file_is_imported_once_even_when_sent_twice(
    world, login, django_capture_on_commit_callbacks
):
    client, checked = _imported_from_the_page(world, login, django_capture_on_commit_callbacks)
    page = client.post(f"/registry/import/{checked.pk}/run/", follow=True).content.decode()
    assert "is imported already" in page
    assert Deployment.objects.count() == 1


def test_while_importing_the_report_says_so_and_reloads(world, login):
    chair = world["chair"]
    checked = workflows.registry_import_check(actor=chair, upload=sheet(ROW))
    client = login(chair)
    client.post(f"/registry/import/{checked.pk}/run/")  # the worker has not run it yet
    page = client.get(f"/registry/import/{checked.pk}/").content.decode()
    assert "Importing…" in page and 'http-equiv="refresh"' in page
    assert "Import 1 row" not in page
    assert Deployment.objects.count() == 0
