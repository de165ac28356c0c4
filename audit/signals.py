from typing import Any

from axes.signals import user_locked_out
from django.dispatch import receiver
from django.http import HttpRequest

from .services import audit_record


@receiver(user_locked_out)
def record_lockout(
    sender: object,
    request: HttpRequest | None = None,
    username: str | None = None,
    ip_address: str | None = None,
    **kwargs: Any,
) -> None:
    """One event when a username is locked out (django-axes), not one per failed try: the tries
    are counted by axes in its own tables, so guessing cannot flood the trail. Axes signals again
    on each try during the lockout; only the failure that started it carries its count."""
    failures = getattr(request, "axes_failures_since_start", None)
    if failures is None:
        return
    # Only the username and the address are kept: never the password that was tried.
    audit_record(
        actor=None,
        action="login_locked_out",
        object_type="auth.user",
        object_ref=str(username or "")[:64],
        changes={
            "ip_address": [None, ip_address],
            "failures": [None, failures],
        },
    )
