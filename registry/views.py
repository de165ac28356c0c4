"""Pages of the registry. The public transparency page shows customers plain facts only."""

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from usecases.choices import MARKET_NAMES

from .selectors import deployments_published

NO_ESCALATION = "Ask any of our staff: a person will help you."
NO_DISCLOSURE = "Ask us and we will tell you where this tool is used."
# Only these columns are read: internal notes, people and teams never reach the page.
PUBLIC_FIELDS = (
    "reference", "name", "stage", "channels", "markets", "customer_disclosure",
    "last_review_date", "use_case__summary", "use_case__customer_disclosure",
    "use_case__human_escalation",
)  # fmt: skip


def _public_entry(deployment) -> dict:
    """The plain facts the public may read about one published entry."""
    use_case = deployment.use_case
    return {
        "reference": deployment.reference,
        "name": deployment.name,
        "in_trial": deployment.stage == "pilot",
        "what_it_does": use_case.summary,
        "channels": deployment.channel_labels,
        "markets": [MARKET_NAMES.get(market, market) for market in deployment.markets],
        "how_you_are_told": deployment.customer_disclosure
        or use_case.customer_disclosure
        or NO_DISCLOSURE,
        "reach_a_person": use_case.human_escalation or NO_ESCALATION,
        "last_reviewed": deployment.last_review_date,
    }


@login_not_required
@require_GET
def transparency(request):
    """SPEC section 9: every published, running, non-confidential entry, in plain words."""
    published = (
        deployments_published().select_related("use_case").only(*PUBLIC_FIELDS).order_by("name")
    )
    entries = [_public_entry(deployment) for deployment in published]
    return render(request, "registry/transparency.html", {"entries": entries})
