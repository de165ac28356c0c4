"""The references a page is measured against, in the same run (issue 14, point 1).

- `trivial`: a view that reads nothing (the cost of Django's request path: middleware, session,
  authentication);
- one minimal view per list, written by hand in SQL: the same page of 50 rows in the same order,
  with the same visibility rule and the same capped count (`common.paging.COUNT_CAP`), answered
  as JSON. For a page, the columns it shows; for an API endpoint, every field its serializer
  answers (JSON columns decoded, many-to-many ids in one more query), so that both answer the
  same data.

They are served under `/bench-ref/` by `bench.urls`, through the same middleware as the app.
"""

import json

from django.contrib.auth.decorators import login_not_required
from django.db import connection, models
from django.http import HttpResponse, HttpResponseForbidden, JsonResponse
from django.urls import path
from django.utils import timezone

from common.paging import COUNT_CAP

PAGE = 50
SEE_ALL_SUBMITTED = ("chair", "auditor")
RECORD_READERS = ("auditor", "chair")


@login_not_required
def trivial(request):
    return HttpResponse("ok")


def _rows(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _page_sql(select: str, from_where: str, order: str) -> str:
    """One page and one row more (is there a next page?), in the list's order."""
    return f"SELECT {select} {from_where} ORDER BY {order} LIMIT {PAGE + 1}"


def _capped_count(from_where: str, params: list) -> int:
    (count,) = _rows(
        f"SELECT COUNT(*) FROM (SELECT 1 {from_where} LIMIT {COUNT_CAP + 1}) AS capped", params
    )[0]
    return count


def _page(select: str, from_where: str, order: str, params: list) -> JsonResponse:
    rows = _rows(_page_sql(select, from_where, order), params)
    count = _capped_count(from_where, params)
    return JsonResponse({"count": count, "more": len(rows) > PAGE, "rows": rows[:PAGE]}, safe=False)


def _roles(user) -> set[str]:
    """The council roles the user holds today."""
    today = timezone.localdate()
    return {
        role
        for (role,) in _rows(
            "SELECT role FROM council_roleassignment WHERE user_id = %s AND starts_on <= %s"
            " AND (ends_on IS NULL OR ends_on >= %s)",
            [user.pk, today, today],
        )
    }


def _refused_unless_record_reader(user) -> HttpResponseForbidden | None:
    """The audit trail's rule (council.selectors.is_exporter): auditors and the chair only."""
    return None if _roles(user) & set(RECORD_READERS) else HttpResponseForbidden()


def _visible(user) -> tuple[str, list]:
    """The use-case visibility rule (usecases.selectors.usecase_visible_q) by hand, on `uc`."""
    today = timezone.localdate()
    roles = _roles(user)
    granted = (
        "SELECT p.content_object_id FROM usecases_usecaseuserobjectpermission p"
        " JOIN auth_permission ap ON ap.id = p.permission_id"
        " WHERE p.user_id = %s AND ap.codename = 'view_usecase'"
    )
    rule = (
        "(uc.team_id IN (SELECT team_id FROM council_teammembership WHERE user_id = %s"
        " AND starts_on <= %s AND (ends_on IS NULL OR ends_on >= %s))"
        f" OR uc.business_owner_id = %s OR (uc.state <> 'draft' AND uc.id IN ({granted}))"
    )
    params = [user.pk, today, today, user.pk, user.pk]
    if roles & set(SEE_ALL_SUBMITTED):
        rule += " OR uc.state <> 'draft'"
    elif roles - {"auditor"}:
        rule += " OR (uc.state <> 'draft' AND NOT uc.confidential)"
    return rule + ")", params


# The lists a page and an API endpoint both read: their tables and their order.
USE_CASES_FROM, USE_CASES_ORDER = "FROM usecases_usecase uc", "uc.updated_at DESC, uc.id DESC"
REGISTRY_FROM = "FROM registry_deployment d JOIN usecases_usecase uc ON uc.id = d.use_case_id"
REGISTRY_ORDER = "d.reference"


def use_cases(request):
    rule, params = _visible(request.user)
    return _page(
        "uc.id, uc.reference, uc.title, uc.state, uc.risk_tier, t.name, uc.updated_at",
        f"{USE_CASES_FROM} JOIN council_team t ON t.id = uc.team_id WHERE {rule}",
        USE_CASES_ORDER,
        params,
    )


def registry(request):
    rule, params = _visible(request.user)
    return _page(
        "d.id, d.reference, d.name, d.stage, d.risk_tier, d.next_review_due, uc.reference",
        f"{REGISTRY_FROM} WHERE {rule}",
        REGISTRY_ORDER,
        params,
    )


def review_queue(request):
    mine = "SELECT review_id FROM reviews_assignment WHERE reviewer_id = %s AND NOT recused"
    return _page(
        "r.id, r.kind, r.due_date, uc.reference, uc.title, t.name",
        "FROM reviews_review r JOIN usecases_usecase uc ON uc.id = r.use_case_id"
        " JOIN council_team t ON t.id = uc.team_id"
        f" WHERE r.state = 'open' AND r.id IN ({mine})",
        "r.due_date, r.opened_at, r.id",
        [request.user.pk],
    )


def audit_trail(request):
    if refused := _refused_unless_record_reader(request.user):
        return refused
    return _page(
        "e.seq, e.at, e.actor_username, e.action, e.object_type, e.object_ref",
        "FROM audit_auditevent e",
        "e.seq DESC",
        [],
    )


@login_not_required
def transparency(request):
    rows = _rows(
        "SELECT d.reference, d.public_name, d.public_description, d.channels"
        " FROM registry_deployment d WHERE d.published ORDER BY d.reference"
        f" LIMIT {PAGE + 1}",
        [],
    )
    return JsonResponse({"more": len(rows) > PAGE, "rows": rows[:PAGE]}, safe=False)


# --- API endpoints: every field the serializer answers ----------------------------------------


def _dicts(sql: str, params: list) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]  # DB-API: the name comes first
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _api_page(
    model, alias: str, fields, from_where: str, order: str, params: list, computed=None
) -> JsonResponse:
    """A page of the API as DRF pages it (count, next, previous, results), each row holding
    `fields`: a stored column as stored (JSON decoded), `computed` ones from their own SQL,
    many-to-many ones as lists of ids."""
    computed = computed or {}
    columns, many = [], []
    for name in fields:
        if name in computed:
            columns.append(f"{computed[name]} AS {name}")
            continue
        field = model._meta.get_field(name)
        if field.many_to_many:
            many.append(field)
        else:
            columns.append(f"{alias}.{field.column} AS {name}")
    rows = _dicts(_page_sql(", ".join(columns), from_where, order), params)
    count = _capped_count(from_where, params)
    decoded = [f.name for f in model._meta.concrete_fields if isinstance(f, models.JSONField)]
    for row in rows:
        for name in decoded:
            if isinstance(row.get(name), str):
                row[name] = json.loads(row[name])
    for field in many:
        through = field.remote_field.through._meta
        mine, theirs = field.m2m_column_name(), field.m2m_reverse_name()
        ids = [row["id"] for row in rows[:PAGE]] or [0]
        linked: dict[int, list[int]] = {}
        for owner, other in _rows(
            f"SELECT {mine}, {theirs} FROM {through.db_table} WHERE {mine} IN"
            f" ({', '.join(['%s'] * len(ids))}) ORDER BY {theirs}",
            ids,
        ):
            linked.setdefault(owner, []).append(other)
        for row in rows:
            row[field.name] = linked.get(row["id"], [])
    more = "?page=2" if len(rows) > PAGE else None
    return JsonResponse({"count": count, "next": more, "previous": None, "results": rows[:PAGE]})


def api_use_cases(request):
    from usecases.models import UseCase
    from usecases.serializers import UseCaseSerializer

    rule, params = _visible(request.user)
    return _api_page(
        UseCase,
        "uc",
        UseCaseSerializer.Meta.fields,
        f"{USE_CASES_FROM} WHERE {rule}",
        USE_CASES_ORDER,
        params,
    )


def api_registry(request):
    from registry.models import Deployment
    from registry.serializers import DeploymentSerializer

    rule, params = _visible(request.user)
    return _api_page(
        Deployment,
        "d",
        DeploymentSerializer.Meta.fields,
        f"{REGISTRY_FROM} WHERE {rule}",
        REGISTRY_ORDER,
        params,
        computed={
            "use_case_reference": "uc.reference",
            "team": "uc.team_id",
            "overdue": f"(d.stage <> 'retired' AND d.next_review_due < '{timezone.localdate()}')",
            "open_incidents": "(SELECT COUNT(*) FROM registry_incident i"
            " WHERE i.deployment_id = d.id AND i.status <> 'resolved')",
        },
    )


def api_audit_events(request):
    from audit.models import AuditEvent
    from oversight.audit_serializers import AuditEventSerializer

    if refused := _refused_unless_record_reader(request.user):
        return refused
    return _api_page(
        AuditEvent,
        "e",
        AuditEventSerializer.Meta.fields,
        "FROM audit_auditevent e",
        "e.seq",
        [],
    )


def _app_urls() -> list:
    from config.urls import urlpatterns as app

    return list(app)


urlpatterns = [
    path("bench-ref/trivial/", trivial),
    path("bench-ref/use-cases/", use_cases),
    path("bench-ref/registry/", registry),
    path("bench-ref/reviews/", review_queue),
    path("bench-ref/audit/", audit_trail),
    path("bench-ref/transparency/", transparency),
    path("bench-ref/api-use-cases/", api_use_cases),
    path("bench-ref/api-registry/", api_registry),
    path("bench-ref/api-audit-events/", api_audit_events),
    *_app_urls(),
]
