"""The public transparency pages (SPEC section 9): customers read plain facts about the AI tools
they meet, in the words the council approved, and may contest or complain (registry.pages takes
the complaint). They use their own layout: nothing of the staff application shows."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.validators import slug_re
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language, gettext, gettext_lazy
from django.views.decorators.http import require_GET

from usecases.markets import market_name

from .forms import ComplaintForm
from .models import Deployment
from .selectors import deployment_get_published, deployments_published, is_overdue

PUBLIC_PAGE_SIZE = 50
REFERENCE_LENGTH: int = Deployment._meta.get_field("reference").max_length or 0
NO_DISCLOSURE = gettext_lazy("Ask us and we will tell you where this tool is used.")
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
        "name": settings.ORGANISATION_NAME or gettext("Our organisation"),
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
        "channels": [gettext(label) for label in deployment.channel_labels],
        "markets": [market_name(market, get_language()) for market in deployment.markets],
        "how_you_are_told": deployment.customer_disclosure
        or use_case.customer_disclosure
        or NO_DISCLOSURE,
        "reach_a_person": use_case.human_escalation,
        "last_reviewed": deployment.last_review_date,
        "review_overdue": is_overdue(deployment),
    }


def _published():
    return deployments_published().select_related("use_case").only(*PUBLIC_FIELDS)


@dataclass(frozen=True)
class _KeysetPage:
    """One page of the list by reference, with the references its links start from ('' when
    there is no such page)."""

    deployments: list
    previous_before: str = ""
    next_after: str = ""
    first: bool = True


def _page_by_reference(
    published, *, after: str, before: str = "", size: int = PUBLIC_PAGE_SIZE
) -> _KeysetPage:
    """Keyset pages of `size` (no count, no offset): one query reads a page and one more entry,
    which says whether a further page exists; the cost stays that of one page however many
    entries are published, and no page number makes the server scan."""
    if before and not after:
        found = list(published.filter(reference__lt=before).order_by("-reference")[: size + 1])
        shown = found[:size][::-1]
        more_before = len(found) > size
        return _KeysetPage(
            shown,
            previous_before=shown[0].reference if more_before else "",
            next_after=shown[-1].reference if shown else "",
            first=not more_before,
        )
    if after:
        published = published.filter(reference__gt=after)
    found = list(published.order_by("reference")[: size + 1])
    shown = found[:size]
    return _KeysetPage(
        shown,
        previous_before=shown[0].reference if after and shown else "",
        next_after=shown[-1].reference if len(found) > size else "",
        first=not after,
    )


def _is_reference(text: str) -> bool:
    return len(text) <= REFERENCE_LENGTH and slug_re.fullmatch(text) is not None


@login_not_required
@require_GET
def transparency(request):
    """Every published, running, non-confidential entry whose wording the council approved, a
    page at a time in the order of their references."""
    after, before = request.GET.get("after", ""), request.GET.get("before", "")
    if refusal := _cursor_refusal(after, before):
        return refusal
    page = _page_by_reference(_published(), after=after, before=before)
    context = {
        "entries": [_public_entry(deployment) for deployment in page.deployments],
        "page": page,
        "organisation": organisation(),
    }
    return render(request, "registry/transparency.html", context)


REGISTER_PAGE_SIZE = 500
REGISTER_SCHEMA = "transparency-register/1"


def _cursor_refusal(*cursors: str) -> HttpResponseBadRequest | None:
    if all(_is_reference(cursor) for cursor in cursors if cursor):
        return None
    return HttpResponseBadRequest(
        gettext("This page address is not one of ours: start again from the first page."),
        content_type="text/plain; charset=utf-8",
    )


def _register_entry(request, deployment) -> dict:
    """A published entry as the machine-readable register gives it: the page's facts, with
    its stable page and where to contest a decision."""
    page = request.build_absolute_uri(reverse("transparency-tool", args=[deployment.reference]))
    return {**_public_entry(deployment), "url": page, "contest_url": f"{page}#complaint"}


@login_not_required
@require_GET
def transparency_register(request):
    """`/transparency/registry.json`: the public pages as data (docs/formats.md), a page of
    REGISTER_PAGE_SIZE entries at a time by reference, `next` linking the following one."""
    after = request.GET.get("after", "")
    if refusal := _cursor_refusal(after):
        return refusal
    page = _page_by_reference(_published(), after=after, size=REGISTER_PAGE_SIZE)
    following = ""
    if page.next_after:
        following = request.build_absolute_uri(
            f"{reverse('transparency-register')}?{urlencode({'after': page.next_after})}"
        )
    who = organisation()
    register = {
        "schema": REGISTER_SCHEMA,
        "organisation": {
            "name": who["name"],
            "contact": who["contact"],
            "privacy_notice": who["privacy_url"],
        },
        "entries": [_register_entry(request, deployment) for deployment in page.deployments],
        "next": following or None,
    }
    return JsonResponse(register, json_dumps_params={"ensure_ascii": False})


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
