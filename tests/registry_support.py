"""Helpers for registry tests: the facts of a typical entry, and what the trail says of one."""

import csv
import io

from audit.models import AuditEvent
from reviews.services import decision_record_by_chair, vote_cast

from .reviews_support import reviewer_for


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
    return list(csv.DictReader(io.StringIO(body(response).decode())))


def vote_every_role(
    review, *, legal: str, reasons: str = "Describe the new model's data.", conditions=()
):
    """Every required role votes (every role is heard): legal as given, the others approve
    (privacy with the conditions, if any)."""
    for role in review.required_roles:
        if role == "legal":
            vote_cast(
                actor=reviewer_for(review, role), review=review, choice=legal, reasons=reasons
            )
        elif role == "privacy" and conditions:
            vote_cast(
                actor=reviewer_for(review, role),
                review=review,
                choice="approve_with_conditions",
                conditions=list(conditions),
            )
        else:
            vote_cast(actor=reviewer_for(review, role), review=review, choice="approve")


def reject_review(review, chair):
    """Legal rejects once every role has voted, and the chair confirms the rejection."""
    vote_every_role(review, legal="reject", reasons="No lawful basis.")
    decision_record_by_chair(
        actor=chair, review=review, outcome="rejected", rationale="The rejection stands."
    )
