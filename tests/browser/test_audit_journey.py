"""Journey 3 of SPEC section 13: an auditor filters the registry, downloads the CSV and checks it
against its manifest, opens a use case's dossier, and verifies the audit chain. The demo
organisation (seed_demo) is the data: one of its entries is overdue for re-review."""

import csv
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from council.models import Team
from registry.models import Deployment
from registry.selectors import is_overdue

from .support import log_in_to_demo, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def download_to(page: Page, link, folder: Path) -> Path:
    with page.expect_download() as info:
        link.click()
    download = info.value
    path = folder / download.suggested_filename
    download.save_as(path)
    return path


def test_an_auditor_exports_the_filtered_registry_checks_the_manifest_and_verifies_the_chain(
    page: Page, live_server, demo, tmp_path
):
    team = Team.objects.get(name="Customer Experience")
    entries = Deployment.objects.filter(use_case__team=team).order_by("reference")
    expected = [entry.reference for entry in entries]
    (overdue,) = [entry for entry in entries if is_overdue(entry)]
    assert Deployment.objects.exclude(use_case__team=team).exists()  # the filter must narrow
    nav = page.get_by_role("navigation", name="Main")

    # The auditor filters the registry by team; the overdue entry stands out.
    log_in_to_demo(page, live_server.url, "auditor")
    nav.get_by_role("link", name="Registry").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Registry of deployed AI")
    page.get_by_label("Team").select_option(label="Customer Experience")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator(".result-count")).to_have_text(f"{len(expected)} entries")
    expect(page.locator("tr.row--overdue")).to_contain_text(overdue.reference)
    expect(page.locator("tr.row--overdue")).to_contain_text("Overdue")
    screenshot(page, "audit-registry-filtered")

    # The CSV holds exactly the listed entries, the overdue one flagged.
    path = download_to(page, page.get_by_role("link", name="Export CSV"), tmp_path)
    with path.open(newline="", encoding="utf-8-sig") as handle:  # Excel's byte-order mark
        rows = list(csv.DictReader(handle))
    assert [row["reference"] for row in rows] == expected
    assert {row["team"] for row in rows} == {"Customer Experience"}
    assert [row["reference"] for row in rows if row["overdue"] == "yes"] == [overdue.reference]

    # Its manifest, from the audit trail's recent exports.
    nav.get_by_role("link", name="Audit").click()
    recent = page.locator("section", has=page.get_by_role("heading", name="Recent exports"))
    newest = recent.get_by_role("row").nth(1)
    expect(newest).to_contain_text("auditor")
    expect(newest).to_contain_text("Registry CSV")
    screenshot(page, "audit-trail")
    path = download_to(page, newest.get_by_role("link", name=re.compile("^Manifest")), tmp_path)
    manifest = json.loads(path.read_text(encoding="utf-8"))
    assert manifest["export"] == "registry" and manifest["format"] == "csv"
    assert manifest["rows"] == len(rows)
    assert manifest["filters"] == {"team": team.pk}
    assert manifest["generated_by"] == "auditor"
    assert re.fullmatch(r"[0-9a-f]{64}", manifest["sha256"])
    expect(newest).to_contain_text(manifest["sha256"][:12])

    # From the overdue entry to the dossier of its use case.
    page.goto(f"{live_server.url}/registry/?team={team.pk}")
    page.get_by_role("link", name=overdue.reference).click()
    use_case = overdue.use_case
    page.get_by_role("link", name=f"Dossier of {use_case.reference}").click()
    expect(page).to_have_url(re.compile(rf"/use-cases/{use_case.pk}/dossier/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(use_case.title)
    expect(page.get_by_role("heading", name="Audit trail")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(overdue.reference)
    screenshot(page, "audit-dossier")

    # The chain holds, export events included.
    nav.get_by_role("link", name="Audit").click()
    page.get_by_role("button", name="Verify the chain").click()
    expect(page.locator(".message--success")).to_contain_text("Audit chain intact")
    expect(page.locator(".message--success")).to_contain_text("signed checkpoints")

    # The bundle taken home: verified by the verify.py inside it, against the published key.
    bundle = download_to(page, page.get_by_role("link", name=re.compile("^Audit bundle")), tmp_path)
    key = tmp_path / "audit-public-key.pem"
    key.write_bytes(page.context.request.get(f"{live_server.url}/audit/public-key.pem").body())
    with zipfile.ZipFile(bundle) as archive:
        archive.extract("verify.py", tmp_path)
    checked = subprocess.run(
        [sys.executable, "-I", "verify.py", bundle.name, "--public-key", key.name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert checked.returncode == 0, checked.stderr
    assert "the whole chain" in checked.stdout
