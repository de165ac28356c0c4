"""The public transparency page (SPEC section 9): customers read plain facts about the AI they
meet, and nothing internal ever reaches the page."""

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

import workflows
from registry import services as registry_services

from .reviews_support import COUNCIL, approve_review
from .shared_world import people, use_case_of

URL = "/transparency/"
# Internal notes, each with a marker that must never be found in the public HTML.
INTERNAL = {
    "business_problem": "Churners-ZQX-business-problem",
    "pilot_plan": "Ten percent ZQX-pilot-plan",
    "kpis": "Unsubscribes ZQX-kpis",
    "expected_benefits": "Revenue ZQX-benefits",
}


def _approved(make_use_case, alice, **answers):
    return approve_review(make_use_case("submitted", **answers).reviews.get(), alice)


def _record(use_case, alice, owner, name, **data):
    entry = {
        "name": name,
        "vendor": "Zqx Vendor Contract Ltd",
        "model_version": "zqx-model-7",
        "channels": ["email", "chat"],
        "markets": ["GB", "IE"],
        "business_owner": owner,
        "technical_owner": alice,
        "human_oversight": "Zqx oversight rota of the CRM desk",
        "customer_disclosure": "A line under each offer says a computer chose it.",
        "data_categories": ["contact_details"],
        "monitoring_kpis": "Zqx monitoring of complaints",
        "published": True,
        "public_name": "Your weekly offers",
        "public_description": "Picks the offer you see in our weekly e-mail.",
    }
    entry.update(data)
    deployment = workflows.deployment_create(actor=alice, use_case=use_case, data=entry)
    # The council's approval of the public wording (SPEC section 9): only then does it show.
    chair = User.objects.get(username=COUNCIL["chair"])
    return registry_services.public_wording_approve(actor=chair, deployment=deployment)


def _registry_world():
    """Published, unpublished, stopped and confidential entries: built once for the tests marked
    with it (tests/shared_world.py)."""
    world = people()
    alice, owner = world["alice"], world["owner"]

    def make_use_case(state, **answers):
        return use_case_of(world, state, **answers)

    alice.first_name, alice.last_name = "Alicia", "Quixotewright"
    alice.save()
    owner.first_name, owner.last_name = "Olivia", "Ownerbottom"
    owner.save()
    public = _approved(
        make_use_case,
        alice,
        summary="Picks the offer you see in our weekly e-mail.",
        human_escalation="Reply to the e-mail and a member of our team answers.",
        **INTERNAL,
    )
    confidential = _approved(make_use_case, alice, confidential=True, title="Secret launch")
    entries = {
        "shown": _record(public, alice, owner, "Offer chooser"),
        "unpublished": _record(public, alice, owner, "Unpublished helper", published=False),
        "suspended": _record(public, alice, owner, "Suspended helper"),
        "retired": _record(public, alice, owner, "Retired helper"),
        "confidential": _record(confidential, alice, owner, "Confidential launch helper"),
    }
    workflows.deployment_change_stage(
        actor=alice, deployment=entries["suspended"], stage="suspended"
    )
    workflows.deployment_change_stage(actor=alice, deployment=entries["retired"], stage="retired")
    return {
        **world,
        "registry": {"entries": entries, "public": public, "confidential": confidential},
    }


shares_the_registry = pytest.mark.shared_world(build=_registry_world)


@pytest.fixture
def registry(shared):
    return shared["registry"]


def _page(client) -> str:
    response = client.get(URL)
    assert response.status_code == 200
    return response.content.decode()


def test_anonymous_visitors_read_the_page_without_logging_in(client, db):
    response = client.get(URL)
    assert response.status_code == 200
    assert "How we use artificial intelligence" in response.content.decode()
    assert "do not use any AI tools" in response.content.decode()


@shares_the_registry
def test_a_published_entry_is_told_in_plain_words(client, registry):
    html = _page(client)
    shown = registry["entries"]["shown"]
    assert "Your weekly offers" in html
    assert "Offer chooser" not in html  # the internal name
    assert shown.reference in html
    assert "Picks the offer you see in our weekly e-mail." in html
    assert "E-mail, Chat" in html
    assert "United Kingdom, Ireland" in html
    assert "A line under each offer says a computer chose it." in html
    assert "Reply to the e-mail and a member of our team answers." in html
    assert f"{shown.last_review_date:%-d %B %Y}" in html
    assert "We are trying this out" in html  # a pilot


def test_an_entry_without_escalation_gives_the_organisation_contact(
    client, make_use_case, council, alice, owner, settings
):
    settings.ORGANISATION_CONTACT = "ai@zephyr.example"
    _record(_approved(make_use_case, alice, human_escalation=""), alice, owner, "Quiet helper")
    html = _page(client)
    assert "Ask any of our staff" not in html
    assert 'Contact us at <a href="mailto:ai@zephyr.example">' in html


@shares_the_registry
@pytest.mark.parametrize("hidden", ["unpublished", "suspended", "retired", "confidential"])
def test_unpublished_stopped_and_confidential_entries_never_appear(client, registry, hidden):
    html = _page(client)
    entry = registry["entries"][hidden]
    assert entry.name not in html
    assert entry.reference not in html


@shares_the_registry
def test_nothing_internal_reaches_the_page(client, registry, alice, owner, marketing):
    html = _page(client)
    for secret in (
        *INTERNAL.values(),
        "alice", "Alicia", "Quixotewright", owner.username, "Olivia", "Ownerbottom",
        marketing.name, "Zqx", "zqx", "Secret launch",
        registry["public"].reference, registry["public"].title,
        registry["confidential"].reference,
    ):  # fmt: skip
        assert secret not in html, secret


@shares_the_registry
def test_a_logged_in_page_link_is_not_offered_to_the_public(client, registry):
    html = _page(client)
    assert "Log out" not in html
    assert "/use-cases/" not in html


# The page's queries, pinned: a change shows here, whatever ran before (warm caches or not).
PAGE_QUERIES = 1


def test_the_page_runs_the_same_queries_for_few_and_many_entries(
    client, make_use_case, council, alice, owner
):
    public = _approved(make_use_case, alice, summary="Helps.")

    def count():
        with CaptureQueriesContext(connection) as context:
            _page(client)
        return len(context)

    _record(public, alice, owner, "One")
    count()  # warm the per-process caches (content types)
    few = count()
    for n in range(5):
        _record(public, alice, owner, f"More {n}")
    assert count() == few == PAGE_QUERIES
