from django.urls import path  # noqa: F401

app_name = "hall_queue"
urlpatterns: list = []
