from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "govhall.api"
    label = "api"
    verbose_name = "API"
