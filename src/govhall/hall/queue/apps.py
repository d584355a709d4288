from django.apps import AppConfig


class QueueConfig(AppConfig):
    name = "govhall.hall.queue"
    label = "hall_queue"
    verbose_name = "排队叫号"
