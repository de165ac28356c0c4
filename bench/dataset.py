"""A dataset of a given size, built in minutes with bulk inserts (issue 14, point 1).

The demo organisation is seeded first (`seed_demo`: its people, teams, roles, policies, inventory
and 14 use cases walked through the real services). Its use cases are then the templates: each
copy of one brings every row that hangs from it (revisions, the guardian grants of its reviewers,
its reviews with their assignments, votes, checklist answers, waivers, conditions and comments,
its registry entry with its versions, KPIs, measurements and incidents), with new ids and its
foreign keys pointed at the copy's own rows, inserted in batches (`bulk_create`). The demo's
deployed use cases are copied four times as often as the others, so that the registry holds
about 0.6 entries a use case. The organisation grows with its council: for every hundred use
cases copied, one more holder of each council role (`bench.<demo holder>.<n>`) takes the seats,
votes, verifications and grants the demo's holders have on the templates, so that a member's own
work stays the size of the demo's (the demo's holders, whom the measures log in as, keep
theirs) while the organisation grows around them. Each copy adds ten audit events, chained after the demo's with the
app's own hash (`audit.verify.event_hash`), so the trail stays verifiable.
"""

import json
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import cycle, islice
from typing import Any

from django.db import connection, models, transaction

from bench.audit_verify import COLUMNS as AUDIT_COLUMNS

DEPLOYED_WEIGHT = 4
AUDIT_EVENTS_PER_COPY = 10
COPIES_PER_BATCH = 500
USE_CASES_PER_MEMBER = 100
INSERT_BATCH = 2000
AUDIT_ACTIONS = (
    "usecase_created", "usecase_updated", "usecase_submitted", "review_opened",
    "reviewer_assigned", "checklist_answered", "vote_cast", "review_decided",
    "usecase_state_changed", "deployment_created",
)  # fmt: skip


def cloned_models() -> list[tuple[type[models.Model], str]]:
    """Every table copied with a use case, parents first, with the path to its use case."""
    from registry.models import Deployment, DeploymentVersion, Incident, Kpi, KpiMeasurement
    from reviews.models import (
        Assignment,
        ChecklistAnswer,
        ChecklistWaiver,
        Comment,
        Condition,
        Review,
        Vote,
    )
    from usecases.models import (
        UseCase,
        UseCaseGroupObjectPermission,
        UseCaseRevision,
        UseCaseUserObjectPermission,
    )

    return [
        (UseCase, "pk"),
        (UseCase.model_versions.through, "usecase"),
        (UseCaseRevision, "use_case"),
        (UseCaseUserObjectPermission, "content_object"),
        (UseCaseGroupObjectPermission, "content_object"),
        (Review, "use_case"),
        (Assignment, "review__use_case"),
        (Vote, "review__use_case"),
        (ChecklistAnswer, "review__use_case"),
        (ChecklistWaiver, "review__use_case"),
        (Condition, "review__use_case"),
        (Comment, "review__use_case"),
        (Deployment, "use_case"),
        (Deployment.model_versions.through, "deployment__use_case"),
        (DeploymentVersion, "deployment__use_case"),
        (Kpi, "deployment__use_case"),
        (KpiMeasurement, "kpi__deployment__use_case"),
        (Incident, "deployment__use_case"),
    ]


@dataclass
class Templates:
    """The demo's rows by model and by the use case they hang from."""

    order: list[int]
    rows: dict[type[models.Model], dict[int, list[dict[str, Any]]]]
    next_id: dict[type[models.Model], int] = field(default_factory=dict)


def templates() -> Templates:
    from registry.models import Deployment
    from usecases.models import UseCase

    deployed = set(Deployment.objects.values_list("use_case_id", flat=True))
    ids = list(UseCase.objects.order_by("pk").values_list("pk", flat=True))
    order = ids + [pk for pk in ids if pk in deployed] * (DEPLOYED_WEIGHT - 1)
    rows: dict[type[models.Model], dict[int, list[dict[str, Any]]]] = {}
    next_id = {}
    for model, path in cloned_models():
        by_use_case: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for row in model.objects.annotate(_use_case=models.F(path)).values():
            by_use_case[row.pop("_use_case")].append(row)
        rows[model] = by_use_case
        top = model.objects.aggregate(top=models.Max("pk"))["top"] or 0
        next_id[model] = top + 1
    return Templates(order=order, rows=rows, next_id=next_id)


def _foreign_keys(model: type[models.Model], targets: set) -> list[tuple[str, Any]]:
    return [
        (f.attname, f.related_model)
        for f in model._meta.concrete_fields
        if f.is_relation and f.related_model in targets
    ]


def member_pools(count: int) -> list[dict[int, int]]:
    """For every hundred use cases to copy, one more holder of each council role: each pool
    maps the demo's holders to their counterparts."""
    from django.contrib.auth import get_user_model

    from council.models import RoleAssignment

    user_model = get_user_model()
    holders = list(RoleAssignment.objects.active().exclude(role="auditor"))
    names = dict(
        user_model.objects.filter(pk__in={h.user_id for h in holders}).values_list("pk", "username")
    )
    pools: list[dict[int, int]] = []
    for number in range(max(1, count // USE_CASES_PER_MEMBER)):
        members = {
            pk: user_model(username=f"bench.{name}.{number}", password="!")
            for pk, name in names.items()
        }
        user_model.objects.bulk_create(members.values())
        pools.append({pk: member.pk for pk, member in members.items()})
    RoleAssignment.objects.bulk_create(
        [
            RoleAssignment(user_id=pool[h.user_id], role=h.role, starts_on=h.starts_on)
            for pool in pools
            for h in holders
        ],
        batch_size=INSERT_BATCH,
    )
    return pools


def copies(
    t: Templates, count: int, pools: list[dict[int, int]]
) -> Iterator[dict[type[models.Model], list[models.Model]]]:
    """Batches of new rows for `count` copies of use cases, model by model."""
    from django.contrib.auth import get_user_model

    from registry.models import Deployment
    from usecases.models import UseCase

    order = cycle(t.order)
    cloned = set(t.rows)
    keys = {model: _foreign_keys(model, cloned) for model in t.rows}
    people = {model: _foreign_keys(model, {get_user_model()}) for model in t.rows}
    done = 0
    while done < count:
        batch: dict[type[models.Model], list[models.Model]] = defaultdict(list)
        for template in islice(order, min(COPIES_PER_BATCH, count - done)):
            new_ids: dict[Any, dict[int, int]] = defaultdict(dict)
            pool = pools[done % len(pools)]
            for model, by_use_case in t.rows.items():
                for row in by_use_case.get(template, ()):
                    new = dict(row)
                    new["id"] = t.next_id[model]
                    t.next_id[model] += 1
                    new_ids[model][row["id"]] = new["id"]
                    for attname, target in keys[model]:
                        if new[attname] is not None:
                            new[attname] = new_ids[target].get(new[attname], new[attname])
                    for attname, _ in people[model]:
                        new[attname] = pool.get(new[attname], new[attname])
                    if model is UseCase:
                        new["reference"] = f"UC-B{new['id']:07d}"
                        new["title"] = f"{row['title']} ({new['id']})"
                    elif model is Deployment:
                        new["reference"] = f"AI-B{new['id']:07d}"
                        new["name"] = f"{row['name']} ({new['id']})"
                        new["import_key"] = None
                    batch[model].append(model(**new))
            done += 1
        yield batch


def audit_rows(use_cases: list[tuple[int, str]], actor: tuple[int, str]) -> Iterator[tuple]:
    """Ten chained events for each new use case, after the chain's head."""
    from audit.models import AuditEvent
    from audit.verify import event_hash

    head = AuditEvent.objects.order_by("-seq").values("seq", "at", "hash").first()
    seq, at, prev_hash = head["seq"], head["at"], head["hash"]
    for use_case_id, reference in use_cases:
        for action in AUDIT_ACTIONS[:AUDIT_EVENTS_PER_COPY]:
            seq += 1
            at += timedelta(milliseconds=3)
            event = {
                "seq": seq,
                "at": at.isoformat(),
                "actor": actor[0],
                "actor_username": actor[1],
                "action": action,
                "object_type": "usecases.usecase",
                "object_id": str(use_case_id),
                "object_ref": reference,
                "changes": {"state": [None, "submitted"], "note": [None, f"bench event {seq}"]},
            }
            digest = event_hash(prev_hash, event)
            yield (
                seq, at if connection.vendor == "postgresql" else str(at.replace(tzinfo=None)),
                actor[0], actor[1], action, event["object_type"], event["object_id"], reference,
                json.dumps(event["changes"]), prev_hash, digest,
            )  # fmt: skip
            prev_hash = digest


def audit_insert(rows: Iterator[tuple]) -> int:
    sql = (
        f"INSERT INTO audit_auditevent ({', '.join(AUDIT_COLUMNS)})"
        f" VALUES ({', '.join(['%s'] * len(AUDIT_COLUMNS))})"
    )
    count = 0
    with connection.cursor() as cursor:
        while batch := list(islice(rows, 20_000)):
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def build(use_cases: int, log=print) -> dict[str, int]:
    """Grow the seeded demo to `use_cases` use cases; returns the rows of each table."""
    from django.contrib.auth import get_user_model
    from django.core.management.color import no_style

    from reviews.loads import loads_recount
    from usecases.models import UseCase

    wanted = use_cases - UseCase.objects.count()
    t = templates()
    chair = get_user_model().objects.values_list("pk", "username").get(username="chair")
    inserted: dict[str, int] = defaultdict(int)
    started = time.perf_counter()
    pools = member_pools(wanted)
    for batch in copies(t, max(wanted, 0), pools):
        with transaction.atomic():
            for model, objects in batch.items():
                model.objects.bulk_create(objects, batch_size=INSERT_BATCH)
                inserted[model._meta.db_table] += len(objects)
            new = [(o.pk, o.reference) for o in batch[UseCase]]
            inserted["audit_auditevent"] += audit_insert(audit_rows(new, chair))
        log(
            f"  {inserted['usecases_usecase']:,} use cases copied"
            f" ({time.perf_counter() - started:.0f} s)"
        )
    loads_recount()  # the members' loads, which the services keep, counted from the copies
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), list(t.rows)):
            cursor.execute(statement)
    settle()
    return table_sizes()


def settle() -> None:
    """On PostgreSQL, the tables as autovacuum leaves a database in service: planner statistics
    (ANALYZE) and visibility maps (VACUUM; without them no count reads an index alone). Run after
    a build, and before measuring a kept database, which the last run's exports wrote to."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # VACUUM cannot run inside a transaction (a test's): there, the statistics alone.
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")


def table_sizes() -> dict[str, int]:
    from audit.models import AuditEvent
    from registry.models import Deployment
    from reviews.models import Review, Vote
    from usecases.models import UseCase, UseCaseUserObjectPermission

    return {
        "use cases": UseCase.objects.count(),
        "registry entries": Deployment.objects.count(),
        "reviews": Review.objects.count(),
        "votes": Vote.objects.count(),
        "permission rows": UseCaseUserObjectPermission.objects.count(),
        "audit events": AuditEvent.objects.count(),
    }
