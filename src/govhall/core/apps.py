from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "govhall.core"
    label = "core"
    verbose_name = "基础"

    def ready(self) -> None:
        from govhall.core import checks  # noqa: F401  (registers system checks)
