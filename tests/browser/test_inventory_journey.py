"""The shared inventory in a real browser, on the demo: the council records a new version of the
foundation model once and rolls it out, which opens a change review for the marketing and the
contact-centre entries that run it; and a team cannot take its pilot to production without
judging the pilot's results against its KPIs."""

import re

import pytest
from playwright.sync_api import Page, expect

from registry.models import Deployment
from reviews.models import Review

from .support import LAPTOP, PHONE, log_in_to_demo, screenshot, serious_violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_new_model_version_recorded_once_opens_reviews_across_both_functions(
    page: Page, live_server, demo
):
    page.set_viewport_size(LAPTOP)
    log_in_to_demo(page, live_server.url, "council.security")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Models").click()
    page.get_by_role("link", name="Atlas").first.click()
    page.get_by_role("link", name="Record a version").click()
    page.get_by_label("Version", exact=True).fill("2026-06")
    page.get_by_role("button", name="Record the version").click()
    page.get_by_role("link", name=re.compile("Deployments and roll-out of version 2026-06")).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Version 2026-06: where it reaches")
    table = page.get_by_role("table")
    expect(table).to_contain_text("Marketing")
    expect(table).to_contain_text("Contact Centre")
    assert serious_violations(page) == []
    page.get_by_role("button", name="Roll out and open the change reviews").click()

    expect(page.get_by_role("status")).to_contain_text(
        "rolled out to 2 registry entries of 2 teams"
    )
    # Each entry's use case is under review now: a change review, or the re-review already open
    # (agent assist's critical incident), which judges the new version too.
    expect(
        page.get_by_role("link", name=re.compile("^(Change review|Re-review) open"))
    ).to_have_count(2)
    screenshot(page, "fan-out")
    for entry in Deployment.objects.filter(model_versions__model__name="Atlas"):
        assert entry.model_version == "2026-06"
        assert Review.objects.filter(use_case=entry.use_case, state="open").count() == 1


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_a_pilot_reaches_production_only_with_its_results_judged(
    page: Page, live_server, demo, viewport
):
    entry = Deployment.objects.get(name="Next-best-offer engine")
    page.set_viewport_size(viewport)
    log_in_to_demo(page, live_server.url, "marketing.submitter")
    page.goto(f"{live_server.url}/registry/{entry.pk}/")
    expect(page.locator("#value")).to_contain_text("Unsubscribe rate")
    page.get_by_role("button", name=re.compile("Production")).click()

    expect(page.get_by_role("heading", level=2, name="The pilot's results")).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text("Better than baseline")
    assert serious_violations(page) == []
    page.get_by_role("button", name=re.compile("^Confirm")).click()
    expect(page.get_by_text("Judge the pilot's results")).to_be_visible()
    assert Deployment.objects.get(pk=entry.pk).stage == "pilot"

    page.get_by_label("Partly met").check()
    page.get_by_label("What the pilot showed").fill(
        "Unsubscribes fell to 2.1% against a target of 2.0%; acceptance rose to 3.8%."
    )
    page.get_by_role("button", name=re.compile("^Confirm")).click()
    expect(page.get_by_role("status")).to_contain_text(re.compile("Production"))
    expect(page.locator("#pilot-results")).to_contain_text("Partly met")
    screenshot(page, f"pilot-results-{viewport['width']}")
