"""Browser fixtures: pytest-playwright drives Debian's Chromium (Playwright cannot download one here).

Run these tests on their own with DJANGO_ALLOW_ASYNC_UNSAFE=true (see the Makefile): Playwright's
sync API keeps an asyncio loop on the main thread, which Django otherwise refuses to share.
"""

import pytest
from django.db import transaction
from django.test import override_settings
from playwright.sync_api import expect

from tests.reviews_support import reload_default_review_data

from .support import restore_demo, seed_demo, snapshot_database

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


# Each violation of the Content-Security-Policy the page meets, reported on the console (as
# Chromium reports a refused load, and this script reports a `securitypolicyviolation` event).
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => console.error(
    `Content Security Policy violation: ${event.violatedDirective} ${event.blockedURI}`));
"""


@pytest.fixture
def page(page):
    """Every browser test fails if a page it opened broke the Content-Security-Policy."""
    # A failing expectation should fail fast, not hang a CI run for Playwright's default 30 s;
    # assertions wait as long as actions (their own default, 5 s, is short for a page that
    # answers a POST on a loaded CI machine).
    page.set_default_timeout(10_000)
    expect.set_options(timeout=10_000)
    violations = []
    page.add_init_script(REPORT_CSP_VIOLATIONS)
    page.on(
        "console",
        lambda message: (
            violations.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    yield page
    assert violations == [], "the Content-Security-Policy was violated"


@pytest.fixture(scope="session")
def demo_database(django_db_setup, django_db_blocker):
    """The demo organisation (seed_demo), seeded once and saved row by row (the whole database);
    the demo's tests load it back (support.restore_demo). Seeded in a transaction rolled back at
    once, so the database stays as migrations left it."""
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # as the tests' own hashing
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=fast),
        transaction.atomic(),
    ):
        reload_default_review_data()  # a transactional test may have flushed it already
        seed_demo()
        snapshot = snapshot_database()
        transaction.set_rollback(True)
    return snapshot


@pytest.fixture
def demo(transactional_db, demo_database):
    """The demo organisation, loaded back for this test."""
    restore_demo(demo_database)


@pytest.fixture(autouse=True)
def seeded_review_data(transactional_db):
    """Browser tests commit their data, and the flush after each one also empties the review
    policies and checklist that migrations seeded."""
    reload_default_review_data()
