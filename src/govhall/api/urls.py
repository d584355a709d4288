from django.urls import path

from govhall.api.api import api

urlpatterns = [path("", api.urls)]
