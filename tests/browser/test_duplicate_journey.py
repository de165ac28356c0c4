"""The duplicate check in a real browser: a team member's new draft on a tool the team already
proposed shows the existing use case, and the draft is linked to it instead."""

import pytest
from playwright.sync_api import Page, expect

from tests.factories import MembershipFactory, UserFactory
from usecases.models import UseCaseLink

from .support import log_in, marketing_use_case_submitted, screenshot, serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def existing(transactional_db):
    """Marketing's submitted "Next-best-offer e-mails" on Acme NBO by Acme Personalise."""
    return marketing_use_case_submitted()


@pytest.fixture
def team_mate(existing):
    user = UserFactory(username="marketing.teammate", first_name="Tom", last_name="Teammate")
    MembershipFactory(user=user, team=existing.team)
    return user


def test_a_new_draft_on_the_same_tool_shows_the_existing_use_case_and_links_to_it(
    page: Page, live_server, existing, team_mate
):
    log_in(page, live_server.url, "marketing.teammate")
    page.goto(f"{live_server.url}/use-cases/new/")
    page.get_by_label("Title").fill("Loyalty offers by e-mail")
    page.get_by_label("Vendor or model provider").fill("acme personalise")
    page.get_by_label("Tool or model name").fill("ACME NBO")
    page.get_by_role("button", name="Save draft").click()

    notice = page.locator("#duplicate-check")
    expect(notice).to_contain_text("This looks like a use case that already exists")
    expect(
        notice.get_by_role("link", name=f"{existing.reference} {existing.title}")
    ).to_be_visible()
    expect(notice).to_contain_text("Same tool and vendor")
    draft_url = page.get_by_role("link", name="Back to the use case").get_attribute("href")
    page.goto(f"{live_server.url}{draft_url}")
    expect(page.locator("#duplicate-check")).to_contain_text(existing.reference)
    screenshot(page, "duplicate-check")
    assert serious_violations(page) == []

    notice = page.locator("#duplicate-check")
    notice.get_by_label("This use case").select_option("duplicates")
    notice.get_by_role("button", name=f"Link to it instead ({existing.reference})").click()

    related = page.locator("#related")
    expect(related).to_contain_text(f"This use case duplicates {existing.reference}")
    expect(page.locator("#duplicate-check")).to_have_count(0)
    link = UseCaseLink.objects.get()
    assert (link.other, link.kind) == (existing, "duplicates")
    related.get_by_role("link", name=f"{existing.reference} {existing.title}").click()
    expect(page.locator("#related")).to_contain_text(
        f"{link.use_case.reference} Loyalty offers by e-mail duplicates this use case"
    )
