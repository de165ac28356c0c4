"""`python manage.py seed_demo` (SPEC section 12): the demo organisation, safe to run again."""

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import verify_chain
from council.models import RoleAssignment, TeamMembership
from council.selectors import user_active_roles
from usecases.models import UseCase

User = get_user_model()

SPEC_USERS = {
    "marketing.submitter": "marketing",
    "contact.submitter": "contact-centre",
}
SPEC_ROLES = {
    "chair": "chair",
    "council.marketing": "marketing",
    "council.cx": "customer_experience",
    "council.legal": "legal",
    "council.privacy": "privacy",
    "council.security": "security",
    "council.datascience": "data_science",
    "council.ethics": "ethics",
    "auditor": "auditor",
}
SPEC_TITLES = {
    "personalisation engine": "Next-best-offer e-mails",
    "churn prediction": "Churn prediction for subscription customers",
    "generated campaign copy": "Generated campaign copy",
    "customer chatbot": "Customer service chatbot",
    "voice AI in the IVR": "Voice AI in the IVR",
    "transcript sentiment analytics": "Sentiment analytics on chat transcripts",
    "agent assist": "Agent assist: knowledge article suggestions",
    "lead scoring": "Lead scoring for inbound prospects",
}


def seed(**options) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def seeded(db):
    return seed()


def test_it_creates_the_spec_teams_and_submitters(seeded):
    for username, slug in SPEC_USERS.items():
        user = User.objects.get(username=username)
        assert TeamMembership.objects.active().filter(user=user, team__slug=slug).exists()
    slugs = set(TeamMembership.objects.values_list("team__slug", flat=True))
    assert {"marketing", "contact-centre", "customer-experience"} <= slugs


def test_it_gives_each_council_member_their_role_held_since_some_months_ago(seeded):
    a_month_ago = timezone.localdate() - timedelta(days=30)
    for username, role in SPEC_ROLES.items():
        user = User.objects.get(username=username)
        assert user_active_roles(user) == {role}
        assert RoleAssignment.objects.get(user=user).starts_on < a_month_ago
    assert not TeamMembership.objects.filter(starts_on__gte=a_month_ago).exists()


def test_every_person_has_a_name_and_an_example_com_address(seeded):
    for user in User.objects.all():
        assert user.first_name and user.last_name
        assert user.email == f"{user.username}@example.com"


def test_the_admin_is_staff_and_nobody_else_is(seeded):
    assert list(User.objects.filter(is_staff=True).values_list("username", flat=True)) == ["admin"]
    assert User.objects.get(username="admin").is_superuser


def test_each_demo_user_logs_in_with_password_demo(seeded, client):
    others = ["cx.submitter", "maria.owner", "carl.owner", "nina.owner", "admin"]
    for username in [*SPEC_USERS, *SPEC_ROLES, *others]:
        assert client.login(username=username, password="demo"), username


def test_the_realistic_use_cases_cover_the_spec_list_tiers_and_reachable_states(seeded):
    use_cases = UseCase.objects.all()
    assert use_cases.count() >= 8
    assert set(SPEC_TITLES.values()) <= set(use_cases.values_list("title", flat=True))
    assert {"minimal", "limited", "high"} <= set(use_cases.values_list("risk_tier", flat=True))
    assert {
        "draft",
        "in_review",
        "changes_requested",
        "deployed",
        "rejected",
        "withdrawn",
    } <= set(use_cases.values_list("state", flat=True))
    assert use_cases.filter(confidential=True).exists()
    assert not use_cases.filter(business_owner=None).exists()


def test_the_tiers_are_derived_from_the_answers(seeded):
    quality = UseCase.objects.get(title="Automated quality scoring of agent calls")
    assert quality.risk_tier == "high"
    assert any("Annex III 4(b)" in reason for reason in quality.risk_reasons)
    assert UseCase.objects.get(title=SPEC_TITLES["agent assist"]).risk_tier == "minimal"
    assert UseCase.objects.get(title=SPEC_TITLES["customer chatbot"]).risk_tier == "limited"


def test_business_owners_are_outside_the_teams_they_own_for(seeded):
    for use_case in UseCase.objects.select_related("business_owner"):
        owner_teams = TeamMembership.objects.active().filter(user=use_case.business_owner)
        assert not owner_teams.filter(team=use_case.team_id).exists()


def test_every_use_case_went_through_the_services_and_left_audit_events(seeded):
    for use_case in UseCase.objects.all():
        actions = list(
            AuditEvent.objects.filter(object_ref=use_case.reference, object_type="usecases.usecase")
            .exclude(action="access_granted")  # reviewers given access when the review opens
            .values_list("action", flat=True)
        )
        reviewed = ["created", "submitted", "review_started"]
        expected = {
            "draft": ["created"],
            "in_review": reviewed,
            "withdrawn": [*reviewed, "withdrawn"],
            "deployed": [*reviewed, "decision_recorded", "deployed"],
        }.get(use_case.state, [*reviewed, "decision_recorded"])
        assert actions == expected, use_case.title
        assert use_case.revisions.count() == (0 if use_case.state == "draft" else 1)
    assert list(verify_chain()) == []


def test_memberships_and_roles_are_audited_as_created(seeded):
    created = AuditEvent.objects.filter(action="created")
    assert (
        created.filter(object_type="council.roleassignment").count()
        == RoleAssignment.objects.count()
    )
    assert (
        created.filter(object_type="council.teammembership").count()
        == TeamMembership.objects.count()
    )


def test_running_it_twice_creates_nothing_new(seeded):
    counts = (
        User.objects.count(),
        UseCase.objects.count(),
        TeamMembership.objects.count(),
        RoleAssignment.objects.count(),
        AuditEvent.objects.count(),
    )
    output = seed()
    assert "0 created" in output
    assert counts == (
        User.objects.count(),
        UseCase.objects.count(),
        TeamMembership.objects.count(),
        RoleAssignment.objects.count(),
        AuditEvent.objects.count(),
    )


def test_it_prints_a_summary_and_how_to_log_in(seeded):
    assert "Log in with password 'demo'" in seeded
    assert "marketing.submitter" in seeded and "auditor" in seeded


def test_the_password_option_sets_every_password_and_a_rerun_updates_them(db, client):
    seed(password="s3cret-demo")
    assert client.login(username="chair", password="s3cret-demo")
    assert not client.login(username="chair", password="demo")
    seed()
    assert client.login(username="chair", password="demo")


def test_scale_adds_that_many_synthetic_use_cases_and_numbers_a_second_batch_after_the_first(db):
    seed(scale=5)
    synthetic = UseCase.objects.filter(title__startswith="Synthetic use case ")
    assert sorted(synthetic.values_list("title", flat=True)) == [
        f"Synthetic use case {n}" for n in range(1, 6)
    ]
    seed(scale=5)
    assert synthetic.count() == 10
    assert synthetic.filter(title="Synthetic use case 10").exists()
    for use_case in synthetic:
        assert AuditEvent.objects.filter(object_ref=use_case.reference, action="created").exists()


def test_scale_must_not_be_negative(db):
    with pytest.raises(CommandError):
        seed(scale=-1)


def test_seed_demo_is_refused_in_production(settings):
    settings.DEMO_DATA_ALLOWED = False
    with pytest.raises(CommandError, match="refused in production"):
        call_command("seed_demo")


def test_reviews_are_left_in_every_state_with_votes_and_conditions(seeded):
    from reviews.models import Condition, Review, Vote

    outcomes = set(Review.objects.values_list("state", "outcome"))
    assert {
        ("open", ""),
        ("decided", "changes_requested"),
        ("decided", "approved_with_conditions"),
        ("decided", "rejected"),
    } <= outcomes
    partial = Review.objects.filter(state="open", votes__isnull=False).distinct()
    assert partial.exists()
    assert Vote.objects.filter(choice="request_changes").exclude(reasons="").exists()
    assert Condition.objects.filter(blocking=True).exists()


def test_the_registry_has_entries_in_every_stage_with_incidents_and_published_ones(seeded):
    from registry.models import Deployment, Incident

    assert set(Deployment.objects.values_list("stage", flat=True)) == {
        "pilot",
        "production",
        "suspended",
        "retired",
    }
    assert Deployment.objects.filter(published=True).count() == 2
    assert Incident.objects.filter(severity="critical", deployment__stage="suspended").exists()
    suspended = Deployment.objects.get(stage="suspended")
    assert suspended.use_case.reviews.filter(state="open", kind="re_review").exists()
