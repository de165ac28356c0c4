"""What the browser tests share: logging in to the demo, accessibility checks, screenshots."""

import os
from io import StringIO

from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from playwright.sync_api import Page

DEMO_PASSWORD = "browser-demo"
SERIOUS = {"serious", "critical"}


def seed_demo() -> None:
    call_command("seed_demo", password=DEMO_PASSWORD, stdout=StringIO())


def log_in_to_demo(page: Page, base_url: str, username: str) -> None:
    """Log in as a demo user through the login page and land on the home page."""
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base_url}/")


def serious_violations(page: Page) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now."""
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in SERIOUS
    ]


def screenshot(page: Page, name: str) -> None:
    """Full-page screenshots for a visual check, when SCREENSHOT_DIR is set."""
    if folder := os.environ.get("SCREENSHOT_DIR"):
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)
