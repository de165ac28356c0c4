"""The public transparency pages (SPEC section 9): customers read plain facts about the AI tools
they meet, in the words the council approved, and may contest or complain (registry.pages takes
the complaint). They use their own layout: nothing of the staff application shows."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from usecases.choices import MARKET_NAMES

from .forms import ComplaintForm
from .selectors import deployment_get_published, deployments_published, is_overdue

NO_DISCLOSURE = "Ask us and we will tell you where this tool is used."
# Only these columns are read: internal names and notes, people and teams never reach the pages.
PUBLIC_FIELDS = (
    "reference", "stage", "channels", "markets", "customer_disclosure", "last_review_date",
    "next_review_due", "public_name_approved", "public_description_approved",
    "use_case__customer_disclosure", "use_case__human_escalation",
)  # fmt: skip


def organisation() -> dict[str, str]:
    """Who the pages speak for (settings), with the contact as a link."""
    contact = settings.ORGANISATION_CONTACT
    if contact and "@" in contact and ":" not in contact:
        contact_url = f"mailto:{contact}"
    else:
        contact_url = contact
    return {
        "name": settings.ORGANISATION_NAME or "Our organisation",
        "contact": contact,
        "contact_url": contact_url,
        "privacy_url": settings.ORGANISATION_PRIVACY_URL,
    }


def _public_entry(deployment) -> dict:
    """The plain facts the public may read about one published entry."""
    use_case = deployment.use_case
    return {
        "reference": deployment.reference,
        "name": deployment.public_name_approved,
        "in_trial": deployment.stage == "pilot",
        "what_it_does": deployment.public_description_approved,
        "channels": deployment.channel_labels,
        "markets": [MARKET_NAMES.get(market, market) for market in deployment.markets],
        "how_you_are_told": deployment.customer_disclosure
        or use_case.customer_disclosure
        or NO_DISCLOSURE,
        "reach_a_person": use_case.human_escalation,
        "last_reviewed": deployment.last_review_date,
        "review_overdue": is_overdue(deployment),
    }


def _published():
    return deployments_published().select_related("use_case").only(*PUBLIC_FIELDS)


@login_not_required
@require_GET
def transparency(request):
    """Every published, running, non-confidential entry whose wording the council approved."""
    entries = [_public_entry(deployment) for deployment in _published().order_by("reference")]
    return render(
        request,
        "registry/transparency.html",
        {"entries": entries, "organisation": organisation()},
    )


def render_tool(request, deployment, *, form=None, refusal: str = "", status: int = 200):
    """One tool's stable public page, with the complaint form (bound when it failed)."""
    context = {
        "entry": _public_entry(deployment),
        "organisation": organisation(),
        "form": form or ComplaintForm(),
        "refusal": refusal,
    }
    return render(request, "registry/transparency_tool.html", context, status=status)


@login_not_required
@require_GET
def transparency_tool(request, reference):
    deployment = deployment_get_published(reference)
    return render_tool(request, deployment)
