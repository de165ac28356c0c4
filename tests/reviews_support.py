"""Helpers for review tests: a full council, and walking a review to its end."""

from reviews import services
from reviews.models import ChecklistAnswer
from reviews.selectors import applicable_items

from .factories import RoleFactory, UserFactory

COUNCIL = {
    "marketing": "mia.marketing",
    "customer_experience": "cxavier.cx",
    "privacy": "pia.privacy",
    "legal": "leo.legal",
    "data_science": "dana.data",
    "security": "sam.security",
    "ethics": "eve.ethics",
    "chair": "chris.chair",
}


def make_council():
    members = {}
    for role, username in COUNCIL.items():
        user = UserFactory(username=username)
        RoleFactory(user=user, role=role)
        members[role] = user
    return members


def item_of(review, role):
    """The first applicable checklist item a role verifies on the review."""
    return next(item for item in applicable_items(review) if item.role == role)


def reviewer_for(review, role):
    """The active reviewer of a voting role, or the verifier of a role that does not vote."""
    return review.assignments.get(role=role, recused=False).reviewer


def answer_and_verify_checklist(review, team_member):
    """The team answers every applicable item; the reviewer or verifier of each item's role
    verifies it."""
    for item in applicable_items(review):
        services.checklist_answer(
            actor=team_member, review=review, item_id=item.pk, answer="yes", evidence="See DPIA v2"
        )
    for item in applicable_items(review):
        review.refresh_from_db()
        if review.state != "open":
            return
        if ChecklistAnswer.objects.filter(
            review=review, item=item, revision=review.revision, verdict="verified"
        ).exists():
            continue
        services.checklist_verify(
            actor=reviewer_for(review, item.role),
            review=review,
            item_id=item.pk,
            verdict="verified",
        )


def approve_review(review, team_member, conditions=()):
    """Checklist answered and verified (by reviewers and verifiers), every required role
    approves (privacy with the conditions)."""
    from usecases.models import UseCase

    answer_and_verify_checklist(review, team_member)
    for role in review.required_roles:
        conditional = bool(conditions) and role == "privacy"
        services.vote_cast(
            actor=reviewer_for(review, role),
            review=review,
            choice="approve_with_conditions" if conditional else "approve",
            conditions=list(conditions) if conditional else [],
        )
    return UseCase.objects.get(pk=review.use_case_id)


def send_back_for_changes(review, role="legal", reasons="Add the DPA"):
    """One required role requests changes and the others approve: every role has voted, so the
    review decides `changes_requested` (a request alone waits for the other roles)."""
    services.vote_cast(
        actor=reviewer_for(review, role), review=review, choice="request_changes", reasons=reasons
    )
    for other in review.required_roles:
        if other != role:
            services.vote_cast(actor=reviewer_for(review, other), review=review, choice="approve")


def reload_default_review_data():
    """The review policies, checklists and obligations catalogue that data migrations seed, the
    latest checklist active. A transactional test's flush empties them; loading them again is
    idempotent."""
    from reviews.data_loading import checklist_files, load_checklist, load_policies, read
    from reviews.models import ChecklistItem, ChecklistTemplate, ReviewPolicy
    from usecases import obligations
    from usecases.models import Obligation, ObligationCatalogue

    load_policies(ReviewPolicy, read("policies_v1.json"))
    for name in checklist_files():
        load_checklist(ChecklistTemplate, ChecklistItem, read(name))
    obligations.load(ObligationCatalogue, Obligation, obligations.read("obligations_v1.json"))
