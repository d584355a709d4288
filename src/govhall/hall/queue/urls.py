from django.urls import path

from govhall.hall.queue import views, views_setup

app_name = "hall_queue"
urlpatterns = [
    path("kiosk/", views.kiosk, name="kiosk"),
    path("kiosk/ticket/", views.kiosk_ticket, name="kiosk_ticket"),
    path("kiosk/check-in/", views.kiosk_check_in, name="kiosk_check_in"),
    path("windows/<int:window_id>/", views.window_page, name="window"),
    path("windows/<int:window_id>/strip/", views.window_strip, name="strip"),
    path("windows/<int:window_id>/<str:action>/", views.window_action, name="window_action"),
    path(
        "windows/<int:window_id>/tickets/<int:ticket_id>/<str:action>/",
        views.ticket_action,
        name="ticket_action",
    ),
    path("screen/", views.screen, name="screen"),
    path("pad/<int:window_id>/", views.pad, name="pad"),
    path("pad/<int:window_id>/rate/", views.pad_rate, name="pad_rate"),
    path("queue/businesses/", views_setup.businesses, name="businesses"),
    path("queue/businesses/<int:business_id>/", views_setup.business_edit, name="business_edit"),
    path(
        "queue/windows/<int:window_id>/businesses/", views_setup.window_businesses, name="window_businesses"
    ),
]
