"""A customer's journey on the public transparency pages (SPEC section 9): the list, one tool's
page, a complaint sent without an account; the pages pass the accessibility check and show
nothing of the staff application."""

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

import workflows
from registry import services as registry_services
from registry.models import Complaint, Deployment

from .support import serious_violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PUBLIC_NAME = "Offers chosen for you"
PUBLIC_TEXT = "Chooses which of our offers you see first in our e-mails, from what you bought."


@pytest.fixture
def tool(demo):
    """The demo's next-best-offer entry, with public wording its team wrote and the chair approved."""
    entry = Deployment.objects.get(use_case__title="Next-best-offer e-mails")
    workflows.deployment_update(
        actor=entry.technical_owner,
        deployment=entry,
        data={"published": True, "public_name": PUBLIC_NAME, "public_description": PUBLIC_TEXT},
    )
    chair = User.objects.get(username="chair")
    return registry_services.public_wording_approve(actor=chair, deployment=entry)


@pytest.mark.parametrize(
    "viewport",
    [{"width": 1280, "height": 800}, {"width": 390, "height": 844}],
    ids=["laptop", "phone"],
)
def test_a_customer_reads_about_a_tool_and_complains(page: Page, live_server, tool, viewport):
    page.set_viewport_size(viewport)
    found = {}

    page.goto(f"{live_server.url}/transparency/")
    expect(page.get_by_role("heading", level=1)).to_have_text("How we use artificial intelligence")
    expect(page.get_by_role("link", name="Log in")).to_have_count(0)
    expect(page.get_by_role("link", name="AI Council")).to_have_count(0)  # the staff brand
    expect(page.get_by_role("banner").get_by_text("Demo Telecom")).to_be_visible()
    expect(page.get_by_text(tool.name)).to_have_count(0)  # the internal name
    found["list"] = serious_violations(page)

    page.get_by_role("link", name=PUBLIC_NAME, exact=True).click()
    page.wait_for_url(f"{live_server.url}/transparency/{tool.reference}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(PUBLIC_NAME)
    expect(page.get_by_text(PUBLIC_TEXT)).to_be_visible()
    expect(page.get_by_label("Leave this empty")).to_be_hidden()  # the robots' trap
    found["tool"] = serious_violations(page)

    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Write your message.").first).to_be_visible()
    found["tool, form refused"] = serious_violations(page)

    page.get_by_role("radio", name="Contest a decision").check()
    page.get_by_label("Your message").fill("I was offered a worse price than my partner.")
    page.get_by_label("How can we answer you? (optional)").fill("me@example.org")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("we have received your message")).to_be_visible()
    found["tool, complaint sent"] = serious_violations(page)

    complaint = Complaint.objects.get(deployment=tool)
    assert (complaint.kind, complaint.contact) == ("contest", "me@example.org")
    assert {where: issues for where, issues in found.items() if issues} == {}
