"""The references a page is measured against, in the same run (issue 14, point 1).

- `trivial`: a view that reads nothing (the cost of Django's request path: middleware, session,
  authentication);
- one minimal view per list, written by hand in SQL: the same page of 50 rows in the same order,
  with the same visibility rule and the same capped count (`common.paging.COUNT_CAP`), answered
  as JSON.

They are served under `/bench-ref/` by `bench.urls`, through the same middleware as the app.
"""

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.urls import path
from django.utils import timezone

from common.paging import COUNT_CAP

PAGE = 50
SEE_ALL_SUBMITTED = ("chair", "auditor")


@login_not_required
def trivial(request):
    return HttpResponse("ok")


def _rows(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _page(select: str, from_where: str, order: str, params: list) -> JsonResponse:
    rows = _rows(f"SELECT {select} {from_where} ORDER BY {order} LIMIT {PAGE + 1}", params)
    (count,) = _rows(
        f"SELECT COUNT(*) FROM (SELECT 1 {from_where} LIMIT {COUNT_CAP + 1}) AS capped", params
    )[0]
    return JsonResponse({"count": count, "more": len(rows) > PAGE, "rows": rows[:PAGE]}, safe=False)


def _visible(user) -> tuple[str, list]:
    """The use-case visibility rule (usecases.selectors.usecase_visible_q) by hand, on `uc`."""
    today = timezone.localdate()
    roles = {
        role
        for (role,) in _rows(
            "SELECT role FROM council_roleassignment WHERE user_id = %s AND starts_on <= %s"
            " AND (ends_on IS NULL OR ends_on >= %s)",
            [user.pk, today, today],
        )
    }
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


def use_cases(request):
    rule, params = _visible(request.user)
    return _page(
        "uc.id, uc.reference, uc.title, uc.state, uc.risk_tier, t.name, uc.updated_at",
        "FROM usecases_usecase uc JOIN council_team t ON t.id = uc.team_id WHERE " + rule,
        "uc.updated_at DESC, uc.id DESC",
        params,
    )


def registry(request):
    rule, params = _visible(request.user)
    return _page(
        "d.id, d.reference, d.name, d.stage, d.risk_tier, d.next_review_due, uc.reference",
        "FROM registry_deployment d JOIN usecases_usecase uc ON uc.id = d.use_case_id WHERE "
        + rule,
        "d.reference",
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
    *_app_urls(),
]
