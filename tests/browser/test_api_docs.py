"""The API docs (Swagger UI, served from our own static files) work under the
Content-Security-Policy: the page's fixture (conftest.py) fails the test on any violation."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Docs-reader-password-1"


def test_the_api_docs_load_and_list_the_operations(page: Page, live_server):
    get_user_model().objects.create_user("reader", password=PASSWORD)
    page.goto(f"{live_server.url}/accounts/login/?next=/api/docs/")
    page.get_by_label("Username").fill("reader")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.wait_for_url(f"{live_server.url}/api/docs/")
    operation = page.locator(".opblock-summary-path", has_text="/api/v1/auth/tokens/").first
    expect(operation).to_be_visible(timeout=30_000)
    operation.click()
    expect(page.locator(".opblock-body").first).to_be_visible()
