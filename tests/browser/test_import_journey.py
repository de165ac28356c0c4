"""Importing the spreadsheet an organisation already keeps, in a real browser, on the demo: the
chair checks `demo/legacy-inventory.csv`, reads its report and imports it; its six tools become
legacy registry entries, each with the council's first review open, and a reviewer finds them
in their queue."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import Page, expect

import workflows
from registry.models import Deployment

from .support import LAPTOP, PHONE, log_in_to_demo, screenshot, serious_violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LEGACY_FILE = Path(settings.BASE_DIR) / "demo" / "legacy-inventory.csv"


def test_an_imported_spreadsheet_becomes_a_registry_with_reviews_to_do(
    page: Page, live_server, demo
):
    page.set_viewport_size(LAPTOP)
    log_in_to_demo(page, live_server.url, "chair")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Registry").click()
    page.get_by_role("link", name="Import an inventory").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import an inventory")
    assert serious_violations(page) == []

    page.get_by_label("Spreadsheet").set_input_files(LEGACY_FILE)
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("legacy-inventory.csv")
    rows = page.get_by_role("table")
    expect(rows).to_contain_text("Call summary notes")
    expect(rows.get_by_text("Ready to import")).to_have_count(6)
    assert serious_violations(page) == []
    assert not Deployment.objects.filter(legacy=True).exists()

    page.get_by_role("button", name="Import 6 rows").click()
    expect(page.locator(".lede")).to_contain_text("imported")
    expect(rows.get_by_text(re.compile("^Imported as AI-"))).to_have_count(6)
    screenshot(page, "import-report")

    page.goto(f"{live_server.url}/registry/?legacy=true")
    expect(page.locator("tbody tr")).to_have_count(6)
    page.get_by_role("link", name=re.compile("^AI-")).first.click()
    expect(page.get_by_text("Legacy: not reviewed yet")).to_be_visible()
    expect(page.locator("#open-review")).to_contain_text("First review of a tool in service")
    imported = Deployment.objects.filter(legacy=True)
    assert imported.count() == 6
    assert {entry.use_case.team.name for entry in imported} == {
        "Marketing", "Contact Centre", "Customer Experience"
    }  # fmt: skip
    assert all(entry.use_case.reviews.get().state == "open" for entry in imported)


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_a_reviewer_hears_once_and_finds_the_first_reviews_in_the_queue(
    page: Page, live_server, demo, viewport
):
    chair = User.objects.get(username="chair")
    upload = SimpleUploadedFile(LEGACY_FILE.name, LEGACY_FILE.read_bytes())
    checked = workflows.registry_import_check(actor=chair, upload=upload)
    workflows.registry_import_run(actor=chair, registry_import=checked)

    page.set_viewport_size(viewport)
    log_in_to_demo(page, live_server.url, "council.privacy")
    page.goto(f"{live_server.url}/notifications/")
    expect(
        page.get_by_text(re.compile(r"\d+ first reviews of tools already in service"))
    ).to_have_count(1)
    page.goto(f"{live_server.url}/reviews/")
    expect(page.get_by_role("main")).to_contain_text("Send-time optimiser")
    assert serious_violations(page) == []
