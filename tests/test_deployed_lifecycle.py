"""A use case after it entered the registry: change reviews that ask for changes, rejection,
resuming a suspended entry, and retiring (SPEC sections 4 and 6)."""

import datetime

import pytest
from django.utils import timezone

import workflows
from audit.models import AuditEvent
from common.errors import TransitionNotAllowed
from registry.models import Deployment
from usecases import services as usecase_services
from usecases.models import UseCase

from .registry_support import PILOT_RESULTS, entry_data, reject_review, vote_every_role
from .reviews_support import approve_review
from .shared_world import entry_world

# Every test starts from one approved use case and its entry, built once (tests/shared_world.py).
pytestmark = pytest.mark.shared_world(build=entry_world)


def _state(entry):
    return UseCase.objects.get(pk=entry.use_case_id).state


def _stage(entry):
    return Deployment.objects.get(pk=entry.pk).stage


def _change_review(entry, alice):
    workflows.deployment_update(actor=alice, deployment=entry, data={"model_version": "nbo-2027.1"})
    return entry.use_case.reviews.get(state="open")


def _request_changes(review):
    vote_every_role(review, legal="request_changes")


def test_changes_requested_on_a_change_review_send_the_use_case_back_while_the_entry_runs(
    entry, alice
):
    review = _change_review(entry, alice)
    _request_changes(review)

    assert _state(entry) == "changes_requested"
    assert _stage(entry) == "pilot"
    assert AuditEvent.objects.filter(
        action="decision_recorded", changes__state=["deployed", "changes_requested"]
    ).exists()


def test_the_team_answers_with_a_new_revision_and_the_same_change_review_decides_it(entry, alice):
    review = _change_review(entry, alice)
    _request_changes(review)
    use_case = UseCase.objects.get(pk=entry.use_case_id)

    usecase_services.usecase_update(
        actor=alice, use_case=use_case, data={"pilot_plan": "Training data described in DPIA v3."}
    )
    use_case = workflows.usecase_submit(actor=alice, use_case=use_case)

    review.refresh_from_db()
    assert use_case.state == "in_review" and use_case.revision == 2
    assert review.state == "open" and review.revision == 2 and review.kind == "change"
    assert use_case.reviews.count() == 2  # the first review and this change review, no third

    approve_review(review, alice)

    entry.refresh_from_db()
    assert _state(entry) == "deployed"
    assert entry.approval == review and entry.last_review_date == timezone.localdate()
    assert entry.stage == "pilot"


def test_a_new_trigger_while_the_team_reworks_opens_no_second_review(entry, alice):
    review = _change_review(entry, alice)
    _request_changes(review)

    workflows.deployment_update(actor=alice, deployment=entry, data={"channels": ["email", "web"]})

    assert entry.use_case.reviews.filter(state="open").count() == 0
    assert AuditEvent.objects.filter(
        action="review_requested", changes__review=[None, "already under way"]
    ).exists()


def test_rejection_on_a_change_review_rejects_the_use_case_and_keeps_the_entry_suspended(
    entry, alice, council
):
    reject_review(_change_review(entry, alice), council["chair"])
    assert _state(entry) == "rejected" and _stage(entry) == "suspended"

    with pytest.raises(TransitionNotAllowed, match="stays suspended"):
        workflows.deployment_change_stage(
            actor=alice, deployment=entry, stage="production", **PILOT_RESULTS
        )

    workflows.deployment_change_stage(actor=alice, deployment=entry, stage="retired")
    assert _stage(entry) == "retired" and _state(entry) == "rejected"


def test_a_suspended_entry_resumes_only_once_the_re_review_approves(entry, alice):
    workflows.incident_report(
        actor=alice,
        deployment=entry,
        kind="harmful_output",
        severity="critical",
        description="Offer e-mail sent to opted-out customers.",
    )
    assert _stage(entry) == "suspended"
    with pytest.raises(TransitionNotAllowed):
        workflows.deployment_change_stage(actor=alice, deployment=entry, stage="pilot")

    approve_review(entry.use_case.reviews.get(state="open"), alice)
    workflows.deployment_change_stage(actor=alice, deployment=entry, stage="pilot", reason="Fixed")

    assert _stage(entry) == "pilot" and _state(entry) == "deployed"


def test_a_team_suspension_can_be_lifted_by_the_team(entry, alice):
    workflows.deployment_change_stage(actor=alice, deployment=entry, stage="suspended")
    workflows.deployment_change_stage(
        actor=alice, deployment=entry, stage="production", **PILOT_RESULTS
    )
    assert _stage(entry) == "production"


def test_the_use_case_retires_with_its_last_entry(entry, alice, owner):
    second = workflows.deployment_create(
        actor=alice, use_case=entry.use_case, data=entry_data(owner, alice, name="Acme NBO web")
    )
    workflows.deployment_change_stage(actor=alice, deployment=entry, stage="retired")
    assert _state(entry) == "deployed"

    workflows.deployment_change_stage(actor=alice, deployment=second, stage="retired")

    assert _state(entry) == "retired"
    assert AuditEvent.objects.filter(
        action="retired",
        object_ref=entry.use_case.reference,
        changes__state=["deployed", "retired"],
    ).exists()


def test_a_use_case_in_service_cannot_be_withdrawn(entry, alice):
    _request_changes(_change_review(entry, alice))
    use_case = UseCase.objects.get(pk=entry.use_case_id)

    with pytest.raises(TransitionNotAllowed, match=entry.reference):
        workflows.usecase_withdraw(actor=alice, use_case=use_case)
    assert _state(entry) == "changes_requested"


def test_the_team_can_edit_a_deployed_use_case_sent_back_for_changes(entry, alice, client):
    _request_changes(_change_review(entry, alice))
    client.force_login(alice)

    page = client.get(f"/use-cases/{entry.use_case_id}/edit/")

    assert page.status_code == 200


def test_the_entry_page_offers_only_the_moves_allowed_now(entry, alice, client):
    workflows.incident_report(
        actor=alice,
        deployment=entry,
        kind="privacy_breach",
        severity="critical",
        description="Transcript shown to the wrong customer.",
    )
    client.force_login(alice)

    while_reviewed = client.get(f"/registry/{entry.pk}/").content.decode()
    approve_review(entry.use_case.reviews.get(state="open"), alice)
    once_approved = client.get(f"/registry/{entry.pk}/").content.decode()

    assert "Move to Retired" in while_reviewed and "Move to Pilot" not in while_reviewed
    assert "Move to Pilot" in once_approved and "Move to Production" in once_approved


def test_the_daily_sweep_leaves_an_entry_alone_while_its_team_reworks_the_use_case(entry, alice):
    _request_changes(_change_review(entry, alice))
    events_before = AuditEvent.objects.count()

    for days_late in (0, 1, 2):
        counts = workflows.rereview_sweep(
            today=entry.next_review_due + datetime.timedelta(days=days_late)
        )
        assert counts["opened"] == 0

    assert AuditEvent.objects.count() == events_before
    assert not entry.use_case.reviews.filter(state="open").exists()
