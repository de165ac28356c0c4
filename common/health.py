"""`GET /healthz`: whether the database and the task broker answer (SPEC section 12)."""

# The project's Celery app is the current one once Django's settings load (config/__init__.py
# creates it); reading it through celery keeps this module free of the project's packages.
from celery import current_app as celery_app
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.http import require_GET


@login_not_required
@require_GET
def healthz(request):
    """200 with the state of the database and the broker (SPEC section 12)."""
    checks = {"database": _database_ok(), "broker": _broker_ok()}
    status = 200 if checks["database"] == "ok" else 503
    return JsonResponse({"status": "ok" if status == 200 else "degraded", **checks}, status=status)


def _database_ok() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as error:  # noqa: BLE001  (a health check reports every failure)
        return f"error: {error.__class__.__name__}"


def _broker_ok() -> str:
    if celery_app.conf.task_always_eager:
        return "ok (tasks run in-process)"
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return "ok"
    except Exception as error:  # noqa: BLE001
        return f"error: {error.__class__.__name__}"
