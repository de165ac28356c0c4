"""Helpers for registry tests: the facts of a typical entry, what the trail says of one, and the
SQL a list read its entries with."""

import csv
import io

import workflows
from audit.models import AuditEvent
from demo import scenarios
from registry import services as registry_services


def entry_data(business_owner, technical_owner, **overrides):
    """What a team types to record a deployment (registry.services.EDITABLE_FIELDS)."""
    return {
        "name": "Acme NBO",
        "vendor": "Acme",
        "model_version": "nbo-2026.3",
        "channels": ["email"],
        "markets": ["GB"],
        "business_owner": business_owner,
        "technical_owner": technical_owner,
        "human_oversight": "CRM team reviews weekly offer mix.",
        "customer_disclosure": "E-mail footer.",
        "data_categories": ["contact_details", "behavioural"],
        "monitoring_kpis": "Unsubscribe rate, complaints.",
        **overrides,
    }


def publish(entry, *, team_member, chair, name="Offers chosen for you", **data):
    """The entry on the public pages: published, with public wording the chair approved."""
    wording = {"public_name": name, "public_description": "Chooses which offers you see first."}
    workflows.deployment_update(
        actor=team_member, deployment=entry, data={"published": True, **wording, **data}
    )
    return registry_services.public_wording_approve(actor=chair, deployment=entry)


# What a team says of its pilot when it moves the entry to production (required to leave pilot).
PILOT_RESULTS = {
    "results": "met",
    "results_summary": "Unsubscribes fell from 2.4% to 2.0% over six weeks on 10% of the list.",
}


def entry_events(entry, action):
    """The audit events of one registry entry with that action."""
    return AuditEvent.objects.filter(
        object_type="registry.deployment", object_id=str(entry.pk), action=action
    )


def body(response) -> bytes:
    """The bytes of a response, streamed (exports) or not."""
    return b"".join(response.streaming_content) if response.streaming else response.content


def csv_rows(response) -> list[dict]:
    """The rows of a CSV export; an error answer is a failure, never an empty export."""
    assert response.status_code == 200, (response.status_code, response.content[:300])
    # The file opens with a byte-order mark, so that Excel reads it as UTF-8.
    return list(csv.DictReader(io.StringIO(body(response).decode("utf-8-sig"))))


def vote_every_role(
    review, *, legal: str, reasons: str = "Describe the new model's data.", conditions=()
):
    """Every required role votes (every role is heard): legal as given, the others approve
    (privacy with the conditions, if any)."""
    choices = {"legal": legal}
    if conditions:
        choices["privacy"] = "approve_with_conditions"
    scenarios.cast_votes(review, choices=choices, reasons=reasons, conditions=conditions)


def reject_review(review, chair):
    """Legal rejects once every role has voted, and the chair confirms the rejection."""
    scenarios.reject(
        review,
        chair=chair,
        rejecting=("legal",),
        reasons="No lawful basis.",
        rationale="The rejection stands.",
    )


def entries_select(captured) -> str:
    """The one SELECT of registry entries among a CaptureQueriesContext's queries."""
    (sql,) = [
        query["sql"]
        for query in captured.captured_queries
        if query["sql"].startswith('SELECT "registry_deployment"."id"')
    ]
    return sql
