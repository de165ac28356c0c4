"""What needs me, by role (issue 12, point 1), on the demo in a real browser: each person finds
what waits for them and gets to it in one click."""

import re

import pytest
from playwright.sync_api import Page, expect

from .support import LAPTOP, PHONE, log_in_to_demo, screenshot, serious_violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def waiting(page: Page, title: str):
    """The home page's group of waiting items with this title."""
    return page.get_by_role("region", name=re.compile(rf"^{title}"))


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_the_team_finds_the_councils_question_and_the_rejected_answer(
    page: Page, live_server, demo, viewport
):
    page.set_viewport_size(viewport)
    log_in_to_demo(page, live_server.url, "contact.submitter")

    question = waiting(page, "Questions to answer")
    expect(question).to_contain_text("Emotion analytics on customer calls")
    expect(question).to_contain_text("Which lawful basis")
    expect(waiting(page, "Rejected answers")).to_contain_text("Voice-biometric login in the IVR")
    assert serious_violations(page) == []
    screenshot(page, f"home-team-{viewport['width']}")

    question.get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(r"/reviews/\d+/"))
    expect(page.get_by_role("main")).to_contain_text("Which lawful basis")


def test_the_chair_sees_the_overdue_review_first_and_who_it_waits_for(
    page: Page, live_server, demo
):
    log_in_to_demo(page, live_server.url, "chair")

    votes = waiting(page, "Votes to cast")
    expect(votes.get_by_role("listitem").first).to_contain_text("Call routing by agent performance")
    expect(votes.get_by_role("listitem").first).to_contain_text("Overdue")
    stuck = waiting(page, "Stuck assignments")
    expect(stuck).to_contain_text("Legal (council.legal)")
    screenshot(page, "home-chair")


def test_a_reviewer_and_an_auditor_see_their_own_work_not_nothing(page: Page, live_server, demo):
    log_in_to_demo(page, live_server.url, "council.privacy")
    expect(waiting(page, "Votes to cast")).to_contain_text("Your vote as Privacy")
    expect(page.get_by_text("Nothing is waiting for you.")).to_have_count(0)

    page.context.clear_cookies()
    log_in_to_demo(page, live_server.url, "auditor")
    expect(waiting(page, "Overdue re-reviews")).to_contain_text("AI-0001")
    expect(page.get_by_text("Nothing is waiting for you.")).to_have_count(0)
