from django.apps import AppConfig


class CouncilConfig(AppConfig):
    name = "council"
    verbose_name = "Organisation and council"

    def ready(self) -> None:
        # Connected once the app registry is ready, as Django asks of signal receivers.
        from . import signals  # noqa: F401, PLC0415  (logging out revokes API tokens)
