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
from demo.data import USE_CASES
from inventory.models import Vendor
from inventory.selectors import vendors_lapsed
from oversight.dashboard import dashboard_read
from oversight.exports import RegistryFilters, registry_rows
from registry.models import Deployment, Incident
from registry.selectors import is_overdue
from reviews.models import Condition, Review, Vote
from reviews.selectors import applicable_items
from usecases.models import UseCase

from .factories import login_request
from .reviews_support import reload_default_review_data

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


def _seeded_world():
    """A transactional test run earlier on this worker may have flushed the review data."""
    reload_default_review_data()
    return {"seeded": seed()}


# Every test here starts from one seeding (tests/shared_world.py): seeding takes seconds, and each
# test runs in a savepoint inside it, so what one test changes is undone before the next. Tests
# that seed again see what a rerun does (the password and scale options included). Seeding a
# database whose audit trail is in use: test_seed_demo_history.py.
pytestmark = pytest.mark.shared_world(build=_seeded_world)


@pytest.fixture
def seeded(shared):
    """What seed_demo printed."""
    return shared["seeded"]


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
        assert client.login(request=login_request(), username=username, password="demo"), username


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
        if use_case.model_versions.exists():  # the team named its models in the draft
            assert actions.pop(1) == "models_linked", use_case.title
        reviewed = ["created", "submitted", "review_started"]
        expected = {
            "draft": ["created"],
            "in_review": reviewed,
            "withdrawn": [*reviewed, "withdrawn"],
            "deployed": [*reviewed, "decision_recorded", "deployed"],
            "retired": [*reviewed, "decision_recorded", "deployed", "retired"],
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


def test_the_password_option_sets_every_password_and_a_rerun_without_it_keeps_them(db, client):
    seed(password="s3cret-demo")
    assert client.login(request=login_request(), username="chair", password="s3cret-demo")
    assert not client.login(request=login_request(), username="chair", password="demo")
    seed()
    # A rerun logs nobody out and resets nobody's password.
    assert client.login(request=login_request(), username="chair", password="s3cret-demo")
    seed(password="demo")
    assert client.login(request=login_request(), username="chair", password="demo")


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


def test_one_running_entry_is_overdue_and_flagged_in_the_export(seeded):
    overdue = [entry for entry in Deployment.objects.all() if is_overdue(entry)]
    assert [entry.name for entry in overdue] == ["Chat sentiment insights"]
    (entry,) = overdue
    assert entry.stage == "production" and entry.published
    flagged = [
        row["reference"]
        for row in registry_rows(user=None, filters=RegistryFilters())
        if row["overdue"]
    ]
    assert flagged == [entry.reference]


def test_the_overdue_entry_has_a_consistent_history_dated_back_then(seeded):
    entry = Deployment.objects.select_related("use_case", "approval").get(
        name="Chat sentiment insights"
    )
    today = timezone.localdate()
    approved = entry.approval.decided_at
    assert entry.use_case.created_at < approved < entry.created_at
    assert entry.last_review_date == timezone.localdate(approved) < today - timedelta(days=365)
    assert entry.next_review_due < today
    assert entry.versions.filter(valid_from__date__gte=today - timedelta(days=365)).count() == 0
    events = AuditEvent.objects.filter(object_ref__in=[entry.reference, entry.use_case.reference])
    decided = events.get(action="decision_recorded").at
    assert timezone.localdate(decided) == timezone.localdate(approved)
    assert events.count() >= 6
    assert not events.filter(at__date__gte=today - timedelta(days=365)).exists()
    assert not entry.use_case.reviews.filter(state="open").exists()  # no re-review opened yet


def test_the_audit_chain_verifies_and_runs_in_order_of_time(seeded):
    moments = list(AuditEvent.objects.order_by("seq").values_list("at", flat=True))
    assert moments == sorted(moments)
    assert moments[0] < timezone.now() - timedelta(days=365)
    out = StringIO()
    call_command("verify_audit_log", stdout=out)
    assert "Audit chain intact" in out.getvalue()


def test_the_registry_page_shows_the_overdue_entry_red(seeded, client):
    entry = Deployment.objects.get(name="Chat sentiment insights")
    client.force_login(User.objects.get(username="auditor"))
    page = client.get("/registry/").content.decode()
    row = page[page.index('<tr class="row--overdue">') :]
    row = row[: row.index("</tr>")]
    assert entry.reference in row and "Overdue" in row
    assert page.count("row--overdue") == 1


@pytest.mark.parametrize(
    ("title", "ai_act_class", "tier", "source"),
    [
        ("Emotion analytics on customer calls", "high_risk", "high", "EU AI Act Annex III 1(c)"),
        ("Sentiment analytics on chat transcripts", "minimal", "limited", "policy POL-07"),
        ("Call routing by agent performance", "high_risk", "high", "EU AI Act Annex III 4(b)"),
        ("Voice-biometric login in the IVR", "transparency", "high", "policy POL-03"),
        ("Virtual spokesperson video adverts", "transparency", "limited", "EU AI Act Art. 50(4), first subparagraph"),
        ("Automated quality scoring of agent calls", "high_risk", "high", "EU AI Act Annex III 4(b)"),
    ],
)  # fmt: skip
def test_the_demo_shows_the_corrected_classification(seeded, title, ai_act_class, tier, source):
    use_case = UseCase.objects.get(title=title)
    assert (use_case.ai_act_class, use_case.risk_tier) == (ai_act_class, tier)
    assert any(
        f": {source})" in reason for reason in use_case.ai_act_reasons + use_case.risk_reasons
    )
    # What the council judged carries the same classification and its obligations.
    revision = use_case.revisions.order_by("-number").first()
    assert revision.ai_act_class == ai_act_class and revision.obligations


def test_the_summary_counts_the_demo_by_class_and_tier(seeded):
    assert "Demo use cases by EU AI Act class: high risk 3, transparency duties 5" in seeded
    assert "Demo use cases by review tier: high 5" in seeded


def test_a_providers_art_6_3_conclusion_is_in_review_with_its_legal_check(seeded):
    polishing = UseCase.objects.get(title="Job advert polishing for agent recruitment")
    assert polishing.state == "in_review" and polishing.ai_act_class == "transparency"
    assert any(reason.startswith("Not high risk") for reason in polishing.ai_act_reasons)
    assert polishing.risk_tier == "high"
    review = polishing.reviews.get()
    assert "TRN-14" in {item.code for item in applicable_items(review)}


def test_the_council_took_working_days_to_decide_so_the_dashboard_measures_it(seeded):
    chair = get_user_model().objects.get(username="chair")
    times = dashboard_read(user=chair).decision_times
    measured = [value for figure in times for series in figure.series for value in series.values]
    assert any(measured)  # a median or 90th percentile above zero days
    decided = Review.objects.filter(
        state="decided", use_case__title__in=[d.answers["title"] for d in USE_CASES]
    )
    assert all(review.decided_at - review.opened_at >= timedelta(days=2) for review in decided)


def test_the_inventory_has_shared_models_and_a_lapsed_vendor(seeded):
    lapsed = vendors_lapsed(Vendor.objects.all(), lapsed=True)
    assert [vendor.name for vendor in lapsed] == ["Lumen Text Analytics"]
    assert Vendor.objects.count() == 4
    named = UseCase.objects.filter(model_versions__model__name="Atlas", deployments=None)
    assert {u.title for u in named} == {"Generated campaign copy", "Customer service chatbot"}
    atlas_users = Deployment.objects.filter(model_versions__model__name="Atlas")
    assert {(entry.name, entry.use_case.team.name) for entry in atlas_users} == {
        ("Agent knowledge assistant", "Contact Centre"),
        ("Next-best-offer engine", "Marketing"),
    }


def test_the_demo_shows_value_and_a_condition_waiting_for_the_council(seeded):
    nbo = Deployment.objects.get(name="Next-best-offer engine")
    assert nbo.stage == "pilot" and nbo.kpis.count() == 2
    waiting = Condition.objects.filter(status="claimed")
    assert [c.review.use_case.title for c in waiting] == ["Next-best-offer e-mails"]
    judged = Deployment.objects.exclude(pilot_results={})
    assert {entry.pilot_results["judgement"] for entry in judged} == {"met", "partly_met"}
