"""Reads for the council's dashboard (SPEC sections 5, 6 and 11b): where use cases stand, how long
the council takes to decide, which reviews are past their SLA, what the registry holds, incidents,
customers' complaints and overdue re-reviews.

Everything counted is what the reader may see (`usecases.selectors.usecase_list_visible`): a
council member's figures leave out the confidential use cases they may not see. Each figure is one
aggregate query, so the page runs the same number of queries whatever the volume; times to
decision are computed in Python over the rows of one query (the decisions of the last months).
"""

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet, TextChoices
from django.utils import timezone

from registry.models import (
    Complaint,
    ComplaintKind,
    ComplaintStatus,
    Deployment,
    Incident,
    IncidentStatus,
    Kpi,
    KpiDirection,
    Severity,
    Stage,
)
from registry.rules import (
    KPI_IMPROVING,
    KPI_MET,
    KPI_NOT_MEASURED,
    KPI_NOT_MET,
    KPI_STATUS_LABELS,
    kpi_status,
)
from registry.selectors import deployment_list_visible, kpi_latest
from registry.services import REMINDER_DAYS_AHEAD
from reviews import rules
from reviews.models import Review, ReviewState
from usecases.choices import Channel, JourneyStage, RiskTier, State
from usecases.models import UseCase
from usecases.selectors import usecase_list_visible

from .charts import Figure, Series

MONTHS = 6  # months of decisions measured, this one included
LIST_LIMIT = 10  # rows of each "late" list
REVIEWED_TIERS = (RiskTier.HIGH, RiskTier.LIMITED, RiskTier.MINIMAL)  # the tiers with a policy
# The lifecycle after submission, in its order (SPEC section 4); drafts are the team's own.
FUNNEL_STATES = tuple(state for state in State if state != State.DRAFT)
RUNNING = (Stage.PILOT, Stage.PRODUCTION, Stage.SUSPENDED)
UNRESOLVED = (IncidentStatus.OPEN, IncidentStatus.INVESTIGATING)


@dataclass(frozen=True)
class LateReview:
    pk: int
    reference: str
    title: str
    tier: str
    due_date: date
    days_late: int


@dataclass(frozen=True)
class LateEntry:
    pk: int
    reference: str
    name: str
    tier: str
    next_review_due: date
    days_late: int


@dataclass(frozen=True)
class Dashboard:
    today: date
    months: int
    funnel: Figure
    decision_times: tuple[Figure, ...]  # one per reviewed tier
    sla: Figure
    late_reviews: tuple[LateReview, ...]
    registry: tuple[Figure, ...]  # by risk tier, stage, channel, journey stage
    value: tuple[Figure, ...]  # KPIs against their targets, by team and by channel
    incidents: Figure
    complaints: Figure
    rereviews: Figure
    late_entries: tuple[LateEntry, ...]

    def figures(self) -> tuple[Figure, ...]:
        return (
            self.funnel,
            *self.decision_times,
            self.sla,
            *self.registry,
            *self.value,
            self.incidents,
            self.complaints,
            self.rereviews,
        )


def dashboard_read(*, user: User, today: date | None = None) -> Dashboard:
    """The dashboard as `user` may see it; the caller checks `dashboard_read_refusal` first."""
    today = today or timezone.localdate()
    visible = usecase_list_visible(user=user).values("pk")
    reviews = Review.objects.filter(use_case__in=visible)
    entries = deployment_list_visible(user=user)
    decisions = _decisions(reviews, months=_months(today))
    return Dashboard(
        today=today,
        months=MONTHS,
        funnel=_funnel(UseCase.objects.filter(pk__in=visible)),
        decision_times=_decision_times(decisions, months=_months(today)),
        sla=_sla(reviews, decisions, today=today),
        late_reviews=_late_reviews(reviews, today=today),
        registry=_registry(entries),
        value=_value(entries),
        incidents=_incidents(entries),
        complaints=_complaints(entries),
        rereviews=_rereviews(entries, today=today),
        late_entries=_late_entries(entries, today=today),
    )


_Rows = dict[str, Mapping[str, Any]]  # aggregate rows by the value they are grouped by


def _column(rows: _Rows, keys: Iterable[str], field: str) -> tuple[int, ...]:
    """The count `field` of each key's row, in the keys' order; 0 for a key without a row."""
    return tuple(int(rows[key][field]) if key in rows else 0 for key in keys)


# ---- the pipeline --------------------------------------------------------------------------


def _funnel(use_cases: QuerySet[UseCase]) -> Figure:
    counts = dict(
        use_cases.exclude(state=State.DRAFT)
        .order_by()
        .values_list("state")
        .annotate(n=Count("id"))
        .values_list("state", "n")
    )
    return Figure(
        key="funnel",
        title="Use cases by state",
        description="Submitted use cases by where they stand now, in the order of the lifecycle.",
        categories=tuple(State(state).label for state in FUNNEL_STATES),
        category_name="State",
        series=(Series("Use cases", tuple(counts.get(state, 0) for state in FUNNEL_STATES)),),
    )


# ---- time to decision and SLA --------------------------------------------------------------


def _months(today: date) -> list[date]:
    """The first day of each month measured, oldest first, this month last."""
    firsts = [today.replace(day=1)]
    while len(firsts) < MONTHS:
        firsts.insert(0, (firsts[0] - timedelta(days=1)).replace(day=1))
    return firsts


@dataclass(frozen=True)
class _Decision:
    tier: str
    month: date
    working_days: int
    late: bool


def _decisions(reviews: QuerySet[Review], *, months: list[date]) -> list[_Decision]:
    """The reviews decided since the first month measured: one query."""
    since = timezone.make_aware(datetime.combine(months[0], time.min))
    # A review closed because its use case was withdrawn has no outcome: nothing was decided.
    decided = reviews.filter(state=ReviewState.DECIDED, decided_at__gte=since).exclude(outcome="")
    rows = decided.values_list("policy__tier", "opened_at", "decided_at", "due_date")
    decisions = []
    for tier, opened_at, decided_at, due_date in rows:
        decided_on = timezone.localdate(decided_at)
        decisions.append(
            _Decision(
                tier=tier,
                month=decided_on.replace(day=1),
                working_days=rules.working_days_between(timezone.localdate(opened_at), decided_on),
                late=decided_on > due_date,
            )
        )
    return decisions


def percentile(values: list[int], share: float) -> int:
    """The nearest-rank percentile: the smallest value at least `share` of the values reach."""
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)]


def _decision_times(decisions: list[_Decision], *, months: list[date]) -> tuple[Figure, ...]:
    days: dict[tuple[str, date], list[int]] = defaultdict(list)
    for decision in decisions:
        days[decision.tier, decision.month].append(decision.working_days)
    figures = []
    for tier in REVIEWED_TIERS:
        measured = [days.get((tier, month), []) for month in months]
        labels = tuple(
            f"{month:%b %Y} ({len(d)} decided)" for month, d in zip(months, measured, strict=True)
        )
        figures.append(
            Figure(
                key=f"decision-{tier}",
                title=f"Time to decision, {RiskTier(tier).label.lower()} tier",
                description=(
                    f"Working days from opening to decision of the {RiskTier(tier).label.lower()}"
                    f"-tier reviews decided in each month: median and 90th percentile."
                ),
                categories=labels,
                category_name="Month decided",
                series=(
                    Series("Median", tuple(statistics.median(d) if d else None for d in measured)),
                    Series(
                        "90th percentile",
                        tuple(percentile(d, 0.9) if d else None for d in measured),
                        tone="secondary",
                    ),
                ),
                unit="working days",
            )
        )
    return tuple(figures)


def _sla(reviews: QuerySet[Review], decisions: list[_Decision], *, today: date) -> Figure:
    soon = rules.add_working_days(today, rules.DUE_SOON_WORKING_DAYS)
    open_counts: _Rows = {
        row["policy__tier"]: row
        for row in reviews.filter(state=ReviewState.OPEN)
        .order_by()
        .values("policy__tier")
        .annotate(
            overdue=Count("id", filter=Q(due_date__lt=today)),
            due_soon=Count("id", filter=Q(due_date__gte=today, due_date__lte=soon)),
        )
    }
    decided_late = Counter(decision.tier for decision in decisions if decision.late)
    return Figure(
        key="sla",
        title="SLA breaches by tier",
        description=(
            "Open reviews past their due date and due within "
            f"{rules.DUE_SOON_WORKING_DAYS} working days, and reviews decided after their due "
            f"date in the last {MONTHS} months."
        ),
        categories=tuple(RiskTier(tier).label for tier in REVIEWED_TIERS),
        category_name="Risk tier",
        series=(
            Series(
                "Open, past due",
                _column(open_counts, REVIEWED_TIERS, "overdue"),
                tone="danger",
            ),
            Series(
                "Open, due soon",
                _column(open_counts, REVIEWED_TIERS, "due_soon"),
                tone="warning",
            ),
            Series(
                "Decided late",
                tuple(decided_late.get(tier, 0) for tier in REVIEWED_TIERS),
                tone="neutral",
            ),
        ),
    )


def _late_reviews(reviews: QuerySet[Review], *, today: date) -> tuple[LateReview, ...]:
    rows = (
        reviews.filter(state=ReviewState.OPEN, due_date__lt=today)
        .order_by("due_date", "pk")
        .values_list("pk", "use_case__reference", "use_case__title", "policy__tier", "due_date")
    )
    return tuple(
        LateReview(pk, reference, title, RiskTier(tier).label, due, (today - due).days)
        for pk, reference, title, tier, due in rows[:LIST_LIMIT]
    )


# ---- the registry --------------------------------------------------------------------------


def _counted(
    counts: Counter[str],
    choices: Iterable[TextChoices],
    *,
    key: str,
    title: str,
    description: str,
    category_name: str,
) -> Figure:
    return Figure(
        key=key,
        title=title,
        description=description,
        categories=tuple(choice.label for choice in choices),
        category_name=category_name,
        series=(Series("Entries", tuple(counts.get(choice, 0) for choice in choices)),),
    )


def _registry(entries: QuerySet[Deployment]) -> tuple[Figure, ...]:
    by_tier_stage = (
        entries.order_by().values_list("risk_tier", "stage").annotate(n=Count("id"))
    ).values_list("risk_tier", "stage", "n")
    tiers: Counter[str] = Counter()
    stages: Counter[str] = Counter()
    for tier, stage, n in by_tier_stage:
        stages[stage] += n
        if stage in RUNNING:
            tiers[tier] += n
    channels: Counter[str] = Counter()
    journeys: Counter[str] = Counter()
    # Lists held as JSON: counted in Python over one query's values.
    for entry_channels, journey_stages in entries.filter(stage__in=RUNNING).values_list(
        "channels", "use_case__journey_stages"
    ):
        channels.update(set(entry_channels or ()))
        journeys.update(set(journey_stages or ()))
    running = "Entries in pilot, production or suspended"
    return (
        _counted(
            tiers,
            REVIEWED_TIERS,
            key="registry-tier",
            category_name="Risk tier",
            title="Registry by risk tier",
            description=f"{running}, by risk tier.",
        ),
        _counted(
            stages,
            Stage,
            key="registry-stage",
            category_name="Stage",
            title="Registry by stage",
            description="Every registry entry, retired ones included, by stage.",
        ),
        _counted(
            channels,
            Channel,
            key="registry-channel",
            category_name="Channel",
            title="Registry by channel",
            description=f"{running}, by channel: an entry is counted once in each of its channels.",
        ),
        _counted(
            journeys,
            JourneyStage,
            key="registry-journey",
            category_name="Journey stage",
            title="Registry by customer journey stage",
            description=(
                f"{running}, by the journey stages of their use case: an entry is counted once in "
                "each stage."
            ),
        ),
    )


# ---- value ---------------------------------------------------------------------------------

# Each standing of a KPI, in the order of the bars, with its colour.
KPI_TONES = (
    (KPI_MET, "primary"),
    (KPI_IMPROVING, "warning"),
    (KPI_NOT_MET, "danger"),
    (KPI_NOT_MEASURED, "neutral"),
)


def _value(entries: QuerySet[Deployment]) -> tuple[Figure, ...]:
    """Where the KPIs of the entries in service stand, by the owning team and by channel (a KPI
    counts once in each channel of its entry): one query of plain values, statuses in Python
    (`registry.rules.kpi_status`)."""
    rows = (
        Kpi.objects.filter(deployment__in=entries.filter(stage__in=RUNNING).values("pk"))
        .annotate(latest=kpi_latest())
        .values_list(
            "direction",
            "baseline",
            "target",
            "latest",
            "deployment__use_case__team__name",
            "deployment__channels",
        )
    )
    by_team: defaultdict[str, Counter[str]] = defaultdict(Counter)
    by_channel: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for direction, baseline, target, latest, team, channels in rows.iterator(chunk_size=2000):
        status = kpi_status(
            higher_is_better=direction == KpiDirection.HIGHER,
            baseline=baseline,
            target=target,
            latest=latest,
        )
        by_team[team][status] += 1
        for channel in set(channels or ()):
            by_channel[channel][status] += 1
    channels = [channel for channel in Channel if channel in by_channel]
    return (
        _standings(
            by_team,
            sorted(by_team),
            key="value-team",
            title="KPIs against their targets, by team",
            category_name="Team",
        ),
        _standings(
            {Channel(c).label: by_channel[c] for c in channels},
            [Channel(c).label for c in channels],
            key="value-channel",
            title="KPIs against their targets, by channel",
            category_name="Channel",
        ),
    )


def _standings(
    counts: Mapping[str, Counter[str]],
    categories: list[str],
    *,
    key: str,
    title: str,
    category_name: str,
) -> Figure:
    return Figure(
        key=key,
        title=title,
        description=(
            "The KPIs tracked on registry entries in pilot, production or suspended, by where "
            "their latest value stands against the baseline and the target."
        ),
        categories=tuple(categories),
        category_name=category_name,
        series=tuple(
            Series(
                KPI_STATUS_LABELS[standing],
                tuple(counts[category][standing] for category in categories),
                tone=tone,
            )
            for standing, tone in KPI_TONES
        ),
    )


def _open_and_closed(
    rows: QuerySet[Any],
    *,
    by: str,
    choices: type[TextChoices],
    still_open: tuple[str, Q],
    closed: tuple[str, Q],
    **figure: str,
) -> Figure:
    """Records of the entries counted by `by` (one of `choices`), those still open beside those
    closed, in one aggregate query (incidents by severity, complaints by kind)."""
    counts: _Rows = {
        row[by]: row
        for row in rows.order_by()
        .values(by)
        .annotate(open=Count("id", filter=still_open[1]), closed=Count("id", filter=closed[1]))
    }
    return Figure(
        **figure,
        categories=tuple(choice.label for choice in choices),
        series=(
            Series(still_open[0], _column(counts, choices, "open"), tone="danger"),
            Series(closed[0], _column(counts, choices, "closed"), tone="neutral"),
        ),
    )


def _incidents(entries: QuerySet[Deployment]) -> Figure:
    return _open_and_closed(
        Incident.objects.filter(deployment__in=entries.values("pk")),
        by="severity",
        choices=Severity,
        still_open=("Open or investigating", Q(status__in=UNRESOLVED)),
        closed=("Resolved", Q(status=IncidentStatus.RESOLVED)),
        key="incidents",
        title="Incidents by severity",
        description="Incidents on the registry entries, open or under investigation, and resolved.",
        category_name="Severity",
    )


def _complaints(entries: QuerySet[Deployment]) -> Figure:
    return _open_and_closed(
        Complaint.objects.filter(deployment__in=entries.values("pk")),
        by="kind",
        choices=ComplaintKind,
        still_open=("Open", Q(status=ComplaintStatus.OPEN)),
        closed=("Closed", Q(status=ComplaintStatus.CLOSED)),
        key="complaints",
        title="Complaints from customers",
        description=(
            "Cases customers sent from the public transparency page against a published tool: "
            "decisions contested and complaints, open and closed."
        ),
        category_name="Kind",
    )


def _rereviews(entries: QuerySet[Deployment], *, today: date) -> Figure:
    soon = today + timedelta(days=REMINDER_DAYS_AHEAD)
    counts: _Rows = {
        row["risk_tier"]: row
        for row in entries.filter(stage__in=RUNNING)
        .order_by()
        .values("risk_tier")
        .annotate(
            overdue=Count("id", filter=Q(next_review_due__lt=today)),
            due_soon=Count("id", filter=Q(next_review_due__gte=today, next_review_due__lte=soon)),
        )
    }
    return Figure(
        key="rereviews",
        title="Re-reviews by tier",
        description=(
            f"Registry entries in service whose periodic re-review is overdue, or due within "
            f"{REMINDER_DAYS_AHEAD} days."
        ),
        categories=tuple(RiskTier(tier).label for tier in REVIEWED_TIERS),
        category_name="Risk tier",
        series=(
            Series(
                "Overdue",
                _column(counts, REVIEWED_TIERS, "overdue"),
                tone="danger",
            ),
            Series(
                f"Due within {REMINDER_DAYS_AHEAD} days",
                _column(counts, REVIEWED_TIERS, "due_soon"),
                tone="warning",
            ),
        ),
    )


def _late_entries(entries: QuerySet[Deployment], *, today: date) -> tuple[LateEntry, ...]:
    rows = (
        entries.filter(stage__in=RUNNING, next_review_due__lt=today)
        .order_by("next_review_due", "pk")
        .values_list("pk", "reference", "name", "risk_tier", "next_review_due")
    )
    return tuple(
        LateEntry(pk, reference, name, RiskTier(tier).label, due, (today - due).days)
        for pk, reference, name, tier, due in rows[:LIST_LIMIT]
    )
