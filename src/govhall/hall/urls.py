"""/hall/appointments/… (the queue's /hall/kiosk/, /hall/windows/, /hall/screen/, /hall/pad/ are
hall.queue's, mounted first; nothing here starts with those)."""

from django.urls import path

from govhall.hall import views, views_staff

app_name = "hall"
urlpatterns = [
    path("appointments/", views.book, name="book"),
    path("appointments/mine/", views.mine, name="mine"),
    path("appointments/<int:appointment_id>/cancel/", views.cancel, name="cancel"),
    path("appointments/day/", views_staff.day_view, name="day"),
    path("appointments/schedule/", views_staff.schedule_page, name="schedule"),
    path("appointments/schedule/windows/<int:window_id>/", views_staff.template_save, name="template_save"),
    path("appointments/schedule/close/", views_staff.day_close, name="day_close"),
    path(
        "appointments/schedule/closures/<int:closure_id>/reopen/", views_staff.day_reopen, name="day_reopen"
    ),
    path("appointments/schedule/blocks/<int:block_id>/lift/", views_staff.block_lift, name="block_lift"),
]
