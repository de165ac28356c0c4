"""SPEC section 11b: the pages pass an automated accessibility check (axe-core) with no serious
or critical violation, on a laptop and on a phone."""

import pytest
from playwright.sync_api import Page

from registry.models import Deployment
from reviews.models import Review
from usecases.models import UseCase

from .support import log_in_to_demo, serious_violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
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
            "/",
            "/dashboard/",
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
        log_in_to_demo(page, live_server.url, username)
        for path in pages_of(username):
            response = page.goto(f"{live_server.url}{path}")
            assert response.status == 200, path
            found[f"{username} {path}"] = serious_violations(page)
    assert {where: issues for where, issues in found.items() if issues} == {}
