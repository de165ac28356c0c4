from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver

from .services import audit_record


@receiver(user_login_failed)
def record_login_failure(sender, credentials, request=None, **kwargs):
    # Only the username is kept: never the password that was tried.
    audit_record(
        actor=None,
        action="login_failed",
        object_type="auth.user",
        object_ref=str(credentials.get("username", ""))[:64],
    )
