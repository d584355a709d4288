"""Manager pages of the working-day calendar, included at "calendar/"."""

from django.urls import path

from govhall.core import views_calendar

urlpatterns = [
    path("", views_calendar.calendar_index, name="calendar"),
    path("import/", views_calendar.calendar_import_view, name="calendar-import"),
    path("<int:year>/", views_calendar.calendar_year, name="calendar-year"),
]
