"""The chair's pipeline on the demo (issue 12, point 5), in a real browser: the decisions waiting
for the chair come first, each row says why it needs the chair, the chair filters by tier and fills
an empty seat from the row, and lands back on the same filtered pipeline.

What the journey does not name is set up with the services: a proposed rejection, and a legal
reviewer who steps back while a newly appointed legal member is free to take the seat."""

import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

import workflows
from reviews.models import Review
from tests.factories import RoleFactory, UserFactory
from tests.reviews_support import reviewer_for

from .support import LAPTOP, PHONE, log_in_to_demo, screenshot, serious_violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Open limited-tier reviews of the demo, each waiting for its legal and data science votes.
TO_REJECT = "Project Aurora launch: generated teaser campaign"
SEAT_TO_FILL = "Virtual spokesperson video adverts"


def open_review(title: str) -> Review:
    return Review.objects.get(use_case__title=title, state="open")


@pytest.fixture
def pipeline_with_work(demo):
    """A rejection proposed on one review; the legal seat of another left empty, with a newly
    appointed legal member free to take it."""
    rejected = open_review(TO_REJECT)
    for role in ("legal", "data_science"):
        workflows.vote_cast(
            actor=reviewer_for(rejected, role),
            review=rejected,
            choice="reject" if role == "legal" else "approve",
            reasons="The generated likeness has no consent on file." if role == "legal" else "",
        )
    emptied = open_review(SEAT_TO_FILL)
    workflows.review_recuse(
        actor=reviewer_for(emptied, "legal"), review=emptied, reason="I drafted the contract."
    )
    newcomer = UserFactory(username="lena.legal", first_name="Lena", last_name="Lawson")
    RoleFactory(user=newcomer, role="legal")
    return emptied


def group(page: Page, title: str):
    return page.get_by_role("region", name=re.compile(rf"^{title}"))


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_the_chair_decides_first_filters_by_tier_and_fills_a_seat_from_the_pipeline(
    page: Page, live_server, pipeline_with_work, viewport
):
    emptied = pipeline_with_work
    page.set_viewport_size(viewport)
    log_in_to_demo(page, live_server.url, "chair")
    page.goto(f"{live_server.url}/council/pipeline/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Council pipeline")

    # The chair's own work first, each row saying why it needs the chair.
    headings = page.get_by_role("heading", level=2)
    expect(headings.nth(0)).to_contain_text("Ready for a chair decision")
    expect(headings.nth(1)).to_contain_text("Awaiting assignment")
    expect(headings.nth(2)).to_contain_text("Voting")
    ready = group(page, "Ready for a chair decision")
    expect(ready).to_contain_text(TO_REJECT)
    expect(ready).to_contain_text("Rejection proposed by Legal (council.legal)")
    expect(group(page, "Awaiting assignment")).to_contain_text("No Legal reviewer: assign one")
    assert serious_violations(page) == []
    screenshot(page, f"pipeline-chair-{viewport['width']}")

    # Only the limited tier: the high-tier reviews leave, the address keeps the choice.
    page.get_by_label("Risk tier").select_option("limited")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"tier=limited"))
    expect(page.get_by_label("Risk tier")).to_have_value("limited")
    expect(page.get_by_role("main")).not_to_contain_text("Call routing by agent performance")
    filtered = page.url

    # The empty legal seat, filled from its row: only legal members free of a conflict.
    row = group(page, "Awaiting assignment").get_by_role("row").filter(has_text=SEAT_TO_FILL)
    seat = row.get_by_label(re.compile("^Seat and member"))
    expect(seat.locator("optgroup")).to_have_attribute("label", "Legal")
    expect(seat.locator("option", has_text="council.legal")).to_have_count(0)  # stepped back
    seat.select_option(label="lena.legal — Lena Lawson (0 open reviews)")
    row.get_by_role("button", name="Assign").click()

    expect(page).to_have_url(filtered)
    expect(page.get_by_role("main")).to_contain_text(
        f"Lena Lawson now holds the Legal seat on {emptied.use_case.reference}."
    )
    expect(group(page, "Awaiting assignment")).not_to_contain_text(SEAT_TO_FILL)
    expect(group(page, "Voting")).to_contain_text(SEAT_TO_FILL)
    assert serious_violations(page) == []
    assert reviewer_for(emptied, "legal") == User.objects.get(username="lena.legal")
