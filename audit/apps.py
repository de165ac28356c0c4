from django.apps import AppConfig
from django.core import checks
from django.db.models.signals import post_migrate


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        # Connected once the app registry is ready, as Django asks of signal receivers.
        from . import signals  # noqa: F401, PLC0415  (login lockouts are audit events)
        from .roles import grant_app_role  # noqa: PLC0415
        from .signing import signing_key_problems  # noqa: PLC0415

        post_migrate.connect(grant_app_role, sender=self)
        checks.register(signing_key_problems, checks.Tags.security, deploy=True)
