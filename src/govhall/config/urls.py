from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("govhall.core.urls")),
    path("org/", include("govhall.org.urls")),
    path("guide/", include("govhall.catalog.urls")),
    path("cases/", include("govhall.cases.urls")),
    path("supervision/", include("govhall.supervision.urls")),
    path("ratings/", include("govhall.ratings.urls")),
    path("inquiries/", include("govhall.inquiries.urls")),
    path("hall/", include("govhall.hall.queue.urls")),
    path("hall/", include("govhall.hall.urls")),
    path("staffing/", include("govhall.staffing.urls")),
    path("api/v1/", include("govhall.api.urls")),
    path("", include("govhall.portal.urls")),
]
