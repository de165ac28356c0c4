"""Journey 2 of SPEC section 13: a council member reviews and votes; the chair and the submitter
see the outcome. Everything the journey does not name is set up with the services."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

import workflows
from reviews import services
from reviews.selectors import applicable_items
from tests.reviews_support import reviewer_for

from .support import (
    LAPTOP,
    PHONE,
    log_in,
    marketing_use_case_submitted,
    screenshot,
    serious_violations,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def review(transactional_db):
    """A limited-tier marketing use case in review; the team has answered every checklist item."""
    use_case = marketing_use_case_submitted()
    submitter = use_case.created_by
    review = use_case.reviews.get()
    for item in applicable_items(review):
        services.checklist_answer(
            actor=submitter,
            review=review,
            item_id=item.pk,
            answer="yes",
            evidence=f"DPIA v2 covers {item.code}.",
        )
    services.comment_add(
        actor=submitter, review=review, body="The DPIA is attached to the use case."
    )
    return review


def test_a_council_member_verifies_and_votes_and_the_chair_and_submitter_see_the_outcome(
    page: Page, live_server, review
):
    use_case = review.use_case
    privacy_items = [i for i in applicable_items(review) if i.role == "privacy"]
    page.set_viewport_size(LAPTOP)

    # The privacy reviewer finds the review in their queue.
    log_in(page, live_server.url, "pia.privacy")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Review queue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My review queue")
    row = page.get_by_role("row").filter(has_text=use_case.reference)
    expect(row).to_contain_text("Privacy")
    expect(row).to_contain_text(f"Verify {len(privacy_items)} checklist answers")
    expect(row).to_contain_text("Vote on revision 1")
    screenshot(page, "review-queue-laptop")
    assert serious_violations(page) == []
    page.set_viewport_size(PHONE)
    screenshot(page, "review-queue-phone")
    page.set_viewport_size(LAPTOP)

    row.get_by_role("link", name=re.compile(use_case.reference)).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Next-best-offer e-mails")
    expect(page.locator(".your-part")).to_contain_text("You review this use case as Privacy")
    screenshot(page, "review-page-laptop")
    assert serious_violations(page) == []

    # The privacy items, section by section: verify each, save the section once, and come back
    # to the same section on the page.
    for section in dict.fromkeys(item.section for item in privacy_items):
        for item in (i for i in privacy_items if i.section == section):
            article = page.locator(f"#item-{item.code}")
            expect(article).to_contain_text(f"DPIA v2 covers {item.code}.")
            article.get_by_role("group", name="Your verdict").get_by_label("Verified").check()
        page.locator(f"#section-form-{section}").get_by_role(
            "button", name=re.compile(r"^Save ")
        ).click()
        expect(page).to_have_url(re.compile(rf"#section-{section}$"))
    for item in privacy_items:
        expect(page.locator(f"#item-{item.code} .badge--verified")).to_have_text("Verified")
    expect(page.locator("#checklist .progress-line")).to_contain_text(
        f"{sum(i.required for i in privacy_items)} of"
    )

    # A vote without its condition is refused at the conditions; then with one, accepted.
    vote = page.locator("#vote-form")
    vote.get_by_role("group", name="Your vote").get_by_label("Approve with conditions").check()
    vote.get_by_role("button", name="Cast my vote").click()
    expect(page.locator("#vote-conditions-error")).to_contain_text("List at least one condition")
    screenshot(page, "review-vote-error-laptop")
    vote = page.locator("#vote-form")
    vote.get_by_label("Condition 1").fill("Sign the data processing agreement with Acme.")
    due = timezone.localdate() + timedelta(days=30)
    vote.get_by_label("Due date").first.fill(due.isoformat())
    expect(vote.get_by_label("Blocking: must be met before go-live").first).to_be_checked()
    vote.get_by_role("button", name="Cast my vote").click()
    expect(page.locator(".message--success")).to_have_text("Your vote is recorded.")
    expect(page.locator("#votes")).to_contain_text("Approve with conditions")
    expect(page.locator("#conditions")).to_contain_text(
        "Sign the data processing agreement with Acme."
    )
    page.set_viewport_size(PHONE)
    screenshot(page, "review-page-phone")
    assert serious_violations(page) == []
    page.set_viewport_size(LAPTOP)

    # The other required roles verify their items and approve (services).
    review.refresh_from_db()
    for item in applicable_items(review):
        if item.role != "privacy":
            workflows.checklist_verify(
                actor=reviewer_for(review, item.role),
                review=review,
                item_id=item.pk,
                verdict="verified",
            )
    for role in ("marketing", "legal", "data_science"):
        workflows.vote_cast(actor=reviewer_for(review, role), review=review, choice="approve")
    review.refresh_from_db()
    assert review.outcome == "approved_with_conditions"

    # The chair sees the decision: from the pipeline (now empty) to the use case and its review.
    log_in(page, live_server.url, "chris.chair")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Pipeline").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Council pipeline")
    expect(page.get_by_role("main")).not_to_contain_text(use_case.reference)
    screenshot(page, "review-pipeline-laptop")
    page.goto(f"{live_server.url}/use-cases/{use_case.pk}/")
    page.get_by_role("link", name=re.compile("Open the council review")).click()
    banner = page.locator(".decision")
    expect(banner.get_by_role("heading", level=2)).to_have_text(
        "Decision: Approved with conditions"
    )
    expect(banner).to_contain_text("by the council's votes")
    expect(page.locator("#chair")).to_have_count(0)  # nothing left to decide
    screenshot(page, "review-decided-laptop")
    assert serious_violations(page) == []

    # The submitter sees the outcome and the condition on the use case page.
    log_in(page, live_server.url, "marketing.submitter")
    page.goto(f"{live_server.url}/use-cases/{use_case.pk}/")
    section = page.locator("#council-review")
    expect(section).to_contain_text("Approved with conditions")
    expect(section).to_contain_text("Sign the data processing agreement with Acme.")
    expect(section).to_contain_text("Blocking: before go-live")
    expect(section).to_contain_text(due.strftime("%-d %b %Y"))
    screenshot(page, "review-usecase-laptop")
    page.set_viewport_size(PHONE)
    screenshot(page, "review-usecase-phone")
