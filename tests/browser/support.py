"""What the browser tests share: logging in to the demo, accessibility checks, screenshots."""

import os
from io import StringIO

from axe_playwright_python.sync_playwright import Axe
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, router, transaction
from django.db.migrations.loader import MigrationLoader
from playwright.sync_api import Page, expect

import workflows
from tests.factories import PASSWORD, MembershipFactory, TeamFactory, UserFactory, complete_answers
from tests.reviews_support import make_council
from usecases import services as usecase_services

DEMO_PASSWORD = "browser-demo"
SERIOUS = {"serious", "critical"}


def seed_demo() -> None:
    call_command("seed_demo", password=DEMO_PASSWORD, stdout=StringIO())


def snapshot_database() -> list[dict]:
    """Every row of the test database, as Django's test runner saves it for `serialized_rollback`
    but with Python values: JSON would cut timestamps to milliseconds, and the audit trail hashes
    them to the microsecond."""
    migrated = MigrationLoader(connection).migrated_apps
    models = [
        model
        for app in apps.get_app_configs()
        if app.models_module is not None and app.label in migrated
        for model in app.get_models()
        if model._meta.can_migrate(connection)
        and router.allow_migrate_model(connection.alias, model)
    ]
    return serializers.serialize(
        "python",
        (row for model in models for row in model._base_manager.order_by("pk").iterator()),
    )


def restore_demo(snapshot: list[dict]) -> None:
    """Put the database in the state `snapshot` saved (conftest's `demo_database`: the demo
    seeded once; ~1 s to load against ~7 s to seed): emptied, then every row loaded back as it
    was, content types and permissions included (their ids must match the rows that name them)."""
    call_command(
        "flush", interactive=False, inhibit_post_migrate=True, reset_sequences=False, verbosity=0
    )
    models = set()
    with transaction.atomic(), connection.constraint_checks_disabled():
        for row in serializers.deserialize("python", snapshot):
            row.save()
            models.add(type(row.object))
    connection.check_constraints(table_names=sorted(model._meta.db_table for model in models))
    # The rows came with their ids: the next id of each table follows them (PostgreSQL).
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)
    ContentType.objects.clear_cache()


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


LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def log_in(page: Page, base_url: str, username: str) -> None:
    """Log in as a test user (tests.factories.PASSWORD) and land on the home page."""
    page.context.clear_cookies()
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What needs me")


def marketing_use_case_submitted():
    """A limited-tier use case of a Marketing team with a council, just submitted."""
    team = TeamFactory(name="Marketing", slug="marketing")
    submitter = UserFactory(username="marketing.submitter", first_name="Maya", last_name="Marketer")
    MembershipFactory(user=submitter, team=team)
    owner = UserFactory(username="olivia.owner", first_name="Olivia", last_name="Owner")
    make_council()
    use_case = usecase_services.usecase_create(
        actor=submitter, data=complete_answers(team=team, business_owner=owner)
    )
    return workflows.usecase_submit(actor=submitter, use_case=use_case)
