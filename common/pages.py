"""What the pages of every app share: the services' refusals turned into answers people read."""

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext

from common import idempotency
from common.errors import ActionForbidden, StaleEdit, TransitionNotAllowed


def back_to(url_name: str) -> Callable[..., str]:
    """The page of the object the view's `pk` names, e.g. back_to("usecases:detail")."""
    return lambda request, pk, **_: reverse(url_name, args=[pk])


def refusals_answered(back: Callable[..., str]):
    """Decorate a page view: a forbidden action answers 403; an action the object's state does
    not allow sends the user back to the page `back(request, **view_kwargs)` with the reason."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                return view(request, *args, **kwargs)
            except ActionForbidden as error:
                raise PermissionDenied(error.message) from error
            except TransitionNotAllowed as error:
                messages.error(request, error.message)
                return redirect(back(request, **kwargs))

        return wrapper

    return decorate


#: The hidden field that carries a form's one-time token ({% once_token %}, common/templatetags).
ONCE_FIELD = "once_token"


def once_per_form(view):
    """Decorate a page view that creates something (under `refusals_answered`): a POST carrying
    the form's one-time token is done once. The same token again (a double click, the browser
    sending the form again) goes where the first went, with a message, and records nothing more.
    Only a POST answered with a redirect uses the token up: a form shown again with its errors
    can be corrected and sent again. (common/idempotency.py: claimed in the action's transaction.)
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        token = request.POST.get(ONCE_FIELD, "") if request.method == "POST" else ""
        if not token or len(token) > idempotency.KEY_MAX or not request.user.is_authenticated:
            return view(request, *args, **kwargs)
        with transaction.atomic():
            try:
                claimed = idempotency.claim(
                    user=request.user, key=token, endpoint=f"POST {request.path}"
                )
            except idempotency.KeyReused:  # a token of another form: a new form is needed
                messages.error(request, gettext("This form had expired. Please fill it in again."))
                return redirect(request.get_full_path())
            if isinstance(claimed, idempotency.Earlier):
                messages.info(
                    request, gettext("This form had already been sent: it was recorded once.")
                )
                return redirect(claimed.response["location"])
            response = view(request, *args, **kwargs)
            if response.status_code in (301, 302, 303):
                idempotency.complete(
                    claimed,
                    status=response.status_code,
                    response={"location": response["Location"]},
                )
            else:
                claimed.delete()
        return response

    return wrapper


def posted(request):
    """The form data of a POST, or None for a GET (the form then shows empty or prefilled)."""
    return request.POST if request.method == "POST" else None


def saved_or_none(form, save: Callable):
    """What `save(form.cleaned_data)` returns, or None with every problem next to the form's
    fields (the form's own, the service's ValidationError, a save over a newer version)."""
    if not form.is_valid():
        return None
    try:
        return save(form.cleaned_data)
    except ValidationError as error:
        form.add_service_errors(error)
    except StaleEdit as error:
        form.add_stale_edit(error)
    return None
