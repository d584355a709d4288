from django.urls import path

from govhall.ratings import views

app_name = "ratings"
urlpatterns = [
    path("", views.stats, name="stats"),
    path("cases/<str:number>/", views.rate_case, name="rate_case"),
    path("r/<str:token>/", views.rate_token, name="rate_token"),
    path("rectifications/", views.rect_list, name="rect_list"),
    path("rectifications/<int:pk>/", views.rect_detail, name="rect_detail"),
    path("rectifications/<int:pk>/<str:action>/", views.rect_action, name="rect_action"),
]
