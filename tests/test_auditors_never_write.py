"""SPEC section 2: auditors read and export everything non-draft, and change nothing.

The write endpoints are read from the OpenAPI schema, so a new endpoint is covered the day it
is added: each one, called by an auditor on objects the auditor can see, answers 403 and leaves
the audit trail (where every write is recorded) untouched.
"""

import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import NoReverseMatch, get_resolver, reverse
from drf_spectacular.generators import SchemaGenerator

import workflows
from audit.models import AuditEvent
from inventory.models import AiModel, ModelVersion, Vendor
from registry import services as registry_services
from registry.models import Complaint
from reviews.selectors import applicable_items
from usecases import services as usecase_services

from .factories import MembershipFactory, RoleFactory
from .reviews_support import approve_review
from .shared_world import people, use_case_of

WRITE_METHODS = {"post", "put", "patch", "delete"}
# Obtaining, revoking a token or logging out is how an auditor signs in to and out of the API,
# not a write to the record.
NOT_WRITES = {
    ("post", "/api/v1/auth/token/"),
    ("post", "/api/v1/auth/logout/"),
    ("delete", "/api/v1/auth/tokens/"),
    ("delete", "/api/v1/auth/tokens/{id}/"),
}
# Input each write would accept from someone allowed, so a refusal is never a validation error.
PLAUSIBLE = {
    "title": "Changed", "choice": "approve", "reasons": "Fine", "answer": "yes",
    "evidence": "DPIA v2", "verdict": "verified", "comment": "Checked", "body": "Question",
    "outcome": "approved", "rationale": "Agreed", "reason": "Conflict", "stage": "suspended",
    "kind": "other", "severity": "low", "description": "Typo", "status": "investigating",
    "resolution": "Fixed", "model_version": "v2", "monitoring_kpis": "Recall",
}  # fmt: skip


def _write_operations():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return sorted(
        (method, path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in WRITE_METHODS and (method, path) not in NOT_WRITES
    )


def _record_world():
    """One object of every kind a write endpoint takes, all visible to auditors: built once for
    the module (tests/shared_world.py), as every test here only reads it or is refused."""
    world = people()
    alice = world["alice"]
    in_review = use_case_of(world, "draft")
    attachment = usecase_services.attachment_add(
        actor=alice,
        use_case=in_review,
        upload=SimpleUploadedFile("dpia.pdf", b"%PDF-1.7 assessment"),
    )
    in_review = workflows.usecase_submit(actor=alice, use_case=in_review)
    review = in_review.reviews.get()
    approved = approve_review(
        use_case_of(world, "submitted", title="Churn score").reviews.get(),
        alice,
        conditions=[{"text": "Quarterly bias report", "blocking": False}],
    )
    deployment = workflows.deployment_create(
        actor=alice,
        use_case=approved,
        data={
            "name": "Churn score",
            "model_version": "v1",
            "markets": ["GB"],
            "channels": ["email"],
            "business_owner": approved.business_owner,
            "technical_owner": alice,
            "human_oversight": "Weekly review.",
            "data_categories": ["behavioural"],
            "monitoring_kpis": "Precision.",
        },
    )
    incident = workflows.incident_report(
        actor=alice, deployment=deployment, kind="other", severity="low", description="Typo"
    )
    condition = approved.reviews.get().conditions.get()
    complaint = Complaint.objects.create(deployment=deployment, kind="complaint", message="Why?")
    vendor = Vendor.objects.create(name="Acme AI")
    model = AiModel.objects.create(
        vendor=vendor, name="Nova", model_type="llm", proposed=True, recorded_by=alice
    )
    version = ModelVersion.objects.create(
        model=model, version="1", proposed=True, recorded_by=alice
    )
    kpi = registry_services.kpi_define(
        actor=alice,
        deployment=deployment,
        name="Precision",
        direction="higher",
        baseline=Decimal("0.7"),
        target=Decimal("0.8"),
    )
    ids = {
        "use-cases": in_review.pk,
        "reviews": review.pk,
        "conditions": condition.pk,
        "registry": deployment.pk,
        "item_id": applicable_items(review)[0].pk,
        "section": applicable_items(review)[0].section,
        "answer_id": approved.reviews.get().answers.first().pk,
        "attachment_id": attachment.pk,
        "incident_id": incident.pk,
        "condition_review": condition.review_id,
        "complaint_id": complaint.pk,
        "kpi_id": kpi.pk,
        "vendors": vendor.pk,
        "models": model.pk,
        "version_id": version.pk,
        "kind": "csv",
    }
    return {**world, "record": ids}


pytestmark = pytest.mark.shared_world(build=_record_world)


@pytest.fixture(params=["auditor", "auditor in every seat"])
def auditing(request, shared):
    """An auditor; and one who is everything else too: the business owner named on every record
    here (named before becoming an auditor), in the owning team, and the chair. Either changes
    nothing: the auditor's refusal comes first in every rule."""
    if request.param == "auditor":
        return request.getfixturevalue("auditor")
    owner = shared["owner"]
    RoleFactory(user=owner, role="auditor")
    RoleFactory(user=owner, role="chair")
    MembershipFactory(user=owner, team=shared["marketing"])
    return owner


@pytest.fixture
def record(shared):
    """The ids of the shared objects, by the name the URLs give them."""
    return shared["record"]


def _url(path: str, ids: dict) -> str:
    resource = path.split("/")[3]

    def value(match):
        name = match.group(1)
        return str(ids[resource] if name == "id" else ids[name])

    return re.sub(r"\{(\w+)\}", value, path)


def test_the_schema_lists_the_write_endpoints_this_test_walks():
    operations = _write_operations()
    assert ("post", "/api/v1/reviews/{id}/votes/") in operations
    assert ("patch", "/api/v1/registry/{id}/") in operations
    assert len(operations) >= 20


@pytest.mark.parametrize(("method", "path"), _write_operations())
def test_an_auditor_is_refused_every_write(method, path, record, auditing, api):
    url = _url(path, record)
    events_before = AuditEvent.objects.count()

    response = getattr(api(auditing), method)(url, PLAUSIBLE, format="json")

    assert response.status_code == 403, (url, response.status_code, response.content[:300])
    assert AuditEvent.objects.count() == events_before


def _page_routes():
    """Every page route of the apps that hold the record, with its URL name."""
    for namespace in ("usecases", "reviews", "registry"):
        resolver = get_resolver().namespace_dict[namespace][1]
        for pattern in resolver.url_patterns:
            yield namespace, pattern.name


PAGE_KWARGS = {
    "item_pk": "item_id",
    "section": "section",
    "answer_pk": "answer_id",
    "attachment_pk": "attachment_id",
    "incident_pk": "incident_id",
    "condition_pk": "conditions",
    "complaint_pk": "complaint_id",
    "kind": "kind",
}


def _page_url(namespace: str, name: str, ids: dict) -> str:
    keys = get_resolver().namespace_dict[namespace][1].reverse_dict.getlist(name)[0][0][0][1]
    kwargs = {key: ids[PAGE_KWARGS[key]] for key in keys if key != "pk"}
    if "pk" in keys:
        resource = {"usecases": "use-cases", "reviews": "reviews", "registry": "registry"}
        kwargs["pk"] = ids["condition_review" if "condition_pk" in keys else resource[namespace]]
    try:
        return reverse(f"{namespace}:{name}", kwargs=kwargs)
    except NoReverseMatch:  # pragma: no cover - a route this walk cannot fill in
        pytest.fail(f"Cannot build {namespace}:{name} with {kwargs}")


@pytest.mark.parametrize(("namespace", "name"), sorted(_page_routes()))
def test_an_auditor_posting_to_any_page_changes_nothing(namespace, name, record, auditing, client):
    client.force_login(auditing)
    url = _page_url(namespace, name, record)
    events_before = AuditEvent.objects.count()

    response = client.post(url, PLAUSIBLE)

    # Refused (403), or a page that only reads (200, 405), or one that needs more (404).
    assert response.status_code in {200, 403, 404, 405}, (url, response.status_code)
    assert AuditEvent.objects.count() == events_before, url
