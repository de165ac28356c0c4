"""`python manage.py seed_demo [--password P] [--scale N]`: the demo organisation (SPEC section 12).

Every use case is written through `usecases.services`, as a user would through the form, so each
one has its audit events, a frozen revision when submitted, and a risk tier derived from its
answers. Running the command again changes nothing but the passwords: people, teams, roles and
use cases that exist already (a use case by its title within its team) are kept as they are.

The demo has a past. The council was set up HELD_SINCE ago, and a use case with `days_ago` had
its review and registry entry back then: the command sets the clock back while it seeds them
(time-machine), so every row, date and audit event they leave is dated then, and one entry is
past its re-review date. Oldest first, so the audit chain's order stays the order of time.
"""

import random
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta

import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import chain_head
from council.models import RoleAssignment, Team, TeamMembership
from council.services import record_admin_change
from registry import services as registry_services
from reviews import services as review_services
from reviews.models import Condition, ConditionStatus
from reviews.selectors import applicable_items
from usecases import services
from usecases.choices import AiActClass, AutomationLevel, JourneyStage, RiskTier, State
from usecases.models import UseCase

from ..demo_data import DEPLOYMENTS, PEOPLE, TEAMS, USE_CASES, DemoUseCase

User = get_user_model()

# The council was set up this long ago (memberships and roles began then), before the oldest
# demo story (DemoUseCase.days_ago), so the demo has some history behind today.
HELD_SINCE = timedelta(days=540)
SYNTHETIC_TITLE = "Synthetic use case {}"
SYNTHETIC_TITLE_RE = re.compile(r"^Synthetic use case (\d+)$")
# One commit per batch: a commit per use case makes SQLite sync the disk thousands of times,
# one commit for everything leaves nothing saved if a large run is interrupted.
SYNTHETIC_BATCH = 500
DISCARD_EMAIL = "django.core.mail.backends.dummy.EmailBackend"


@dataclass(frozen=True)
class Cast:
    """The demo's people (by username) and teams (by slug), fetched once."""

    users: dict[str, AbstractBaseUser]
    teams: dict[str, Team]


Step = Callable[[UseCase, DemoUseCase, Cast], UseCase]


def _submit(use_case: UseCase, demo: DemoUseCase, cast: Cast) -> UseCase:
    return services.usecase_submit(actor=cast.users[demo.submitter], use_case=use_case)


def _withdraw(use_case: UseCase, demo: DemoUseCase, cast: Cast) -> UseCase:
    return services.usecase_withdraw(
        actor=cast.users[demo.submitter], use_case=use_case, reason=demo.withdraw_reason
    )


def _review(use_case: UseCase):
    return use_case.reviews.get(state="open")


def _reviewer(review, role):
    return review.assignments.get(role=role, recused=False).reviewer


def _answer_checklist(use_case: UseCase, demo: DemoUseCase, cast: Cast) -> UseCase:
    review = _review(use_case)
    for item in applicable_items(review):
        review_services.checklist_answer(
            actor=cast.users[demo.submitter],
            review=review,
            item_id=item.pk,
            answer="yes",
            evidence=f"Covered in the DPIA and vendor pack for {use_case.reference}, section {item.code}.",
        )
    return use_case


def _verify_checklist(use_case: UseCase, demo: DemoUseCase, cast: Cast) -> UseCase:
    review = _review(use_case)
    for item in applicable_items(review):
        review_services.checklist_verify(
            actor=_reviewer(review, item.role), review=review, item_id=item.pk, verdict="verified"
        )
    return use_case


def _first_votes(use_case: UseCase, demo: DemoUseCase, cast: Cast) -> UseCase:
    review = _review(use_case)
    for role in review.required_roles[:2]:
        review_services.vote_cast(actor=_reviewer(review, role), review=review, choice="approve")
    return use_case


def _request_changes(use_case: UseCase, demo: DemoUseCase, cast: Cast) -> UseCase:
    """Every required role is heard; legal asks for changes, so the team gets it back."""
    review = _review(use_case)
    for role in review.required_roles:
        asking = role == "legal"
        review_services.vote_cast(
            actor=_reviewer(review, role),
            review=review,
            choice="request_changes" if asking else "approve",
            reasons="The escalation route must work outside office hours, and the AI notice must "
            "come before the first answer, not after it."
            if asking
            else "",
        )
    return use_case


def _approve(with_conditions: bool) -> Step:
    def step(use_case: UseCase, demo: DemoUseCase, cast: Cast) -> UseCase:
        review = _review(use_case)
        for role in review.required_roles:
            conditional = with_conditions and role == "privacy"
            review_services.vote_cast(
                actor=_reviewer(review, role),
                review=review,
                choice="approve_with_conditions" if conditional else "approve",
                conditions=[
                    {
                        "text": "Publish the updated privacy notice before go-live.",
                        "blocking": True,
                        "due_date": timezone.localdate() + timedelta(days=14),
                    },
                    {
                        "text": "Report opt-out and complaint rates to the council monthly.",
                        "blocking": False,
                        "due_date": timezone.localdate() + timedelta(days=45),
                    },
                ]
                if conditional
                else [],
            )
        return use_case

    return step


REJECTION_REASONS = (
    "Scoring every call to rank agents is systematic monitoring of workers with no meaningful way "
    "to contest a score; the works council was not consulted."
)


def _reject(use_case: UseCase, demo: DemoUseCase, cast: Cast) -> UseCase:
    """Every required role is heard; ethics rejects, so the chair confirms the rejection."""
    review = _review(use_case)
    for role in review.required_roles:
        rejecting = role in {"ethics", "chair"}
        review_services.vote_cast(
            actor=_reviewer(review, role),
            review=review,
            choice="reject" if rejecting else "approve",
            reasons=REJECTION_REASONS if rejecting else "",
        )
    review_services.decision_record_by_chair(
        actor=cast.users["chair"],
        review=_review(use_case),
        outcome="rejected",
        rationale="The council confirms the rejection proposed by ethics: " + REJECTION_REASONS,
    )
    return use_case


# How each demo state is reached: the services people call in turn after creating the draft.
STEPS: dict[str, tuple[Step, ...]] = {
    State.DRAFT: (),
    State.IN_REVIEW: (_submit, _first_votes),
    State.CHANGES_REQUESTED: (_submit, _answer_checklist, _request_changes),
    State.APPROVED: (
        _submit,
        _answer_checklist,
        _verify_checklist,
        _approve(with_conditions=False),
    ),
    State.APPROVED_WITH_CONDITIONS: (
        _submit,
        _answer_checklist,
        _verify_checklist,
        _approve(with_conditions=True),
    ),
    State.REJECTED: (_submit, _reject),
    State.WITHDRAWN: (_submit, _withdraw),
}


class Command(BaseCommand):
    help = (
        "Create the demo organisation: teams, people with council roles, and realistic AI use "
        "cases. Safe to run again. --scale N adds N synthetic use cases for benchmarks."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--password", default="demo", help="Password of every demo user (default: demo)."
        )
        parser.add_argument(
            "--scale", type=int, default=0, metavar="N", help="Also add N synthetic use cases."
        )

    def handle(self, *args, password: str, scale: int, **options):
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError(
                "Demo data creates users with a known password: refused in production. "
                "Set DEMO_DATA_ALLOWED=true to seed a staging copy on purpose."
            )
        if scale < 0:
            raise CommandError("--scale must be zero or more.")
        if not password:
            raise CommandError("--password must not be empty.")
        # All or nothing: a half-seeded organisation would pass for "already there" next time.
        # Demo people get in-app notifications; their e-mails would only flood the console.
        with override_settings(EMAIL_BACKEND=DISCARD_EMAIL), transaction.atomic():
            since = timezone.localdate() - HELD_SINCE
            with self._back_in_time(HELD_SINCE.days, what="The demo organisation"):
                cast = seed_organisation(password=password, since=since)
            created, entries = [], []
            for days_ago in sorted({demo.days_ago for demo in USE_CASES}, reverse=True):
                stories = [demo for demo in USE_CASES if demo.days_ago == days_ago]
                with self._back_in_time(days_ago, what=_titles(stories)):
                    batch = seed_use_cases(cast=cast, demos=stories)
                    entries += seed_deployments(cast=cast, use_cases=batch)
                created += batch
        self.stdout.write(
            f"Use cases: {len(created)} created, {len(USE_CASES) - len(created)} already there."
        )
        self.stdout.write(f"Registry entries created: {len(entries)}.")
        if scale:
            started = time.monotonic()
            synthetic = seed_synthetic(cast=cast, count=scale)
            seconds = time.monotonic() - started
            self.stdout.write(
                f"Synthetic use cases: {len(synthetic)} added in {seconds:.1f} s "
                f"({seconds / len(synthetic) * 1000:.1f} ms each)."
            )
        self._summary(password=password)

    @contextmanager
    def _back_in_time(self, days: int, *, what: str) -> Iterator[None]:
        """Run the block with the clock set `days` back and ticking on from there.

        Not when the audit trail already holds a later event (a database in use before the
        demo was seeded): events must not be dated before the ones they follow, so the block
        runs today, and the command says so.
        """
        if days == 0:
            yield
            return
        moment = timezone.now() - timedelta(days=days)
        last = AuditEvent.objects.order_by("-seq").values_list("at", flat=True).first()
        if last is None or last <= moment:
            with time_machine.travel(moment, tick=True):
                yield
            self.stdout.write(f"{what}: dated {days} days ago.")
            return
        head = chain_head().seq
        yield
        if chain_head().seq != head:  # a rerun that found everything writes nothing
            self.stdout.write(
                self.style.WARNING(
                    f"{what}: dated today, not {days} days ago: the audit trail already has "
                    "later events."
                )
            )

    def _summary(self, *, password: str) -> None:
        demo = UseCase.objects.filter(title__in=[d.answers["title"] for d in USE_CASES])
        states = Counter(demo.values_list("state", flat=True))
        tiers = Counter(demo.values_list("risk_tier", flat=True))
        classes = Counter(demo.values_list("ai_act_class", flat=True))
        self.stdout.write(
            "Demo use cases by state: "
            + ", ".join(f"{s.label.lower()} {states[s]}" for s in State if states[s])
        )
        self.stdout.write(
            "Demo use cases by EU AI Act class: "
            + ", ".join(f"{c.label.lower()} {classes[c]}" for c in AiActClass if classes[c])
        )
        self.stdout.write(
            "Demo use cases by review tier: "
            + ", ".join(f"{t.label.lower()} {tiers[t]}" for t in RiskTier if tiers[t])
        )
        self.stdout.write(f"All use cases: {UseCase.objects.count()}.")
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Log in with password '{password}' as:"))
        for person in PEOPLE:
            held = ", ".join(
                [*person.teams, *person.roles, *(["Django admin"] if person.admin else [])]
            )
            held = held or "business owner, no team or role"
            self.stdout.write(f"  {person.username:<22} {person.job_title} ({held})")


def _titles(demos: Sequence[DemoUseCase]) -> str:
    return ", ".join(f"'{demo.answers['title']}'" for demo in demos)


def seed_organisation(*, password: str, since: date) -> Cast:
    """Teams, people, memberships and roles (held from `since`) that are not there yet."""
    teams = {}
    for name, slug in TEAMS:
        team, created = Team.objects.get_or_create(slug=slug, defaults={"name": name})
        if created:
            _audit_created(team)
        teams[slug] = team

    # Every demo account has the same published password, so one hash serves them all: hashing
    # it once per user would cost a second or more with the production hasher, for nothing.
    hashed = make_password(password)
    users = {}
    for person in PEOPLE:
        user, _ = User.objects.get_or_create(username=person.username)
        user.first_name = person.first_name
        user.last_name = person.last_name
        user.email = person.email
        user.is_staff = user.is_superuser = person.admin
        user.is_active = True
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


def seed_deployments(*, cast: Cast, use_cases: list[UseCase]) -> list:
    """Registry entries of the approved demo use cases created in this run, with their history."""
    by_title = {use_case.title: use_case for use_case in use_cases}
    entries = []
    for demo in DEPLOYMENTS:
        use_case = by_title.get(demo.title)
        if use_case is None:
            continue
        owner = cast.users[demo.technical_owner]
        _meet_blocking_conditions(use_case, owner)
        entry = registry_services.deployment_create(
            actor=owner,
            use_case=use_case,
            data={
                **demo.entry,
                "business_owner": use_case.business_owner,
                "technical_owner": owner,
            },
        )
        for stage in demo.stages:
            entry = registry_services.deployment_change_stage(
                actor=owner, deployment=entry, stage=stage
            )
        for kind, severity, description in demo.incidents:
            registry_services.incident_report(
                actor=owner, deployment=entry, kind=kind, severity=severity, description=description
            )
        entries.append(entry)
    return entries


def _meet_blocking_conditions(use_case: UseCase, actor) -> None:
    for condition in Condition.objects.filter(
        review__use_case=use_case, blocking=True, status=ConditionStatus.OPEN
    ):
        review_services.condition_meet(
            actor=actor,
            condition=condition,
            evidence="Updated privacy notice published on the website; link in the launch checklist.",
        )


def seed_use_cases(*, cast: Cast, demos: Sequence[DemoUseCase] = USE_CASES) -> list[UseCase]:
    """The realistic use cases that are not there yet (same title in the same team)."""
    existing = set(
        UseCase.objects.filter(title__in=[d.answers["title"] for d in demos]).values_list(
            "team__slug", "title"
        )
    )
    return [
        _create(demo, cast) for demo in demos if (demo.team, demo.answers["title"]) not in existing
    ]


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


def _create(demo: DemoUseCase, cast: Cast) -> UseCase:
    actor = cast.users[demo.submitter]
    data = {
        **demo.answers,
        "team": cast.teams[demo.team],
        "business_owner": cast.users[demo.business_owner],
    }
    use_case = services.usecase_create(actor=actor, data=data)
    for step in STEPS[demo.state]:
        use_case = step(use_case, demo, cast)
    return use_case
