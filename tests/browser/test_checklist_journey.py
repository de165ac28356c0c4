"""The checklist in a real browser: the team answers a section in one save, what it typed in
another section survives a refused save, and the privacy reviewer verifies a section at once."""

import re

import pytest
from playwright.sync_api import Page, expect

from reviews import services
from reviews.models import ChecklistAnswer
from reviews.selectors import applicable_items

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
    """A limited-tier marketing use case just submitted: nothing of its checklist answered."""
    return marketing_use_case_submitted().reviews.get()


def sections_of(review):
    """The section of the first privacy item with two of its items, and another section's item."""
    items = applicable_items(review)
    section = next(item.section for item in items if item.role == "privacy")
    first, second = [item for item in items if item.section == section][:2]
    elsewhere = next(item for item in items if item.section != section)
    return section, first, second, elsewhere


def answer(page: Page, item, choice: str, evidence: str | None = None) -> None:
    article = page.locator(f"#item-{item.code}")
    article.get_by_role("group", name="Your answer").get_by_label(choice, exact=True).check()
    if evidence is not None:
        article.get_by_label("Evidence", exact=True).fill(evidence)


def test_the_team_saves_a_section_at_once_and_loses_nothing_typed_elsewhere(
    page: Page, live_server, review
):
    section, first, second, elsewhere = sections_of(review)
    page.set_viewport_size(LAPTOP)
    log_in(page, live_server.url, "marketing.submitter")
    page.goto(f"{live_server.url}/reviews/{review.pk}/")
    expect(page.locator("#checklist .progress-line")).to_contain_text("0 of")
    assert serious_violations(page) == []

    # Typed in another section, not saved.
    other = page.locator(f"#item-{elsewhere.code}").get_by_label("Evidence", exact=True)
    other.fill("Typed in another section, not saved yet")

    # The section: one answer complete, one "Not applicable" without its justification.
    answer(page, first, "Yes", "DPIA v2 at https://intranet.example.com/dpia")
    answer(page, second, "Not applicable")
    form = page.locator(f"#section-form-{section}")
    form.get_by_role("button", name=re.compile(r"^Save ")).click()

    expect(page.locator("#error-summary")).to_contain_text("nothing was saved")
    expect(page.locator(f"#item-{second.code}")).to_contain_text(
        "Justify why the item does not apply"
    )
    first_evidence = page.locator(f"#item-{first.code}").get_by_label("Evidence", exact=True)
    expect(first_evidence).to_have_value("DPIA v2 at https://intranet.example.com/dpia")
    expect(other).to_have_value("Typed in another section, not saved yet")
    assert not ChecklistAnswer.objects.filter(review=review).exists()
    screenshot(page, "checklist-section-error-laptop")
    assert serious_violations(page) == []

    # Justified, the section saves both answers in one go; the other section still has its text.
    page.locator(f"#item-{second.code}").get_by_label("Evidence", exact=True).fill(
        "No customer data of this kind is used."
    )
    page.locator(f"#section-form-{section}").get_by_role(
        "button", name=re.compile(r"^Save ")
    ).click()
    expect(page.locator(".message--success")).to_contain_text("2 answers saved")
    expect(page).to_have_url(re.compile(rf"#section-{section}$"))
    expect(other).to_have_value("Typed in another section, not saved yet")
    link = page.locator(f"#item-{first.code} .evidence a")
    expect(link).to_have_attribute("href", "https://intranet.example.com/dpia")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    expect(page.locator("#checklist .progress-line")).to_contain_text("2 of")
    assert ChecklistAnswer.objects.filter(review=review).count() == 2
    page.set_viewport_size(PHONE)
    screenshot(page, "checklist-section-saved-phone")
    assert serious_violations(page) == []


def test_the_privacy_reviewer_verifies_a_section_in_one_save(page: Page, live_server, review):
    section, *_ = sections_of(review)
    mine = [i for i in applicable_items(review) if i.section == section and i.role == "privacy"]
    submitter = review.use_case.created_by
    for item in applicable_items(review):
        services.checklist_answer(
            actor=submitter,
            review=review,
            item_id=item.pk,
            answer="yes",
            evidence=f"Evidence for {item.code}",
        )
    page.set_viewport_size(LAPTOP)
    log_in(page, live_server.url, "pia.privacy")
    page.goto(f"{live_server.url}/reviews/{review.pk}/?show=mine")
    expect(page.get_by_role("link", name="Mine")).to_have_attribute("aria-current", "true")
    for item in mine:
        article = page.locator(f"#item-{item.code}")
        article.get_by_role("group", name="Your verdict").get_by_label("Verified").check()
    page.locator(f"#section-form-{section}").get_by_role(
        "button", name=re.compile(r"^Save ")
    ).click()
    expect(page.locator(".message--success")).to_contain_text(f"{len(mine)} verdict")
    for item in mine:
        expect(page.locator(f"#item-{item.code} .badge--verified")).to_have_text("Verified")
    assert serious_violations(page) == []
