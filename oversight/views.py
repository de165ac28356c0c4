"""Pages that read across the council for one reader: everyone's home page, the chair's pipeline, the
council's dashboard.

Each page reads in a constant number of queries: rows are fetched in bulk, never per item.
"""

from collections import defaultdict

from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from common.errors import refuse
from common.pages import refusals_answered
from council.models import CouncilRole, role_labels
from council.selectors import dashboard_read_refusal, is_chair
from reviews import rules
from reviews.models import Assignment, Vote

from .dashboard import dashboard_read
from .selectors import home_page, review_pipeline

ROLE_LABELS = dict(CouncilRole.choices)


def home(request):
    return render(request, "oversight/home.html", home_page(user=request.user))


# ---- the chair's pipeline ----------------------------------------------------------------------

PIPELINE_GROUPS = (
    ("awaiting_assignment", "Awaiting assignment", "A required role has no active reviewer."),
    ("voting", "Voting", "Every role has a reviewer; not every required role has voted yet."),
    (
        "ready",
        "Ready for a chair decision",
        "Every required role has voted, but the votes and the checklist did not settle it, or a "
        "reject proposes a rejection that only the chair confirms or overturns.",
    ),
)


@require_GET
def pipeline(request):
    if not is_chair(request.user):
        raise PermissionDenied("Only the chair sees the council's pipeline.")
    today = timezone.localdate()
    reviews = list(review_pipeline())
    open_reviews = review_pipeline().values("pk")
    reviewers = defaultdict(dict)  # review id -> role -> (reviewer id, username)
    for review_id, role, reviewer_id, username in Assignment.objects.filter(
        review__in=open_reviews, recused=False
    ).values_list("review_id", "role", "reviewer_id", "reviewer__username"):
        reviewers[review_id][role] = (reviewer_id, username)
    voters = defaultdict(set)
    for review_id, reviewer_id in Vote.objects.filter(
        review__in=open_reviews, current=True, revision=F("review__revision")
    ).values_list("review_id", "reviewer_id"):
        voters[review_id].add(reviewer_id)

    groups = {key: [] for key, _, _ in PIPELINE_GROUPS}
    for review in reviews:
        assigned = reviewers[review.pk]
        votes = {
            role: "voted"
            for role, (reviewer_id, _) in assigned.items()
            if role in review.required_roles and reviewer_id in voters[review.pk]
        }
        unassigned = [role for role in review.required_roles if role not in assigned]
        waiting = [
            f"{ROLE_LABELS.get(role, role)} ({assigned[role][1]})"
            for role in review.required_roles
            if role in assigned and role not in votes
        ]
        if unassigned:
            key = "awaiting_assignment"
        elif rules.all_required_voted(required=review.required_roles, votes=votes):
            key = "ready"
        else:
            key = "voting"
        groups[key].append(
            {
                "review": review,
                "age": (today - timezone.localdate(review.opened_at)).days,
                "deadline": rules.deadline(review.due_date, today),
                "unassigned": role_labels(unassigned),
                "waiting": waiting,
                "voted": len(votes),
                "required": len(review.required_roles),
            }
        )
    context = {
        "groups": [
            {"key": key, "title": title, "hint": hint, "rows": groups[key]}
            for key, title, hint in PIPELINE_GROUPS
        ],
        "total": len(reviews),
    }
    return render(request, "oversight/pipeline.html", context)


# ---- the council's dashboard -------------------------------------------------------------------


@require_GET
@refusals_answered(back=lambda request, **_: reverse("home"))
def dashboard(request):
    refuse(dashboard_read_refusal(request.user))
    return render(
        request, "oversight/dashboard.html", {"dashboard": dashboard_read(user=request.user)}
    )
