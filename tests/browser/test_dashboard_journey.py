"""The chair opens the council's dashboard from the navigation on the demo (SPEC section 11b):
charts drawn on the server, each readable as a table, the overdue re-review listed, and no serious
accessibility violation on a laptop or a phone. A team member is offered no dashboard."""

import pytest
from playwright.sync_api import Page, expect

from registry.models import Deployment
from registry.selectors import is_overdue
from usecases.models import UseCase

from .support import log_in_to_demo, screenshot, serious_violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.mark.parametrize(
    "viewport",
    [{"width": 1280, "height": 800}, {"width": 390, "height": 844}],
    ids=["laptop", "phone"],
)
def test_the_chair_reads_the_dashboard_from_the_navigation(page: Page, live_server, demo, viewport):
    in_review = UseCase.objects.filter(state="in_review").count()
    (overdue,) = [entry for entry in Deployment.objects.all() if is_overdue(entry)]
    page.set_viewport_size(viewport)
    log_in_to_demo(page, live_server.url, "chair")
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Dashboard").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    funnel = page.get_by_role("img", name="Use cases by state")
    expect(funnel).to_be_visible()
    # The same figures as a table, for whoever does not read the drawing.
    page.get_by_text("Table: Use cases by state").click()
    table = page.get_by_role("table", name="Use cases by state")
    expect(table.get_by_role("row", name=f"In review {in_review}")).to_be_visible()
    for name in (
        "Time to decision, high tier",
        "SLA breaches by tier",
        "Registry by channel",
        "Registry by customer journey stage",
        "Incidents by severity",
        "KPIs against their targets, by team",
        "KPIs against their targets, by channel",
        "Complaints from customers",
        "Re-reviews by tier",
    ):
        expect(page.get_by_role("img", name=name)).to_be_attached()
    expect(page.locator("#rereviews tr.row--overdue")).to_contain_text(overdue.reference)
    screenshot(page, f"dashboard-chair-{viewport['width']}")
    assert serious_violations(page) == []


def test_a_team_member_is_offered_no_dashboard(page: Page, live_server, demo):
    log_in_to_demo(page, live_server.url, "marketing.submitter")
    expect(page.get_by_role("link", name="Dashboard")).to_have_count(0)
    response = page.goto(f"{live_server.url}/dashboard/")
    assert response.status == 403
