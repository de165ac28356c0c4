"""Journey 1 of SPEC section 13: a submitter proposes a use case through the web form."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD, MembershipFactory, TeamFactory, UserFactory

from .support import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def submitter(transactional_db):
    team = TeamFactory(name="Marketing", slug="marketing")
    user = UserFactory(username="marketing.submitter", first_name="Maya", last_name="Marketer")
    MembershipFactory(user=user, team=team)
    UserFactory(username="olivia.owner", first_name="Olivia", last_name="Owner")
    return user


def log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/use-cases/new/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_a_submitter_fixes_the_errors_and_submits_a_use_case(page: Page, live_server, submitter):
    log_in(page, live_server.url, "marketing.submitter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Propose an AI use case")

    # A first try with only some answers: every problem is listed and shown at its field.
    page.get_by_label("Title").fill("Customer service chatbot")
    page.get_by_role("group", name="What kind of AI is it?").get_by_label("Chatbot").check()
    page.get_by_role("group", name="Do customers see it or talk to it?").get_by_label("Yes").check()
    page.get_by_role("button", name="Submit for review").click()

    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("problems to fix")
    expect(page.locator("#id_summary_error")).to_contain_text("Summarise what the AI does")
    expect(page.locator("#id_human_escalation_error")).to_contain_text("reach a person")
    expect(page.locator("#id_customer_disclosure_error")).to_contain_text("how customers are told")
    expect(page.get_by_label("Title")).to_have_value("Customer service chatbot")
    summary.get_by_role("link", name="Summarise what the AI does in a few sentences.").click()
    expect(page.get_by_label("What does it do?")).to_be_focused()
    screenshot(page, "usecase-form-errors")

    # The rest of the answers.
    page.get_by_label("What does it do?").fill(
        "Answers order and delivery questions in the web chat."
    )
    page.get_by_label("Which problem does it solve?").fill(
        "Customers wait 20 minutes for simple answers."
    )
    page.get_by_label("Business owner").select_option(label="olivia.owner — Olivia Owner")
    for group, choices in {
        "Which parts of the business use it?": ["Contact centre"],
        "Where in the customer journey does it act?": ["Service"],
        "Through which channels?": ["Chat"],
        "Which data does it use?": ["Contact details", "Chat transcripts"],
        "Who is affected by it?": ["Customers"],
    }.items():
        for choice in choices:
            page.get_by_role("group", name=group).get_by_label(choice, exact=True).check()
    page.get_by_label("Vendor or model provider").fill("Acme Bots")
    page.get_by_label("Tool or model name").fill("Acme Assist")
    page.get_by_role("group", name="Where does the model come from?").get_by_label(
        "Hosted by a vendor"
    ).check()
    page.get_by_role("group", name="How much does a person stay involved?").get_by_label(
        re.compile("Human on the loop")
    ).check()
    for question in (
        "Does it decide, or strongly influence",
        "Could it target or affect children",
        "Does it call or message people",
    ):
        page.get_by_role("group", name=re.compile(question)).get_by_label("No").check()
    page.get_by_role("group", name="How many people does it affect?").get_by_label(
        "1,000 to 100,000 people"
    ).check()
    page.get_by_label("In which countries is it used, or does its output reach people?").fill(
        "ie, gb"
    )
    page.get_by_label("Deployer: we use a system under our authority").check()
    page.get_by_label("What do you expect to gain?").fill(
        "Shorter waits, agents free for hard cases."
    )
    page.get_by_label("How will you measure it?").fill(
        "CSAT, containment rate, average handling time."
    )
    page.get_by_label("Pilot plan").fill("Web chat only, 4 weeks, success if CSAT holds.")
    page.get_by_label("How are customers told AI is involved?").fill(
        "The chat opens with: I am a virtual assistant."
    )
    page.get_by_label("How can a customer reach a person?").fill("Type 'agent' at any time.")
    page.get_by_role("button", name="Submit for review").click()

    # The use case page: submitted, with its tier and the reasons for it.
    expect(page.locator(".message--success")).to_have_text("Submitted as revision 1.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Customer service chatbot")
    expect(page.locator(".meta")).to_contain_text("In review")
    expect(page.locator(".risk")).to_contain_text("Transparency duties")  # the EU AI Act class
    expect(page.locator(".risk")).to_contain_text("Limited review tier")
    expect(page.locator(".risk")).to_contain_text("Transparency duties (law: EU AI Act Art. 50(1))")
    expect(page.get_by_role("link", name="Edit answers")).to_have_count(0)
    screenshot(page, "usecase-detail")
