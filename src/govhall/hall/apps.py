from django.apps import AppConfig


class HallConfig(AppConfig):
    name = "govhall.hall"
    label = "hall"
    verbose_name = "大厅管理"
