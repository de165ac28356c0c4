"""Pages that read across the council for one reader: everyone's home page, the chair's pipeline, the
council's dashboard.

Each page reads in a constant number of queries: rows are fetched in bulk, never per item.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from common.errors import refuse
from common.pages import refusals_answered
from council.selectors import dashboard_read_refusal, is_chair

from .forms import PipelineFilterForm
from .pipeline import review_pipeline
from .selectors import home_page
from .snapshots import dashboard_snapshot
from .tasks import dashboard_refresh


def home(request):
    return render(request, "oversight/home.html", home_page(user=request.user))


# ---- the chair's pipeline ----------------------------------------------------------------------


@require_GET
def pipeline(request):
    if not is_chair(request.user):
        raise PermissionDenied("Only the chair sees the council's pipeline.")
    form = PipelineFilterForm(request.GET)
    choice = form.choice()
    pipeline = review_pipeline(
        choice=choice,
        today=timezone.localdate(),
        viewer=request.user,
        page_number=request.GET.get("page"),
    )
    context = {
        "pipeline": pipeline,
        "form": form,
        "filtered": choice.filtered,
        "here": request.get_full_path(),
    }
    return render(request, "oversight/pipeline.html", context)


# ---- the council's dashboard -------------------------------------------------------------------


@require_GET
@refusals_answered(back=lambda request, **_: reverse("home"))
def dashboard(request):
    refuse(dashboard_read_refusal(request.user))
    snapshot = dashboard_snapshot(user=request.user, queue_refresh=dashboard_refresh.delay)
    return render(
        request,
        "oversight/dashboard.html",
        {"dashboard": snapshot.dashboard, "snapshot": snapshot},
    )
