from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Integrations (webhooks, chat)"

    def ready(self) -> None:
        # Connected once the app registry is ready, as Django asks of signal receivers.
        from . import events  # noqa: F401, PLC0415  (audit events become webhook deliveries)
