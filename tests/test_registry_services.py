import datetime
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

import workflows
from audit.models import AuditEvent
from common.errors import ActionForbidden, TransitionNotAllowed
from council.models import Notification
from registry.models import Deployment, DeploymentVersion
from registry.tasks import registry_rereview_sweep
from reviews import services as review_services
from reviews.models import Condition
from usecases import services as usecase_services
from usecases.models import UseCase

from .registry_support import PILOT_RESULTS, entry_data, reject_review, vote_every_role
from .reviews_support import approve_review as _approve
from .shared_world import approved_world

# Every test starts from one approved use case, built once (tests/shared_world.py).
pytestmark = pytest.mark.shared_world(build=approved_world)


def test_an_approved_use_case_enters_the_registry_and_becomes_deployed(approved, alice, owner):
    entry = workflows.deployment_create(
        actor=alice, use_case=approved, data=entry_data(owner, alice)
    )
    assert entry.reference == "AI-0001"
    assert entry.stage == "pilot" and entry.risk_tier == "limited"
    assert entry.next_review_due.year == entry.last_review_date.year + 1
    assert UseCase.objects.get(pk=approved.pk).state == "deployed"
    assert DeploymentVersion.objects.filter(deployment=entry).count() == 1
    assert AuditEvent.objects.filter(object_type="registry.deployment", action="created").exists()


def test_open_blocking_conditions_refuse_the_entry_and_are_listed(
    make_use_case, council, alice, owner
):
    use_case = _approve(
        make_use_case("submitted").reviews.get(), alice, conditions=[{"text": "Publish notice"}]
    )
    with pytest.raises(ValidationError) as error:
        workflows.deployment_create(actor=alice, use_case=use_case, data=entry_data(owner, alice))
    assert error.value.message_dict["use_case"] == ["Blocking condition still open: Publish notice"]
    condition = review_services.condition_meet(
        actor=alice, condition=Condition.objects.get(), evidence="Live on site"
    )
    with pytest.raises(ValidationError):  # marked met, not yet confirmed by the council
        workflows.deployment_create(actor=alice, use_case=use_case, data=entry_data(owner, alice))
    review_services.condition_confirm(
        actor=council["privacy"], condition=condition, verdict="confirmed"
    )
    assert workflows.deployment_create(
        actor=alice, use_case=use_case, data=entry_data(owner, alice)
    )


def test_a_blocking_condition_of_a_superseded_revision_no_longer_blocks(
    make_use_case, council, alice, owner
):
    use_case = make_use_case("submitted")
    review = use_case.reviews.get()
    vote_every_role(
        review, legal="request_changes", conditions=[{"text": "Publish notice", "blocking": True}]
    )
    use_case = usecase_services.usecase_update(
        actor=alice, use_case=UseCase.objects.get(pk=use_case.pk), data={"kpis": "Opt-outs"}
    )
    workflows.usecase_submit(actor=alice, use_case=use_case)
    use_case = _approve(review, alice)  # revision 2, every role approves without conditions

    entry = workflows.deployment_create(
        actor=alice, use_case=use_case, data=entry_data(owner, alice)
    )

    assert entry.reference == "AI-0001"
    assert Condition.objects.get().status == "open"  # history, kept on revision 1


def test_a_use_case_not_approved_cannot_enter_the_registry(make_use_case, alice, owner):
    with pytest.raises(TransitionNotAllowed):
        workflows.deployment_create(
            actor=alice, use_case=make_use_case(), data=entry_data(owner, alice)
        )


def test_only_the_team_records_a_deployment(approved, charlie, owner, alice):
    with pytest.raises(ActionForbidden):
        workflows.deployment_create(actor=charlie, use_case=approved, data=entry_data(owner, alice))


def test_stages_move_only_along_allowed_paths_and_keep_history(approved, alice, owner):
    entry = workflows.deployment_create(
        actor=alice, use_case=approved, data=entry_data(owner, alice)
    )
    entry = workflows.deployment_change_stage(
        actor=alice, deployment=entry, stage="production", **PILOT_RESULTS
    )
    assert entry.go_live_date == timezone.localdate()
    workflows.deployment_change_stage(actor=alice, deployment=entry, stage="retired")
    with pytest.raises(TransitionNotAllowed):
        workflows.deployment_change_stage(
            actor=alice, deployment=entry, stage="production", **PILOT_RESULTS
        )
    stages = [v.data["stage"] for v in DeploymentVersion.objects.filter(deployment=entry)]
    assert stages == ["pilot", "production", "retired"]


def test_a_critical_incident_suspends_the_entry_and_notifies_owners_and_chair(
    approved, alice, owner, council
):
    entry = workflows.deployment_create(
        actor=alice, use_case=approved, data=entry_data(owner, alice)
    )
    workflows.incident_report(
        actor=alice,
        deployment=entry,
        kind="harmful_output",
        severity="critical",
        description="Offensive offer text",
    )
    assert Deployment.objects.get(pk=entry.pk).stage == "suspended"
    told = set(
        Notification.objects.filter(kind="incident_reported").values_list(
            "user__username", flat=True
        )
    )
    assert {owner.username, "alice", council["chair"].username} <= told


def test_a_low_incident_does_not_suspend_and_bad_values_are_refused(
    approved, alice, owner, auditor
):
    entry = workflows.deployment_create(
        actor=alice, use_case=approved, data=entry_data(owner, alice)
    )
    workflows.incident_report(
        actor=alice, deployment=entry, kind="other", severity="low", description="Typo"
    )
    assert Deployment.objects.get(pk=entry.pk).stage == "pilot"
    with pytest.raises(ValidationError):
        workflows.incident_report(
            actor=alice, deployment=entry, kind="ufo", severity="low", description="x"
        )
    with pytest.raises(ActionForbidden):
        workflows.incident_report(
            actor=auditor, deployment=entry, kind="other", severity="low", description="x"
        )


def _open_review_of(entry):
    return entry.use_case.reviews.filter(state="open").first()


def test_a_new_model_version_opens_a_change_review_and_the_entry_keeps_running(entry, alice):
    workflows.deployment_update(actor=alice, deployment=entry, data={"model_version": "nbo-2026.4"})
    review = _open_review_of(entry)
    assert review.kind == "change" and "model_version" in review.reason
    assert Deployment.objects.get(pk=entry.pk).stage == "pilot"
    assert UseCase.objects.get(pk=entry.use_case_id).state == "deployed"


def test_other_edits_open_no_review(entry, alice):
    workflows.deployment_update(
        actor=alice, deployment=entry, data={"monitoring_kpis": "Complaints only"}
    )
    assert _open_review_of(entry) is None


def test_a_critical_incident_opens_a_re_review_at_once(entry, alice):
    workflows.incident_report(
        actor=alice,
        deployment=entry,
        kind="privacy_breach",
        severity="critical",
        description="Leak",
    )
    assert _open_review_of(entry).kind == "re_review"


def test_approving_a_re_review_renews_the_dates_and_rejecting_suspends(entry, alice, council):
    workflows.deployment_update(actor=alice, deployment=entry, data={"channels": ["email", "web"]})
    review = _open_review_of(entry)
    _approve(review, alice)
    entry.refresh_from_db()
    assert entry.approval == review and entry.last_review_date == timezone.localdate()
    workflows.deployment_update(actor=alice, deployment=entry, data={"channels": ["email"]})
    reject_review(_open_review_of(entry), council["chair"])
    assert Deployment.objects.get(pk=entry.pk).stage == "suspended"
    assert UseCase.objects.get(pk=entry.use_case_id).state == "rejected"


def test_the_daily_sweep_reminds_30_days_ahead_then_opens_the_re_review(entry, owner):
    due = entry.next_review_due
    assert workflows.rereview_sweep(today=due - datetime.timedelta(days=31)) == {
        "reminded": 0,
        "opened": 0,
    }
    assert workflows.rereview_sweep(today=due - datetime.timedelta(days=30))["reminded"] == 2
    assert (
        workflows.rereview_sweep(today=due - datetime.timedelta(days=10))["reminded"] == 0
    )  # once
    assert Notification.objects.filter(user=owner, kind="re_review_due").count() == 1
    assert workflows.rereview_sweep(today=due) == {"reminded": 0, "opened": 1}
    assert _open_review_of(entry).kind == "re_review"
    assert workflows.rereview_sweep(today=due + datetime.timedelta(days=1))["opened"] == 0


def test_the_beat_task_runs_the_sweep_on_the_real_clock(entry):
    frozen = timezone.make_aware(datetime.datetime.combine(entry.next_review_due, datetime.time(9)))
    with mock.patch("django.utils.timezone.now", return_value=frozen):
        assert registry_rereview_sweep.delay().get() == {"reminded": 0, "opened": 1}
