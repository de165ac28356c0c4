"""A condition in a real browser: the team marks it met with a file, the privacy reviewer (the
role that set it) confirms it on the review page."""

import pytest
from playwright.sync_api import Page, expect

from reviews.models import Condition
from tests.reviews_support import approve_review
from usecases.models import UseCase

from .support import LAPTOP, log_in, marketing_use_case_submitted, screenshot, serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


@pytest.fixture
def condition(transactional_db):
    """The use case approved with one blocking condition, set by privacy."""
    review = marketing_use_case_submitted().reviews.get()
    submitter = UseCase.objects.get(pk=review.use_case_id).created_by
    approve_review(review, submitter, conditions=[{"text": "Publish the updated privacy notice"}])
    return Condition.objects.get(review=review)


def test_the_team_marks_it_met_with_a_file_and_privacy_confirms_it(
    page: Page, live_server, condition
):
    page.set_viewport_size(LAPTOP)
    review_url = f"{live_server.url}/reviews/{condition.review_id}/"
    row = page.locator(f"#condition-{condition.pk}")

    log_in(page, live_server.url, "marketing.submitter")
    page.goto(review_url)
    row.get_by_text("Mark met…").click()
    row.get_by_label("How is it met?").fill("The notice as published, attached.")
    row.get_by_label("Evidence file (optional)").set_input_files(
        {"name": "notice.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    row.get_by_role("button", name="Mark the condition met").click()
    expect(page.get_by_text("it now waits for the Privacy reviewer")).to_be_visible()
    expect(row.locator(".badge").first).to_have_text("Met, awaiting confirmation")
    expect(row.get_by_role("link", name="notice.pdf")).to_be_visible()
    expect(row.get_by_text("Confirm or send back…")).to_have_count(0)
    assert serious_violations(page) == []

    log_in(page, live_server.url, "pia.privacy")
    page.goto(review_url)
    expect(row.get_by_role("link", name="notice.pdf")).to_be_visible()
    row.get_by_text("Confirm or send back…").click()
    row.get_by_label("Confirm: the condition is met").check()
    assert serious_violations(page) == []
    screenshot(page, "condition-to-confirm")
    row.get_by_role("button", name="Record my verdict").click()
    expect(page.get_by_text("The condition is confirmed met.")).to_be_visible()
    expect(row.locator(".badge").first).to_have_text("Met")
    expect(row.get_by_text("Confirmed met by")).to_be_visible()
