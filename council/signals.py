from typing import Any

from django.contrib.auth.models import User
from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

from .services import api_tokens_revoke


@receiver(user_logged_out)
def revoke_api_tokens_at_logout(sender: object, user: User | None = None, **kwargs: Any) -> None:
    """Logging out, from a page or the API, revokes the user's API tokens too."""
    if user is not None:
        api_tokens_revoke(actor=user)
