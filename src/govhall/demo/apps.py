from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo centre loader (`govhall seed_demo`); sits above every context, like portal."""

    name = "govhall.demo"
    label = "demo"
    verbose_name = "演示数据"
