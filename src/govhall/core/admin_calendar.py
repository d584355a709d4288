"""Admin for the working-day calendar: read-only.

Edits go through the manager page /calendar/ (``calendar_set_day`` / ``calendar_import``): those
services are durable transactions with an audit record, which the admin's own transaction around
``save_model`` cannot host.
"""

from django.contrib import admin

from govhall.core.models import CalendarDay, CalendarYear


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the working-day index needs every date of the range


@admin.register(CalendarYear)
class CalendarYearAdmin(_ReadOnly):
    list_display = ["year", "provisional", "source", "note", "updated_at"]
    list_filter = ["provisional", "source"]


@admin.register(CalendarDay)
class CalendarDayAdmin(_ReadOnly):
    list_display = ["date", "is_workday", "source", "note", "updated_at"]
    list_filter = ["is_workday", "source"]
    date_hierarchy = "date"
    search_fields = ["note"]
