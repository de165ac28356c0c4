"""What the pages of every app share: the services' refusals turned into answers people read."""

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse

from common.errors import ActionForbidden, TransitionNotAllowed


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
