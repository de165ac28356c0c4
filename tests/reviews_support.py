"""Helpers for review tests: a full council, and walking a review to its end (the walk is the
demo's scenario, demo.scenarios)."""

from demo import scenarios
from demo.scenarios import reviewer_for as reviewer_for  # tests import it from here
from reviews.data_loading import checklist_files, load_checklist, load_policies, read
from reviews.groups import regroup
from reviews.loads import loads_recount
from reviews.models import ChecklistItem, ChecklistTemplate, ReviewPolicy
from reviews.selectors import applicable_items
from usecases import obligations
from usecases.models import Obligation, ObligationCatalogue, UseCase

from .factories import RoleFactory, UserFactory

# The evidence the tests' team gives for every checklist item.
EVIDENCE = "See DPIA v2"

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


def answer_and_verify_checklist(review, team_member):
    """The team answers every applicable item; the reviewer or verifier of each item's role
    verifies it."""
    scenarios.answer_checklist(review, answered_by=team_member, evidence=EVIDENCE)
    scenarios.verify_checklist(review)


def approve_review(review, team_member, conditions=()):
    """Checklist answered and verified (by reviewers and verifiers), every required role
    approves (privacy with the conditions)."""
    scenarios.approve(review, answered_by=team_member, conditions=conditions, evidence=EVIDENCE)
    return UseCase.objects.get(pk=review.use_case_id)


def send_back_for_changes(review, role="legal", reasons="Add the DPA"):
    """One required role requests changes, then the others approve: every role has voted, so the
    review decides `changes_requested` (a request alone waits for the other roles)."""
    others = [other for other in review.required_roles if other != role]
    scenarios.cast_votes(
        review, roles=[role, *others], choices={role: "request_changes"}, reasons=reasons
    )


def reload_default_review_data():
    """The review policies, checklists and obligations catalogue that data migrations seed, the
    latest checklist active. A transactional test's flush empties them; loading them again is
    idempotent."""
    load_policies(ReviewPolicy, read("policies_v1.json"))
    for name in checklist_files():
        load_checklist(ChecklistTemplate, ChecklistItem, read(name))
    for name in obligations.catalogue_files():
        obligations.load(ObligationCatalogue, Obligation, obligations.read(name))


def kept_again(*reviews):
    """After seats or votes written straight to their tables: the reviews' pipeline groups and
    the members' loads recomputed, as reviews.services keeps them."""
    for review in reviews:
        regroup(review)
    loads_recount()
