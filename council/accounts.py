"""Accounts on the pages: what a locked-out login shows (django-axes calls it), and the
user's own API tokens."""

from axes.helpers import get_cool_off
from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from . import services
from .selectors import api_tokens_of


def lockout_page(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    """The login page's answer while a username is locked out from this address: 429."""
    cool_off = get_cool_off(request)
    minutes = round(cool_off.total_seconds() / 60) if cool_off else None
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "minutes": minutes}
    return render(request, "registration/locked_out.html", context, status=429)


class RevokeTokensForm(forms.Form):
    """Revoke one token (its number) or, without one, all of them."""

    token = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)


@never_cache
@require_http_methods(["GET", "POST"])
def api_tokens(request):
    """The user's API tokens: when each was issued and expires (never the token itself); POST
    issues a new one (shown once, on the page that answers: the way to a token for people who
    sign in with single sign-on and have no password here), or revokes one or all."""
    if request.method == "POST" and "issue" in request.POST:
        _, issued = services.api_token_issue(user=request.user)
        context = {
            "tokens": api_tokens_of(request.user),
            "form": RevokeTokensForm(),
            "issued": issued,
        }
        return render(request, "council/api_tokens.html", context)
    form = RevokeTokensForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        token_id = form.cleaned_data["token"]
        revoked = services.api_tokens_revoke(actor=request.user, token_id=token_id)
        if revoked:
            messages.success(
                request,
                ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", revoked)
                % {"count": revoked},
            )
        else:
            messages.error(request, gettext("There was no such token to revoke."))
        return redirect("account-api-tokens")
    context = {"tokens": api_tokens_of(request.user), "form": form}
    return render(request, "council/api_tokens.html", context, status=400 if form.errors else 200)
