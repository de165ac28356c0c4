import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from audit.models import AuditEvent
from council.errors import ActionForbidden, TransitionNotAllowed
from council.models import Notification
from registry import services
from registry.models import Deployment, DeploymentVersion
from reviews import services as review_services
from reviews.models import Condition
from usecases.models import UseCase

from .reviews_support import answer_and_verify_checklist, make_council, reviewer_for


@pytest.fixture
def council(db):
    return make_council()


def _approve(review, alice, conditions=()):
    answer_and_verify_checklist(review, alice)
    for role in review.required_roles:
        conditional = bool(conditions) and role == "privacy"
        review_services.vote_cast(
            actor=reviewer_for(review, role),
            review=review,
            choice="approve_with_conditions" if conditional else "approve",
            conditions=list(conditions) if conditional else [],
        )
    return UseCase.objects.get(pk=review.use_case_id)


def _entry_data(owner, alice):
    return {
        "name": "Acme NBO",
        "vendor": "Acme",
        "model_version": "nbo-2026.3",
        "channels": ["email"],
        "markets": ["GB"],
        "business_owner": owner,
        "technical_owner": alice,
        "human_oversight": "CRM team reviews weekly offer mix.",
        "customer_disclosure": "E-mail footer.",
        "data_categories": ["contact_details", "behavioural"],
        "monitoring_kpis": "Unsubscribe rate, complaints.",
    }


@pytest.fixture
def approved(make_use_case, council, alice):
    return _approve(make_use_case("submitted").reviews.get(), alice)


def test_an_approved_use_case_enters_the_registry_and_becomes_deployed(approved, alice, owner):
    entry = services.deployment_create(
        actor=alice, use_case=approved, data=_entry_data(owner, alice)
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
        services.deployment_create(actor=alice, use_case=use_case, data=_entry_data(owner, alice))
    assert error.value.message_dict["use_case"] == ["Blocking condition still open: Publish notice"]
    review_services.condition_meet(
        actor=alice, condition=Condition.objects.get(), evidence="Live on site"
    )
    assert services.deployment_create(
        actor=alice, use_case=use_case, data=_entry_data(owner, alice)
    )


def test_a_use_case_not_approved_cannot_enter_the_registry(make_use_case, alice, owner):
    with pytest.raises(TransitionNotAllowed):
        services.deployment_create(
            actor=alice, use_case=make_use_case(), data=_entry_data(owner, alice)
        )


def test_only_the_team_records_a_deployment(approved, charlie, owner, alice):
    with pytest.raises(ActionForbidden):
        services.deployment_create(actor=charlie, use_case=approved, data=_entry_data(owner, alice))


def test_stages_move_only_along_allowed_paths_and_keep_history(approved, alice, owner):
    entry = services.deployment_create(
        actor=alice, use_case=approved, data=_entry_data(owner, alice)
    )
    entry = services.deployment_change_stage(actor=alice, deployment=entry, stage="production")
    assert entry.go_live_date == timezone.localdate()
    services.deployment_change_stage(actor=alice, deployment=entry, stage="retired")
    with pytest.raises(TransitionNotAllowed):
        services.deployment_change_stage(actor=alice, deployment=entry, stage="production")
    stages = [v.data["stage"] for v in DeploymentVersion.objects.filter(deployment=entry)]
    assert stages == ["pilot", "production", "retired"]


def test_a_critical_incident_suspends_the_entry_and_notifies_owners_and_chair(
    approved, alice, owner, council
):
    entry = services.deployment_create(
        actor=alice, use_case=approved, data=_entry_data(owner, alice)
    )
    services.incident_report(
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
    entry = services.deployment_create(
        actor=alice, use_case=approved, data=_entry_data(owner, alice)
    )
    services.incident_report(
        actor=alice, deployment=entry, kind="other", severity="low", description="Typo"
    )
    assert Deployment.objects.get(pk=entry.pk).stage == "pilot"
    with pytest.raises(ValidationError):
        services.incident_report(
            actor=alice, deployment=entry, kind="ufo", severity="low", description="x"
        )
    with pytest.raises(ActionForbidden):
        services.incident_report(
            actor=auditor, deployment=entry, kind="other", severity="low", description="x"
        )
