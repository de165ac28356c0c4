"""How `seed_demo` builds the demo organisation (SPEC section 12); the data is `demo.data`.

Every use case is written through the services (`workflows` for the steps that cross apps), as
a user would through the form, so each one has its audit events, a frozen revision when
submitted, and a risk tier derived from its answers; its review is walked by `demo.scenarios`,
the scenario the tests drive too. What
exists already (people, teams, roles, a use case by its title within its team) is kept.
"""

import random
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

import workflows
from council.models import Notification, RoleAssignment, Team, TeamMembership
from council.services import record_admin_change
from inventory import services as inventory_services
from inventory.models import AiModel, ModelVersion, Vendor
from registry import services as registry_services
from registry.models import Deployment, Stage
from reviews import services as review_services
from reviews.models import Condition, ConditionStatus, ConfirmVerdict, Review
from reviews.selectors import condition_confirmers
from usecases import services
from usecases.choices import AutomationLevel, JourneyStage, State
from usecases.models import UseCase

from . import scenarios
from .data import (
    DEPLOYMENTS,
    MODELS,
    PEOPLE,
    TEAMS,
    USE_CASES,
    VENDORS,
    DemoDeployment,
    DemoKpi,
    DemoUseCase,
    DemoVendor,
)

# The council was set up this long ago (memberships and roles began then), before the oldest
# demo story (DemoUseCase.days_ago), so the demo has some history behind today.
HELD_SINCE = timedelta(days=540)
SYNTHETIC_TITLE = "Synthetic use case {}"
SYNTHETIC_TITLE_RE = re.compile(r"^Synthetic use case (\d+)$")
# One commit per batch: a commit per use case makes SQLite sync the disk thousands of times,
# one commit for everything leaves nothing saved if a large run is interrupted.
SYNTHETIC_BATCH = 500


@dataclass(frozen=True)
class Cast:
    """The demo's people (by username) and teams (by slug), fetched once."""

    users: dict[str, User]
    teams: dict[str, Team]


Step = Callable[[UseCase, DemoUseCase, Cast], UseCase]


def _submit(use_case: UseCase, demo: DemoUseCase, cast: Cast) -> UseCase:
    return workflows.usecase_submit(actor=cast.users[demo.submitter], use_case=use_case)


def _withdraw(use_case: UseCase, demo: DemoUseCase, cast: Cast) -> UseCase:
    return workflows.usecase_withdraw(
        actor=cast.users[demo.submitter], use_case=use_case, reason=demo.withdraw_reason
    )


def _review(use_case: UseCase) -> Review:
    return use_case.reviews.get(state="open")


def _answer_checklist(use_case: UseCase, demo: DemoUseCase, cast: Cast) -> UseCase:
    scenarios.answer_checklist(_review(use_case), answered_by=cast.users[demo.submitter])
    return use_case


def _first_votes(use_case: UseCase, demo: DemoUseCase, cast: Cast) -> UseCase:
    review = _review(use_case)
    scenarios.cast_votes(review, roles=review.required_roles[:2])
    if demo.council_asks:
        scenarios.ask_the_team(review, demo.council_asks)
    if demo.answer_rejected:
        scenarios.reject_first_answer(
            review, answered_by=cast.users[demo.submitter], comment=demo.answer_rejected
        )
    return use_case


CHANGES_REASONS = (
    "The escalation route must work outside office hours, and the AI notice must come before "
    "the first answer, not after it."
)


def _request_changes(use_case: UseCase, demo: DemoUseCase, cast: Cast) -> UseCase:
    """Every required role is heard; legal asks for changes, so the team gets it back."""
    scenarios.cast_votes(
        _review(use_case), choices={"legal": "request_changes"}, reasons=CHANGES_REASONS
    )
    return use_case


def _privacy_conditions() -> list[dict]:
    today = timezone.localdate()
    return [
        {
            "text": "Publish the updated privacy notice before go-live.",
            "blocking": True,
            "due_date": today + timedelta(days=14),
        },
        {
            "text": "Report opt-out and complaint rates to the council monthly.",
            "blocking": False,
            "due_date": today + timedelta(days=45),
        },
    ]


def _approve(with_conditions: bool) -> Step:
    def step(use_case: UseCase, demo: DemoUseCase, cast: Cast) -> UseCase:
        scenarios.approve(
            _review(use_case),
            answered_by=cast.users[demo.submitter],
            conditions=_privacy_conditions() if with_conditions else (),
        )
        return use_case

    return step


REJECTION_REASONS = (
    "Scoring every call to rank agents is systematic monitoring of workers with no meaningful way "
    "to contest a score; the works council was not consulted."
)


def _reject(use_case: UseCase, demo: DemoUseCase, cast: Cast) -> UseCase:
    """Every required role is heard; ethics rejects, so the chair confirms the rejection."""
    scenarios.reject(
        _review(use_case),
        chair=cast.users["chair"],
        rejecting=("ethics", "chair"),
        reasons=REJECTION_REASONS,
        rationale="The council confirms the rejection proposed by ethics: " + REJECTION_REASONS,
    )
    return use_case


# How each demo state is reached: the services people call in turn after creating the draft.
STEPS: dict[str, tuple[Step, ...]] = {
    State.DRAFT: (),
    State.IN_REVIEW: (_submit, _first_votes),
    State.CHANGES_REQUESTED: (_submit, _answer_checklist, _request_changes),
    State.APPROVED: (_submit, _approve(with_conditions=False)),
    State.APPROVED_WITH_CONDITIONS: (_submit, _approve(with_conditions=True)),
    State.REJECTED: (_submit, _reject),
    State.WITHDRAWN: (_submit, _withdraw),
}


@contextmanager
def notifications_in_app_only() -> Iterator[None]:
    """The notifications written in the block are shown in the app but never e-mailed.

    Demo people's e-mails would only flood the console (or reach example.com). The delivery
    task and the sweep (council/outbox.py) send only notifications whose `emailed_at` is unset:
    set here, before the commit that queues the deliveries, they send nothing, in-process or on
    a worker. Use it inside the transaction.
    """
    last = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    yield
    Notification.objects.filter(pk__gt=last, emailed_at=None).update(emailed_at=timezone.now())


DEFAULT_PASSWORD = "demo"


def seed_organisation(*, password: str | None, since: date) -> Cast:
    """Teams, people, memberships and roles (held from `since`) that are not there yet.

    A new account gets `password` (`demo` when None); an existing one keeps its own unless a
    password is given, so a rerun logs nobody out."""
    teams = {}
    for name, slug in TEAMS:
        team, created = Team.objects.get_or_create(slug=slug, defaults={"name": name})
        if created:
            _audit_created(team)
        teams[slug] = team

    # Every demo account has the same published password, so one hash serves them all: hashing
    # it once per user would cost a second or more with the production hasher, for nothing.
    hashed = make_password(password or DEFAULT_PASSWORD)
    users = {}
    for person in PEOPLE:
        user, created = User.objects.get_or_create(username=person.username)
        user.first_name = person.first_name
        user.last_name = person.last_name
        user.email = person.email
        user.is_staff = user.is_superuser = person.admin
        user.is_active = True
        if created or password is not None:
            user.password = hashed
        user.save()
        for slug in person.teams:
            team = teams[slug]
            if not TeamMembership.objects.active().filter(user=user, team=team).exists():
                _audit_created(TeamMembership.objects.create(user=user, team=team, starts_on=since))
        for role in person.roles:
            if not RoleAssignment.objects.active().filter(user=user, role=role).exists():
                _audit_created(RoleAssignment.objects.create(user=user, role=role, starts_on=since))
        users[person.username] = user
    return Cast(users=users, teams=teams)


def _audit_created(obj) -> None:
    # The same event an admin writes when creating it, with no actor: the seed is the system.
    record_admin_change(actor=None, obj=obj, before=None)


INVENTORY_KEEPER = "council.security"


def seed_inventory(*, cast: Cast, today: date) -> list[AiModel]:
    """The vendors (assessed once, one lapsed) and the models teams share, if not there yet."""
    keeper = cast.users[INVENTORY_KEEPER]
    for vendor_demo in VENDORS:
        if not Vendor.objects.filter(name=vendor_demo.name).exists():
            data = _vendor_data(vendor_demo, keeper, today)
            inventory_services.vendor_create(actor=keeper, data=data)
    created = []
    for demo in MODELS:
        vendor = Vendor.objects.filter(name=demo.vendor).first() if demo.vendor else None
        if AiModel.objects.filter(vendor=vendor, name=demo.name).exists():
            continue
        model = inventory_services.model_create(
            actor=keeper,
            data={
                "vendor": vendor,
                "name": demo.name,
                "model_type": demo.model_type,
                "general_purpose": demo.general_purpose,
                "model_card_url": demo.model_card_url,
            },
        )
        for version in demo.versions:
            inventory_services.version_record(actor=keeper, model=model, data={"version": version})
        created.append(model)
    return created


def _vendor_data(demo: DemoVendor, owner: User, today: date) -> dict:
    assessed = today - timedelta(days=demo.assessed_days_ago)
    return {
        "name": demo.name,
        "website": demo.website,
        "owner": owner,
        "dpa_signed": demo.dpa_signed,
        "dpa_signed_on": assessed if demo.dpa_signed else None,
        "sub_processors": list(demo.sub_processors),
        "data_residency": demo.data_residency,
        "trains_on_our_data": demo.trains_on_our_data,
        "certifications": list(demo.certifications),
        "security_review": demo.security_review,
        "security_reviewed_on": assessed,
        "assessed_on": assessed,
        "next_assessment_due": today + timedelta(days=demo.due_in),
    }


def seed_deployments(*, cast: Cast, use_cases: list[UseCase]) -> list[Deployment]:
    """Registry entries of the approved demo use cases created in this run, with their history."""
    by_title = {use_case.title: use_case for use_case in use_cases}
    entries = []
    for demo in DEPLOYMENTS:
        use_case = by_title.get(demo.title)
        if use_case is None:
            continue
        owner = cast.users[demo.technical_owner]
        _meet_blocking_conditions(use_case, owner)
        entry = workflows.deployment_create(
            actor=owner,
            use_case=use_case,
            data={
                **demo.entry,
                "business_owner": use_case.business_owner,
                "technical_owner": owner,
                "model_versions": [
                    ModelVersion.objects.get(model__name=model, version=version)
                    for model, version in demo.model_versions
                ],
            },
        )
        if entry.published:  # the council approves the wording customers will read
            entry = registry_services.public_wording_approve(
                actor=cast.users["chair"], deployment=entry
            )
        _track_kpis(entry, demo.kpis, owner)
        if demo.conditions_marked_met:
            _mark_conditions_met(use_case, owner, demo.conditions_marked_met)
        for stage in demo.stages:
            entry = workflows.deployment_change_stage(
                actor=owner, deployment=entry, stage=stage, **_judged(entry, stage, demo)
            )
        for kind, severity, description in demo.incidents:
            workflows.incident_report(
                actor=owner, deployment=entry, kind=kind, severity=severity, description=description
            )
        entries.append(entry)
    return entries


def _track_kpis(entry: Deployment, kpis: Sequence[DemoKpi], owner: User) -> None:
    today = timezone.localdate()
    for demo_kpi in kpis:
        kpi = registry_services.kpi_define(
            actor=owner,
            deployment=entry,
            name=demo_kpi.name,
            unit=demo_kpi.unit,
            direction=demo_kpi.direction,
            baseline=Decimal(demo_kpi.baseline),
            target=Decimal(demo_kpi.target),
        )
        for days_ago, value in demo_kpi.values:
            registry_services.kpi_measure(
                actor=owner,
                kpi=kpi,
                value=Decimal(value),
                measured_on=today - timedelta(days=days_ago),
            )


def _mark_conditions_met(use_case: UseCase, actor: User, evidence: str) -> None:
    """The team marks the conditions still open met; the council has yet to confirm them."""
    for condition in Condition.objects.filter(
        review__use_case=use_case, status=ConditionStatus.OPEN
    ):
        review_services.condition_meet(actor=actor, condition=condition, evidence=evidence)


def _judged(entry: Deployment, stage: str, demo: DemoDeployment) -> dict:
    """The pilot's results, when the move takes the entry out of pilot into production."""
    leaving_pilot = entry.stage == Stage.PILOT and stage == Stage.PRODUCTION
    return dict(demo.pilot_results or {}) if leaving_pilot else {}


def _meet_blocking_conditions(use_case: UseCase, actor) -> None:
    """The team marks each blocking condition met; the council role that set it confirms it."""
    for condition in Condition.objects.filter(
        review__use_case=use_case, blocking=True, status=ConditionStatus.OPEN
    ):
        condition = review_services.condition_meet(
            actor=actor,
            condition=condition,
            evidence="Updated privacy notice published on the website; link in the launch checklist.",
        )
        review_services.condition_confirm(
            actor=condition_confirmers(condition)[0],
            condition=condition,
            verdict=ConfirmVerdict.CONFIRMED,
            comment="Checked the published notice.",
        )


def demos_missing(demos: Sequence[DemoUseCase]) -> list[DemoUseCase]:
    """The realistic use cases that are not there yet (same title in the same team)."""
    existing = set(
        UseCase.objects.filter(title__in=[d.answers["title"] for d in demos]).values_list(
            "team__slug", "title"
        )
    )
    return [demo for demo in demos if (demo.team, demo.answers["title"]) not in existing]


def seed_submission(*, cast: Cast, demo: DemoUseCase) -> UseCase:
    """The team's part: the draft, and its submission if the story goes that far."""
    return _create(demo, cast, steps=STEPS[demo.state][:1])


def seed_council_work(*, cast: Cast, demo: DemoUseCase, use_case: UseCase) -> UseCase:
    """What follows the submission: votes, questions, the decision or the withdrawal."""
    for step in STEPS[demo.state][1:]:
        use_case = step(use_case, demo, cast)
    return use_case


def seed_synthetic(*, cast: Cast, count: int) -> list[UseCase]:
    """`count` more synthetic use cases, numbered after the ones already there."""
    titles = UseCase.objects.filter(title__startswith="Synthetic use case ").values_list(
        "title", flat=True
    )
    numbers = [int(m[1]) for t in titles.iterator() if (m := SYNTHETIC_TITLE_RE.match(t))]
    first = max(numbers, default=0) + 1
    created: list[UseCase] = []
    for start in range(first, first + count, SYNTHETIC_BATCH):
        with transaction.atomic():
            for number in range(start, min(start + SYNTHETIC_BATCH, first + count)):
                created.append(_create(synthetic_use_case(number), cast))
    return created


def synthetic_use_case(number: int) -> DemoUseCase:
    """A variation of one realistic use case; the same number always gives the same answers."""
    rng = random.Random(number)
    template = USE_CASES[number % len(USE_CASES)]
    answers = dict(template.answers)
    answers["title"] = SYNTHETIC_TITLE.format(number)
    answers["summary"] = f"Benchmark copy of '{template.answers['title']}'. {answers['summary']}"
    answers["confidential"] = answers.get("confidential", False) or rng.random() < 0.05
    answers["journey_stages"] = rng.sample(JourneyStage.values, rng.randint(1, 3))
    answers["automation_level"] = rng.choice(AutomationLevel.values)
    # Only additions that keep the answers consistent, so every variation can be submitted.
    if rng.random() < 0.3:
        extra = rng.choice(["segmentation", "recommendation", "predictive_scoring", "agent_assist"])
        answers["capabilities"] = sorted({*answers["capabilities"], extra})
    if "none" not in answers["data_categories"] and rng.random() < 0.2:
        answers["data_categories"] = sorted({*answers["data_categories"], "location"})
    if rng.random() < 0.15:
        answers["affected_people"] = sorted({*answers["affected_people"], "employees"})
    answers["significant_decisions"] = answers["significant_decisions"] or rng.random() < 0.1
    answers["vulnerable_groups"] = rng.random() < 0.05
    state = rng.choices([State.DRAFT, State.IN_REVIEW, State.WITHDRAWN], weights=[3, 6, 1])[0]
    reason = "Withdrawn to give the benchmark a mix of states." if state == State.WITHDRAWN else ""
    return DemoUseCase(
        team=template.team,
        submitter=template.submitter,
        business_owner=template.business_owner,
        state=state,
        answers=answers,
        withdraw_reason=reason,
    )


def _create(demo: DemoUseCase, cast: Cast, steps: Sequence[Step] | None = None) -> UseCase:
    actor = cast.users[demo.submitter]
    data = {
        **demo.answers,
        "team": cast.teams[demo.team],
        "business_owner": cast.users[demo.business_owner],
    }
    use_case = services.usecase_create(actor=actor, data=data)
    if demo.model_versions:
        versions = [
            ModelVersion.objects.get(model__name=model, version=version)
            for model, version in demo.model_versions
        ]
        services.usecase_models_set(actor=actor, use_case=use_case, versions=versions)
    for step in STEPS[demo.state] if steps is None else steps:
        use_case = step(use_case, demo, cast)
    return use_case
