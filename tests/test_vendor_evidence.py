"""The vendor's assessment, answered once in the inventory, shown as evidence on the checklist
items it answers, on the review page and in the API; the item keeps its own answer and
verification.

Personas as in conftest: alice answers for Marketing, the council's reviewers verify, an
outsider sees nothing.
"""

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from reviews import services
from reviews.data_loading import checklist_files
from reviews.models import ChecklistAnswer
from reviews.selectors import applicable_items
from reviews.vendor_evidence import ITEM_FACTS, fact_sentences

from .inventory_support import AiModelFactory, ModelVersionFactory, VendorFactory, assessment
from .reviews_support import reviewer_for
from .shared_world import review_world

pytestmark = pytest.mark.shared_world(build=review_world, for_tests_using="review")

CHECKLISTS = Path(__file__).resolve().parent.parent / "reviews" / "data"
NOT_ANSWERED_BY_VENDORS = "PRV-01"  # a lawful basis: ours to record, not the vendor's


def vendor_named(name, **overrides):
    """A vendor with a complete, current assessment (inventory_support.assessment)."""
    return VendorFactory(**assessment(name=name, **overrides))


def run_models_of(use_case, *vendors):
    """The use case names a version of one model of each vendor."""
    for vendor in vendors:
        use_case.model_versions.add(ModelVersionFactory(model=AiModelFactory(vendor=vendor)))


def item_html(page: str, code: str) -> str:
    """The item's article on the review page."""
    start = page.index(f'id="item-{code}"')
    return page[start : page.index("</article>", start)]


def review_page(client, review) -> str:
    response = client.get(reverse("reviews:detail", args=[review.pk]))
    assert response.status_code == 200
    return response.content.decode()


def checklist_api(api, user, review) -> dict:
    response = api(user).get(f"/api/v1/reviews/{review.pk}/checklist/")
    assert response.status_code == 200, response.content
    return {item["code"]: item for item in response.json()}


@pytest.fixture
def acme(review):
    vendor = vendor_named("Acme AI", sub_processors=["Cloud Hosting Ltd", "Model Co"])
    run_models_of(review.use_case, vendor)
    return vendor


# --- The review page ------------------------------------------------------------------------------


def test_the_team_sees_the_vendors_facts_on_the_items_they_answer(login, review, alice, acme):
    page = review_page(login(alice), review)
    dpa = item_html(page, "PRV-05")
    assert "From the vendor assessment of" in dpa
    assert f'href="/vendors/{acme.pk}/">Acme AI</a>' in dpa
    assert f"assessed {acme.assessed_on:%-d %b %Y}" in dpa
    assert f"next due {acme.next_assessment_due:%-d %b %Y}" in dpa
    assert "A data processing agreement was signed on 1 Mar 2025." in dpa
    assert "Sub-processors: Cloud Hosting Ltd, Model Co." in item_html(page, "PRV-07")
    assert "Data is held in: EU / EEA." in item_html(page, "PRV-08")
    assert "The vendor does not train models on our data." in item_html(page, "PRV-06")
    security = item_html(page, "SEC-06")
    assert "Certifications: ISO/IEC 27001, SOC 2 Type II." in security
    assert "Pen test report read; no open findings." in security
    assert "Lapsed" not in dpa


def test_the_items_verifier_sees_the_same_evidence(login, review, acme):
    page = review_page(login(reviewer_for(review, "legal")), review)
    assert "A data processing agreement was signed on 1 Mar 2025." in item_html(page, "PRV-05")


def test_an_item_the_assessment_does_not_answer_shows_no_vendor_facts(login, review, alice, acme):
    page = review_page(login(alice), review)
    assert "From the vendor assessment" not in item_html(page, NOT_ANSWERED_BY_VENDORS)
    # A facts sentence belongs to its item only: the DPA is not evidence of sub-processors.
    assert "data processing agreement was signed" not in item_html(page, "PRV-07")


def test_a_lapsed_assessment_is_shown_with_a_warning(login, review, alice):
    today = timezone.localdate()
    lapsed = vendor_named(
        "Old Vendor",
        assessed_on=today - timedelta(days=400),
        next_assessment_due=today - timedelta(days=35),
    )
    run_models_of(review.use_case, lapsed)
    dpa = item_html(review_page(login(alice), review), "PRV-05")
    assert "From the vendor assessment of" in dpa
    assert "Old Vendor" in dpa
    assert '<strong class="badge badge--overdue">Lapsed</strong>' in dpa
    assert "past its next due date" in dpa


def test_a_vendor_never_assessed_counts_as_lapsed(login, review, alice):
    run_models_of(review.use_case, VendorFactory(name="New Vendor", assessed_on=None))
    dpa = item_html(review_page(login(alice), review), "PRV-05")
    assert "never assessed" in dpa
    assert "Lapsed" in dpa
    assert "No data processing agreement is signed." in dpa


def test_a_use_case_naming_no_model_version_shows_no_vendor_facts(login, review, alice):
    vendor_named("Acme AI")  # in the inventory, but not named by the use case
    page = review_page(login(alice), review)
    assert "From the vendor assessment" not in page


def test_an_in_house_model_brings_no_vendor_facts(login, review, alice):
    in_house = ModelVersionFactory(model=AiModelFactory(vendor=None, name="Our scorer"))
    review.use_case.model_versions.add(in_house)
    assert "From the vendor assessment" not in review_page(login(alice), review)


def test_each_vendor_of_the_use_case_gives_its_own_evidence(login, review, alice):
    run_models_of(
        review.use_case,
        vendor_named("Zed Speech", dpa_signed=False, dpa_signed_on=None),
        vendor_named("Acme AI"),
    )
    dpa = item_html(review_page(login(alice), review), "PRV-05")
    # By name, each with its own facts.
    assert dpa.index("Acme AI") < dpa.index("Zed Speech")
    assert "A data processing agreement was signed on 1 Mar 2025." in dpa
    assert "No data processing agreement is signed." in dpa


def test_someone_who_cannot_see_the_review_gets_404(login, api, review, outsider, acme):
    assert login(outsider).get(reverse("reviews:detail", args=[review.pk])).status_code == 404
    assert api(outsider).get(f"/api/v1/reviews/{review.pk}/checklist/").status_code == 404


# --- Evidence, never a verification ----------------------------------------------------------------


def test_the_evidence_neither_answers_nor_verifies_the_item(login, api, review, alice, acme):
    items = checklist_api(api, alice, review)
    assert items["PRV-05"]["vendor_evidence"]
    assert items["PRV-05"]["answer"] is None
    assert items["PRV-05"]["verification"] is None
    assert not ChecklistAnswer.objects.filter(review=review).exists()
    dpa = item_html(review_page(login(alice), review), "PRV-05")
    assert "Not answered" in dpa
    assert "Verified</span>" not in dpa


def test_an_answered_item_waits_for_its_verifier_beside_the_evidence(api, review, alice, acme):
    prv05 = next(item for item in applicable_items(review) if item.code == "PRV-05")
    services.checklist_answer(actor=alice, review=review, item_id=prv05.pk, answer="yes")
    item = checklist_api(api, reviewer_for(review, "legal"), review)["PRV-05"]
    assert item["answer"] == "yes"
    assert item["verification"] is None
    assert item["vendor_evidence"][0]["vendor"] == "Acme AI"


# --- The API ---------------------------------------------------------------------------------------


def test_the_api_lists_the_vendor_evidence_of_each_item(api, review, alice, acme):
    items = checklist_api(api, alice, review)
    assert items["PRV-05"]["vendor_evidence"] == [
        {
            "vendor": "Acme AI",
            "vendor_id": acme.pk,
            "facts": ["A data processing agreement was signed on 1 Mar 2025."],
            "assessed_on": acme.assessed_on.isoformat(),
            "next_assessment_due": acme.next_assessment_due.isoformat(),
            "lapsed": False,
        }
    ]
    assert items["SEC-06"]["vendor_evidence"][0]["facts"][0] == (
        "Certifications: ISO/IEC 27001, SOC 2 Type II."
    )
    assert items[NOT_ANSWERED_BY_VENDORS]["vendor_evidence"] == []


def test_the_api_says_when_the_assessment_has_lapsed(api, review, alice):
    run_models_of(review.use_case, VendorFactory(name="New Vendor", assessed_on=None))
    evidence = checklist_api(api, alice, review)["PRV-05"]["vendor_evidence"]
    assert evidence[0]["lapsed"] is True
    assert evidence[0]["assessed_on"] is None


def test_the_api_shows_no_evidence_for_a_use_case_naming_no_model_version(api, review, alice):
    vendor_named("Acme AI")
    items = checklist_api(api, alice, review)
    assert all(item["vendor_evidence"] == [] for item in items.values())


def test_an_answer_saved_through_the_api_comes_back_with_its_evidence(api, review, alice, acme):
    prv05 = next(item for item in applicable_items(review) if item.code == "PRV-05")
    response = api(alice).patch(
        f"/api/v1/reviews/{review.pk}/checklist/{prv05.pk}/",
        {"answer": "yes", "evidence": "DPA signed, see the vendor page"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["vendor_evidence"][0]["vendor_id"] == acme.pk


# --- Constant queries ------------------------------------------------------------------------------


def _queries(client, url) -> int:
    client.get(url)  # warm caches that live for the whole process (content types)
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def test_the_page_and_the_api_read_the_vendors_in_the_same_queries_for_1_and_3(
    login, api, review, alice
):
    page_url = reverse("reviews:detail", args=[review.pk])
    api_url = f"/api/v1/reviews/{review.pk}/checklist/"

    def counts():
        return _queries(login(alice), page_url), _queries(api(alice), api_url)

    none = counts()
    run_models_of(review.use_case, vendor_named("Acme AI"))
    one = counts()
    run_models_of(review.use_case, vendor_named("Bravo AI"), vendor_named("Charlie AI"))
    three = counts()
    assert none == one == three
    assert len(checklist_api(api, alice, review)["PRV-05"]["vendor_evidence"]) == 3


# --- The mapping and its words ---------------------------------------------------------------------


@pytest.mark.parametrize("name", checklist_files())
def test_every_mapped_item_exists_and_is_about_the_vendor(name):
    items = {
        item["code"]: item["text"] for item in json.loads((CHECKLISTS / name).read_text())["items"]
    }
    for code in ITEM_FACTS:
        assert "vendor" in items[code].lower() or "transfer" in items[code].lower(), code


def facts(**overrides):
    values = assessment(**overrides)
    return {name: values[name] for name in values if name not in {"name", "website"}}


@pytest.mark.parametrize(
    ("code", "overrides", "expected"),
    [
        ("PRV-05", {}, ["A data processing agreement was signed on 1 Mar 2025."]),
        (
            "PRV-05",
            {"dpa_signed_on": None},
            ["A data processing agreement was signed (date not recorded)."],
        ),
        ("PRV-05", {"dpa_signed": False}, ["No data processing agreement is signed."]),
        (
            "PRV-06",
            {"trains_on_our_data": "opt_out_available"},
            ["The vendor trains models on our data unless we opt out."],
        ),
        (
            "PRV-06",
            {"trains_on_our_data": "unknown"},
            ["Whether the vendor trains models on our data is not known."],
        ),
        ("PRV-07", {"sub_processors": []}, ["No sub-processors are recorded."]),
        (
            "PRV-08",
            {"data_residency": "other", "data_residency_detail": "India"},
            ["Data is held in: India."],
        ),
        (
            "PRV-08",
            {"data_residency": "us", "data_residency_detail": "Virginia"},
            ["Data is held in: United States (Virginia)."],
        ),
        ("PRV-08", {"data_residency": ""}, ["Where the data is held is not recorded."]),
        (
            "SEC-06",
            {"certifications": [], "security_review": "", "security_reviewed_on": None},
            ["No certifications are recorded.", "No security review is recorded."],
        ),
        (
            "SEC-06",
            {"security_reviewed_on": date(2026, 2, 12)},
            [
                "Certifications: ISO/IEC 27001, SOC 2 Type II.",
                "Security review (12 Feb 2026): Pen test report read; no open findings.",
            ],
        ),
        (NOT_ANSWERED_BY_VENDORS, {}, []),
        ("TRN-09", {}, []),
    ],
)
def test_the_facts_read_as_plain_sentences(code, overrides, expected):
    assert fact_sentences(code, facts(**overrides)) == expected
