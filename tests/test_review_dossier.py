"""What council review adds to the use-case dossier (SPEC section 8): verifiers, a proposed
rejection, and the checklist items the chair waived with their reasons."""

from django.urls import reverse

import workflows
from reviews.selectors import unverified_required_items

from .reviews_support import reviewer_for


def _dossier(client, user, use_case) -> str:
    client.force_login(user)
    response = client.get(reverse("oversight:dossier", args=[use_case.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _everyone_votes(review, choice, **kwargs):
    for role in review.required_roles:
        workflows.vote_cast(
            actor=reviewer_for(review, role), review=review, choice=choice, **kwargs
        )


def test_the_dossier_lists_verifiers_and_each_waiver_with_its_reason(
    client, review, council, auditor
):
    _everyone_votes(review, "abstain")
    unverified = unverified_required_items(review)
    workflows.decision_record_by_chair(
        actor=council["chair"],
        review=review,
        outcome="approved",
        rationale="Small pilot",
        waivers=[{"item": i.pk, "reason": f"Waived {i.code}: pilot of 200"} for i in unverified],
    )
    page = _dossier(client, auditor, review.use_case)
    assert "Verifier, no vote" in page
    assert "Checklist items waived by the chair" in page
    for item in unverified:
        assert f"Waived {item.code}: pilot of 200" in page


def test_the_dossier_shows_a_rejection_waiting_for_the_chair(client, review, auditor):
    _everyone_votes(review, "reject", reasons="No lawful basis")
    page = _dossier(client, auditor, review.use_case)
    assert "Rejection proposed" in page
    assert "Checklist items waived by the chair" not in page
