from django.urls import include, path

urlpatterns = [
    path("accounts/", include("govhall.core.account_urls")),
    path("calendar/", include("govhall.core.calendar_urls")),
]
