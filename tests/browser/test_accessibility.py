"""SPEC section 11b: the pages pass an automated accessibility check (axe-core) with no serious
or critical violation, on a laptop and on a phone."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from playwright.sync_api import Page

from registry.models import Deployment
from reviews.models import Review
from usecases.models import UseCase

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "accessible-demo"
SERIOUS = {"serious", "critical"}


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", password=PASSWORD, stdout=open("/dev/null", "w"))  # noqa: SIM115


def log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base_url}/")


def serious_violations(page: Page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in SERIOUS
    ]


def pages_of(username: str) -> list[str]:
    decided = Review.objects.filter(outcome="approved_with_conditions").first()
    use_case = UseCase.objects.get(title="Next-best-offer e-mails")
    draft = UseCase.objects.get(title="Generated campaign copy")
    entry = Deployment.objects.get(stage="suspended")
    marketing_entry = Deployment.objects.get(use_case=use_case)
    common = ["/", "/use-cases/", "/notifications/"]
    return {
        "marketing.submitter": [
            *common,
            "/use-cases/new/",
            f"/use-cases/{use_case.pk}/",
            f"/use-cases/{draft.pk}/edit/",
            f"/registry/{marketing_entry.pk}/",
            f"/registry/{marketing_entry.pk}/edit/",
            f"/registry/new/?use_case={use_case.pk}",
        ],
        "council.privacy": [*common, "/reviews/", f"/reviews/{decided.pk}/"],
        "chair": [
            "/council/pipeline/",
            f"/reviews/{decided.pk}/",
            "/registry/",
            f"/registry/{entry.pk}/",
            "/audit/",
            f"/use-cases/{use_case.pk}/dossier/",
        ],
    }[username]


@pytest.mark.parametrize(
    "viewport",
    [{"width": 1280, "height": 800}, {"width": 390, "height": 844}],
    ids=["laptop", "phone"],
)
def test_pages_have_no_serious_accessibility_violations(page: Page, live_server, demo, viewport):
    page.set_viewport_size(viewport)
    page.goto(f"{live_server.url}/accounts/login/")
    found = {"/accounts/login/": serious_violations(page)}
    for username in ("marketing.submitter", "council.privacy", "chair"):
        page.context.clear_cookies()
        log_in(page, live_server.url, username)
        for path in pages_of(username):
            response = page.goto(f"{live_server.url}{path}")
            assert response.status == 200, path
            found[f"{username} {path}"] = serious_violations(page)
    assert {where: issues for where, issues in found.items() if issues} == {}
