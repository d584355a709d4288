from django.apps import AppConfig


class InquiriesConfig(AppConfig):
    name = "govhall.inquiries"
    label = "inquiries"
    verbose_name = "咨询投诉"
