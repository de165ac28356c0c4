"""The council's dashboard (SPEC sections 5, 6 and 11b): who sees it, its figures on a small known
record, a table under every chart, drawings that escape what they write, and the same number of
queries whatever the volume."""

import re
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from oversight.charts import Figure, Series, bar_chart, number
from oversight.dashboard import dashboard_read, percentile
from registry.models import Complaint, Deployment, Incident, Kpi, KpiMeasurement
from reviews.models import ChecklistTemplate, Review, ReviewGroup, ReviewPolicy
from reviews.rules import working_days_between
from usecases.models import UseCase

TODAY = date(2026, 3, 18)  # a Wednesday


def at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()).replace(hour=10))


class Record:
    """Use cases, reviews, registry entries and incidents written straight to their tables: the
    dashboard only reads them, and the figures below follow from these rows alone."""

    def __init__(self, team, author, owner):
        self.team, self.author, self.owner = team, author, owner
        self.count = 0

    def use_case(self, state, tier="limited", **fields) -> UseCase:
        self.count += 1
        return UseCase.objects.create(
            reference=f"UC-T{self.count:04d}",
            title=f"Case {self.count}",
            team=fields.pop("team", self.team),
            created_by=self.author,
            business_owner=self.owner,
            state=state,
            risk_tier=tier,
            **fields,
        )

    def review(self, use_case, *, opened, due, decided=None, outcome="approved") -> Review:
        return Review.objects.create(
            use_case=use_case,
            revision=1,
            policy=ReviewPolicy.objects.get(tier=use_case.risk_tier, active=True),
            checklist_template=ChecklistTemplate.objects.get(active=True),
            required_roles=["privacy"],
            state="decided" if decided else "open",
            outcome=outcome if decided else "",
            opened_at=at(opened),
            decided_at=at(decided) if decided else None,
            due_date=due,
            group=None if decided else ReviewGroup.AWAITING_ASSIGNMENT,  # no seat: awaiting
        )

    def decided(self, tier, opened, decided, due, state="approved", **fields) -> Review:
        use_case = self.use_case(state, tier, **fields)
        return self.review(use_case, opened=opened, decided=decided, due=due)

    def entry(self, review, *, stage, channels, next_review_due) -> Deployment:
        self.count += 1
        return Deployment.objects.create(
            reference=f"AI-{9000 + self.count}",
            use_case=review.use_case,
            approval=review,
            name=f"Entry {self.count}",
            model_version="1",
            channels=channels,
            stage=stage,
            business_owner=self.owner,
            technical_owner=self.author,
            risk_tier=review.use_case.risk_tier,
            human_oversight="An agent checks.",
            monitoring_kpis="Complaints.",
            last_review_date=date(2025, 9, 1),
            next_review_due=next_review_due,
            created_by=self.author,
        )

    def incident(self, entry, severity, status) -> Incident:
        return Incident.objects.create(
            deployment=entry,
            kind="other",
            severity=severity,
            description="Wrong answer",
            status=status,
            reported_by=self.author,
        )


@pytest.fixture
def record(marketing, contact_centre, alice, owner):
    """The known record (TODAY is Wednesday 18 March 2026):

    - limited tier, decided in March: 5, 7 and 20 working days (the last one after its due date);
      high tier, decided in January: 2 working days; minimal tier, decided in September 2025
      (before the six months measured);
    - open reviews: a limited one 8 days past due, a high one due tomorrow (due soon), a minimal
      one due in April, and a confidential limited one of another team, 3 days past due;
    - a draft (never counted) and a withdrawn use case whose review closed without a decision;
    - registry: a limited entry in production (e-mail, web; acquisition) whose re-review is 17
      days overdue, with a low open incident and a resolved critical one; a high entry in pilot
      (chat; service, retention) due for re-review within 30 days, with a critical incident
      under investigation; a retired limited entry (e-mail) long past its date.
    """
    made = Record(marketing, alice, owner)
    production = made.decided(
        "limited",
        date(2026, 3, 2),
        date(2026, 3, 9),
        due=date(2026, 3, 16),
        state="deployed",
        journey_stages=["acquisition"],
    )
    made.decided("limited", date(2026, 3, 2), date(2026, 3, 11), due=date(2026, 3, 16))
    retired = made.decided(
        "limited", date(2026, 2, 2), date(2026, 3, 2), due=date(2026, 2, 16), state="retired"
    )
    pilot = made.decided(
        "high",
        date(2026, 1, 5),
        date(2026, 1, 7),
        due=date(2026, 2, 2),
        state="deployed",
        journey_stages=["service", "retention"],
    )
    made.decided("minimal", date(2025, 9, 1), date(2025, 9, 15), due=date(2025, 9, 8))
    made.review(made.use_case("in_review"), opened=date(2026, 2, 24), due=date(2026, 3, 10))
    made.review(made.use_case("in_review", "high"), opened=date(2026, 2, 19), due=date(2026, 3, 19))
    made.review(
        made.use_case("in_review", "minimal"), opened=date(2026, 3, 16), due=date(2026, 4, 30)
    )
    made.review(
        made.use_case("in_review", team=contact_centre, confidential=True),
        opened=date(2026, 3, 1),
        due=date(2026, 3, 15),
    )
    made.use_case("draft")
    withdrawn = made.use_case("withdrawn")  # its review closed without an outcome: no decision
    made.review(
        withdrawn,
        opened=date(2026, 3, 2),
        decided=date(2026, 3, 4),
        due=date(2026, 3, 3),
        outcome="",
    )
    running = made.entry(
        production, stage="production", channels=["email", "web"], next_review_due=date(2026, 3, 1)
    )
    trial = made.entry(pilot, stage="pilot", channels=["chat"], next_review_due=date(2026, 4, 1))
    made.entry(retired, stage="retired", channels=["email"], next_review_due=date(2025, 1, 1))
    made.incident(running, "low", "open")
    made.incident(running, "critical", "resolved")
    made.incident(trial, "critical", "investigating")
    return made


def figure_rows(figure: Figure) -> dict[str, list[str]]:
    return {
        category: values
        for category, values in figure.rows()
        if any(v not in {"0", "–"} for v in values)
    }


# --- Who sees it ------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["chair", "council_member", "auditor"])
def test_the_chair_council_members_and_auditors_see_the_dashboard(
    login, chair, council_member, auditor, persona
):
    user = {"chair": chair, "council_member": council_member, "auditor": auditor}[persona]
    response = login(user).get(reverse("dashboard"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Dashboard</h1>" in page
    assert f'href="{reverse("dashboard")}" aria-current="page">Dashboard</a>' in page


@pytest.mark.parametrize("persona", ["alice", "outsider", "owner"])
def test_team_members_business_owners_and_outsiders_are_refused(
    login, alice, outsider, owner, persona
):
    user = {"alice": alice, "outsider": outsider, "owner": owner}[persona]
    response = login(user).get(reverse("dashboard"))
    assert response.status_code == 403
    assert "The dashboard is for the chair, council members and auditors." in (
        response.content.decode()
    )
    assert reverse("dashboard") not in login(user).get("/").content.decode()


def test_an_anonymous_visitor_is_sent_to_log_in(client, db):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_dashboard_only_reads(login, chair):
    assert login(chair).post(reverse("dashboard")).status_code == 405


# --- The figures --------------------------------------------------------------------------------


def test_the_funnel_counts_submitted_use_cases_by_state(record, chair):
    funnel = dashboard_read(user=chair, today=TODAY).funnel
    assert figure_rows(funnel) == {
        "In review": ["4"],
        "Approved": ["2"],
        "Withdrawn": ["1"],
        "Deployed": ["2"],
        "Retired": ["1"],
    }
    assert funnel.total() == 10  # the draft is the team's own


def test_time_to_decision_per_tier_and_month_in_working_days(record, chair):
    high, limited, minimal = (
        {row[0]: row[1] for row in figure.rows()}
        for figure in dashboard_read(user=chair, today=TODAY).decision_times
    )
    assert list(limited) == [
        "Oct 2025 (0 decided)",
        "Nov 2025 (0 decided)",
        "Dec 2025 (0 decided)",
        "Jan 2026 (0 decided)",
        "Feb 2026 (0 decided)",
        "Mar 2026 (3 decided)",
    ]
    assert limited["Mar 2026 (3 decided)"] == ["7", "20"]  # median, 90th percentile
    assert limited["Feb 2026 (0 decided)"] == ["–", "–"]
    assert high["Jan 2026 (1 decided)"] == ["2", "2"]
    assert all(values == ["–", "–"] for values in minimal.values())  # September is too old


def test_sla_breaches_count_open_reviews_past_due_and_late_decisions(record, chair):
    dashboard = dashboard_read(user=chair, today=TODAY)
    assert figure_rows(dashboard.sla) == {"High": ["0", "1", "0"], "Limited": ["2", "0", "1"]}
    assert [(row.reference, row.days_late) for row in dashboard.late_reviews] == [
        ("UC-T0006", 8),
        ("UC-T0009", 3),
    ]


def test_a_council_member_does_not_count_the_confidential_use_cases_they_may_not_see(
    record, council_member
):
    dashboard = dashboard_read(user=council_member, today=TODAY)
    assert dashboard.funnel.total() == 9
    assert figure_rows(dashboard.sla)["Limited"] == ["1", "0", "1"]
    assert [row.reference for row in dashboard.late_reviews] == ["UC-T0006"]
    assert "Case 9" not in repr(dashboard)


def test_the_registry_by_tier_stage_channel_and_journey_stage(record, chair):
    tier, stage, channel, journey = dashboard_read(user=chair, today=TODAY).registry
    assert figure_rows(tier) == {"High": ["1"], "Limited": ["1"]}  # the retired entry left out
    assert figure_rows(stage) == {"Pilot": ["1"], "Production": ["1"], "Retired": ["1"]}
    assert figure_rows(channel) == {"E-mail": ["1"], "Web": ["1"], "Chat": ["1"]}
    assert figure_rows(journey) == {"Acquisition": ["1"], "Service": ["1"], "Retention": ["1"]}


def test_incidents_by_severity_open_and_resolved(record, chair):
    incidents = dashboard_read(user=chair, today=TODAY).incidents
    assert figure_rows(incidents) == {"Low": ["1", "0"], "Critical": ["1", "1"]}


def test_complaints_by_kind_open_and_closed_on_entries_the_reader_may_see(record, chair):
    production, pilot = (Deployment.objects.get(stage=stage) for stage in ("production", "pilot"))
    for entry, kind, status in (
        (production, "contest", "open"),
        (production, "contest", "open"),
        (pilot, "complaint", "closed"),
        (pilot, "complaint", "open"),
    ):
        Complaint.objects.create(deployment=entry, kind=kind, message="Why?", status=status)

    complaints = dashboard_read(user=chair, today=TODAY).complaints

    assert figure_rows(complaints) == {"Contest a decision": ["2", "0"], "Complaint": ["1", "1"]}
    assert complaints.total() == 3  # the open ones, shown beside the section's link


def kpi(entry, name, direction, baseline, target, latest=None):
    made = Kpi.objects.create(
        deployment=entry,
        name=name,
        direction=direction,
        baseline=Decimal(baseline),
        target=Decimal(target),
        created_by=entry.created_by,
    )
    if latest is not None:
        KpiMeasurement.objects.create(
            kpi=made, value=Decimal(latest), measured_on=TODAY, recorded_by=entry.created_by
        )


def test_value_by_team_and_channel_from_each_kpis_latest_value(record, chair):
    production, pilot = (Deployment.objects.get(stage=stage) for stage in ("production", "pilot"))
    retired = Deployment.objects.get(stage="retired")
    kpi(production, "Unsubscribes", "lower", "2.4", "2.0", latest="1.9")  # met
    kpi(production, "Acceptance", "higher", "3", "4", latest="3.5")  # improving
    kpi(pilot, "CSAT", "higher", "70", "80", latest="65")  # not better
    kpi(pilot, "Handling time", "lower", "420", "380")  # not measured
    kpi(retired, "Old", "higher", "1", "2", latest="3")  # retired: left out

    by_team, by_channel = dashboard_read(user=chair, today=TODAY).value

    assert figure_rows(by_team) == {"Marketing": ["1", "1", "1", "1"]}
    assert figure_rows(by_channel) == {
        "E-mail": ["1", "1", "0", "0"],
        "Web": ["1", "1", "0", "0"],
        "Chat": ["0", "0", "1", "1"],
    }


def test_overdue_re_reviews_leave_retired_entries_out(record, chair):
    dashboard = dashboard_read(user=chair, today=TODAY)
    assert figure_rows(dashboard.rereviews) == {"High": ["0", "1"], "Limited": ["1", "0"]}
    assert [(row.name, row.days_late) for row in dashboard.late_entries] == [("Entry 12", 17)]


def test_working_days_and_the_nearest_rank_percentile():
    monday, friday = date(2026, 3, 2), date(2026, 3, 6)
    assert working_days_between(monday, friday) == 4
    assert working_days_between(friday, friday + timedelta(days=3)) == 1  # to Monday
    assert working_days_between(monday, monday + timedelta(days=28)) == 20
    assert working_days_between(friday, monday) == 0
    assert percentile([5, 7, 20], 0.9) == 20
    assert percentile(list(range(1, 11)), 0.9) == 9
    assert percentile([4], 0.5) == 4


# --- The page -----------------------------------------------------------------------------------


def test_every_chart_is_an_accessible_image_with_its_table(record, login, chair):
    page = login(chair).get(reverse("dashboard")).content.decode()
    keys = re.findall(r'<figure class="chart-figure" aria-labelledby="([\w-]+)-heading"', page)
    assert keys == [
        "funnel",
        "decision-high",
        "decision-limited",
        "decision-minimal",
        "sla",
        "registry-tier",
        "registry-stage",
        "registry-channel",
        "registry-journey",
        "incidents",
        "complaints",
        "rereviews",
    ]
    for figure in page.split('<figure class="chart-figure"')[1:]:
        figure = figure.split("</figure>")[0]
        assert re.search(
            r'<svg class="chart"[^>]*role="img"[^>]*aria-labelledby="chart-[\w-]+-title"', figure
        )
        assert re.search(r'<title id="chart-[\w-]+-title">[^<]+</title>', figure)
        assert "<table" in figure and '<th scope="row">' in figure
        assert "style=" not in figure and "<script" not in figure
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids))  # each chart names itself, not a section of the page
    assert "In review: 4" in page  # the funnel's description reads its values
    assert f'href="{reverse("reviews:detail", args=[record_review_pk("UC-T0006")])}"' in page


def record_review_pk(reference: str) -> int:
    return Review.objects.get(use_case__reference=reference).pk


def test_a_chart_escapes_what_it_writes():
    figure = Figure(
        key='x" onload="alert(1)',
        title="<b>Title</b>",
        description="A & B",
        categories=("<script>alert(1)</script>",),
        series=(Series("<i>n</i>", (3,)), Series("m", (None,), tone="unknown")),
    )
    svg = bar_chart(figure)
    assert "<script>" not in svg and "<b>" not in svg and "<i>" not in svg
    assert 'onload="' not in svg
    assert "&lt;b&gt;Title&lt;/b&gt;" in svg and "A &amp; B" in svg
    assert "chart__bar--primary" in svg and "chart__bar--unknown" not in svg
    assert number(None) == "–" and number(2.5) == "2.5" and number(4.0) == "4"


# --- Constant queries ---------------------------------------------------------------------------


def add_volume(made: Record, count: int) -> None:
    """`count` more of everything: decided reviews over the months, open ones past due, entries
    in each stage, incidents of each severity."""
    today = timezone.localdate()
    for n in range(count):
        decided_on = today - timedelta(days=7 * n + 1)
        review = made.decided(
            ["minimal", "limited", "high"][n % 3],
            decided_on - timedelta(days=n + 3),
            decided_on,
            due=decided_on - timedelta(days=n % 2),
            state="deployed",
            journey_stages=["service"],
        )
        made.review(made.use_case("in_review"), opened=today, due=today - timedelta(days=n))
        entry = made.entry(
            review,
            stage=["pilot", "production", "suspended"][n % 3],
            channels=["chat", "web"],
            next_review_due=today - timedelta(days=n),
        )
        made.incident(entry, ["low", "medium", "high", "critical"][n % 4], "open")
        Complaint.objects.create(deployment=entry, kind="complaint", message="Why?")
        kpi(entry, f"KPI {n}", "higher", "1", "2", latest=str(n))


def dashboard_queries(client) -> int:
    client.get(reverse("dashboard"))  # warm what lives for the whole process (content types)
    with CaptureQueriesContext(connection) as context:
        assert client.get(reverse("dashboard")).status_code == 200
    return len(context.captured_queries)


def test_the_dashboard_runs_the_same_queries_for_little_and_much_more_data(
    marketing, alice, owner, login, chair
):
    made = Record(marketing, alice, owner)
    client = login(chair)
    add_volume(made, 1)
    few = dashboard_queries(client)
    add_volume(made, 24)
    assert UseCase.objects.count() == 50
    assert dashboard_queries(client) == few
