from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "common"

    def ready(self) -> None:
        from . import lookups  # noqa: F401, PLC0415 (registers `__in_ids` once apps are loaded)
