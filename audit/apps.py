from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        # Connected once the app registry is ready, as Django asks of signal receivers.
        from . import signals  # noqa: F401, PLC0415  (login lockouts are audit events)
