from django.urls import path

from govhall.supervision import views

app_name = "supervision"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("counts/", views.counts, name="counts"),
    path("trends.json", views.trends_json, name="trends"),
    path("grades/", views.grades, name="grades"),
    path("grades/<str:period>/<str:level>/<int:unit_id>/letter.pdf", views.letter, name="letter"),
]
