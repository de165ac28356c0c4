from collections.abc import Mapping
from typing import Any

from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from .services import audit_record


@receiver(user_login_failed)
def record_login_failure(
    sender: object,
    credentials: Mapping[str, Any],
    request: HttpRequest | None = None,
    **kwargs: Any,
) -> None:
    # Only the username is kept: never the password that was tried.
    audit_record(
        actor=None,
        action="login_failed",
        object_type="auth.user",
        object_ref=str(credentials.get("username", ""))[:64],
    )
