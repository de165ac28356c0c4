"""Going live in a real browser: the team is shown the blocking conditions before the registry
form, each a link to the condition on the review; once they are closed, the form. A stage move
asks to be confirmed, with what it does and a reason, before anything changes."""

import pytest
from playwright.sync_api import Page, expect

import workflows
from registry.models import Deployment
from reviews.models import Condition
from tests.registry_support import entry_data
from tests.reviews_support import approve_review

from .support import (
    LAPTOP,
    PHONE,
    log_in,
    marketing_use_case_submitted,
    screenshot,
    serious_violations,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NOTICE = "Publish the updated privacy notice before go-live."


@pytest.fixture
def approved_on_condition(transactional_db):
    """A marketing use case approved with one blocking condition, still open."""
    review = marketing_use_case_submitted().reviews.get()
    submitter = review.use_case.created_by
    return approve_review(review, submitter, conditions=[{"text": NOTICE, "blocking": True}])


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_the_team_sees_what_blocks_go_live_before_the_form(
    page: Page, live_server, approved_on_condition, viewport
):
    use_case = approved_on_condition
    condition = Condition.objects.get(text=NOTICE)
    page.set_viewport_size(viewport)
    log_in(page, live_server.url, "marketing.submitter")
    page.goto(f"{live_server.url}/use-cases/{use_case.pk}/")
    page.get_by_role("link", name="Record deployment").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Not ready to go live")
    expect(page.get_by_label("Model version")).to_have_count(0)
    screenshot(page, f"go-live-blocked-{viewport['width']}")
    assert serious_violations(page) == []
    page.get_by_role("link", name=NOTICE).click()
    expect(page).to_have_url(
        f"{live_server.url}/reviews/{condition.review_id}/#condition-{condition.pk}"
    )
    expect(page.locator(f"#condition-{condition.pk}")).to_contain_text(NOTICE)

    Condition.objects.filter(pk=condition.pk).update(status="met", evidence="Published.")
    page.goto(f"{live_server.url}/registry/new/?use_case={use_case.pk}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Record deployment")


def test_a_stage_move_is_confirmed_with_its_reason(page: Page, live_server, approved_on_condition):
    use_case = approved_on_condition
    Condition.objects.update(status="met", evidence="Published.")
    team_member = use_case.created_by
    entry = workflows.deployment_create(
        actor=team_member,
        use_case=use_case,
        data=entry_data(use_case.business_owner, team_member),
    )
    log_in(page, live_server.url, "marketing.submitter")
    page.goto(f"{live_server.url}/registry/{entry.pk}/")
    page.get_by_role("button", name="Move to Suspended").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Move to Suspended?")
    expect(page.get_by_text("must stop serving customers now")).to_be_visible()
    assert Deployment.objects.get(pk=entry.pk).stage == "pilot"  # asking changed nothing
    assert serious_violations(page) == []
    page.get_by_role("link", name="Cancel").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(entry.name)
    assert Deployment.objects.get(pk=entry.pk).stage == "pilot"

    page.get_by_role("button", name="Move to Suspended").click()
    page.get_by_label("Reason (optional)").fill("Vendor outage")
    page.get_by_role("button", name="Confirm: move to suspended").click()
    expect(page.get_by_role("status")).to_contain_text("is now in Suspended")
    assert Deployment.objects.get(pk=entry.pk).stage == "suspended"
