from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("govhall.core.urls")),
    path("org/", include("govhall.org.urls")),
    path("guide/", include("govhall.catalog.urls")),
    path("cases/", include("govhall.cases.urls")),
    path("supervision/", include("govhall.supervision.urls")),
    path("api/v1/", include("govhall.api.urls")),
    path("", include("govhall.portal.urls")),
]
