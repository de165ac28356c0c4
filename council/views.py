from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from config.celery import app as celery_app

from .models import Notification
from .notifications import mark_read, unread_count


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


def home(request):
    from usecases.selectors import usecase_dashboard

    return render(request, "council/home.html", usecase_dashboard(user=request.user))


def notifications(request):
    """The in-app list; POST marks one (id) or all as read."""
    if request.method == "POST":
        ids = None if request.POST.get("all") else request.POST.getlist("id")
        mark_read(user=request.user, notification_ids=ids)
        return redirect("notifications")
    page = Paginator(Notification.objects.filter(user=request.user), 25).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "council/notifications.html",
        {"page_obj": page, "unread": unread_count(request.user)},
    )
