"""`python manage.py seed_demo [--password P] [--scale N]`: the demo organisation (SPEC section 12).

Every use case is written through the services, as a user would through the form (demo.seeding).
Running the command again changes nothing: people (and their passwords, unless --password is
given), teams, roles and use cases that exist already (a use case by its title within its team)
are kept as they are.

The demo has a past. The council was set up HELD_SINCE ago, and a use case with `days_ago` had
its review and registry entry back then: the command sets the clock back while it seeds them
(time-machine, a development dependency), so every row, date and audit event they leave is
dated then, and one entry is past its re-review date. Oldest first, so the audit chain's order
stays the order of time.
"""

import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from audit.checkpoints import checkpoint_write
from audit.services import events_recorded, latest_event_at
from demo.data import PEOPLE, USE_CASES, DemoUseCase
from demo.seeding import (
    DEFAULT_PASSWORD,
    HELD_SINCE,
    Cast,
    demos_missing,
    notifications_in_app_only,
    seed_council_work,
    seed_deployments,
    seed_inventory,
    seed_organisation,
    seed_submission,
    seed_synthetic,
)
from usecases.choices import AiActClass, RiskTier, State
from usecases.models import UseCase


class Command(BaseCommand):
    help = (
        "Create the demo organisation: teams, people with council roles, and realistic AI use "
        "cases. Safe to run again. --scale N adds N synthetic use cases, each through the "
        "services (about 0.4 s each); `python -m bench` builds large datasets in bulk."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            default=None,
            help="Password of every demo user: new users get `demo` without it, and existing"
            " ones keep theirs.",
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
        if password is not None and not password:
            raise CommandError("--password must not be empty.")
        # All or nothing: a half-seeded organisation would pass for "already there" next time.
        with transaction.atomic(), notifications_in_app_only():
            today = timezone.localdate()
            since = today - HELD_SINCE
            with self._back_in_time(HELD_SINCE.days, what="The demo organisation"):
                cast = seed_organisation(password=password, since=since)
                models = seed_inventory(cast=cast, today=today)
            created, entries = [], []
            for days_ago in sorted({demo.days_ago for demo in USE_CASES}, reverse=True):
                stories = demos_missing([d for d in USE_CASES if d.days_ago == days_ago])
                submitted = self._submissions(cast, stories, days_ago)
                with self._back_in_time(days_ago, what=_titles(stories)):
                    batch = [
                        seed_council_work(cast=cast, demo=demo, use_case=use_case)
                        for demo, use_case in submitted
                    ]
                    entries += seed_deployments(cast=cast, use_cases=batch)
                created += batch
        self.stdout.write(
            f"Use cases: {len(created)} created, {len(USE_CASES) - len(created)} already there."
        )
        self.stdout.write(f"Registry entries created: {len(entries)}.")
        self.stdout.write(f"Inventory models created: {len(models)}.")
        if scale:
            started = time.monotonic()
            synthetic = seed_synthetic(cast=cast, count=scale)
            seconds = time.monotonic() - started
            self.stdout.write(
                f"Synthetic use cases: {len(synthetic)} added in {seconds:.1f} s "
                f"({seconds / len(synthetic) * 1000:.1f} ms each)."
            )
        # The history just written, sealed: verify_audit_log checks it against this from now on.
        sealed = checkpoint_write()
        self.stdout.write(f"Audit trail sealed by a signed checkpoint at event #{sealed['seq']}.")
        self._summary(password=password)

    def _submissions(
        self, cast: Cast, stories: list[DemoUseCase], days_ago: int
    ) -> list[tuple[DemoUseCase, UseCase]]:
        """Each story drafted and submitted `council_days` before the council's work on it,
        the longest first (the trail stays in order of time)."""
        submitted = []
        for lead in sorted({demo.council_days for demo in stories}, reverse=True):
            early = [demo for demo in stories if demo.council_days == lead]
            with self._back_in_time(days_ago + lead, what=f"Submitted: {_titles(early)}"):
                submitted += [(demo, seed_submission(cast=cast, demo=demo)) for demo in early]
        return submitted

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
        last = latest_event_at()
        if last is None or last <= moment:
            with _travel(moment):
                yield
            self.stdout.write(f"{what}: dated {days} days ago.")
            return
        recorded = events_recorded()
        yield
        if events_recorded() != recorded:  # a rerun that found everything writes nothing
            self.stdout.write(
                self.style.WARNING(
                    f"{what}: dated today, not {days} days ago: the audit trail already has "
                    "later events."
                )
            )

    def _summary(self, *, password: str | None) -> None:
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
        told = password or DEFAULT_PASSWORD
        kept = "" if password else " (accounts that existed before keep their own)"
        self.stdout.write(self.style.SUCCESS(f"Log in with password '{told}'{kept} as:"))
        for person in PEOPLE:
            held = ", ".join(
                [*person.teams, *person.roles, *(["Django admin"] if person.admin else [])]
            )
            held = held or "business owner, no team or role"
            self.stdout.write(f"  {person.username:<22} {person.job_title} ({held})")


def _travel(moment):
    # Imported only here: the demo is a development tool and time-machine a dev dependency, so
    # the app runs without it and only seeding the past needs it.
    try:
        import time_machine  # noqa: PLC0415
    except ImportError as missing:
        raise CommandError(
            "seed_demo dates the demo's past with time-machine, a development dependency that is "
            "not installed: install the dev extras (make install) and run it again."
        ) from missing
    return time_machine.travel(moment, tick=True)


def _titles(demos: Sequence[DemoUseCase]) -> str:
    return ", ".join(f"'{demo.answers['title']}'" for demo in demos)
