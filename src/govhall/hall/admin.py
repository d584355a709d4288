"""Admin: appointments and blocks read only (applicants masked); the schedule is edited on
/hall/appointments/schedule/ through the services, so every change is audited."""

from django.contrib import admin

from govhall.core.masking import mask_name
from govhall.hall.models import Appointment, BookingBlock, DayClosure, SlotTemplate


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Appointment)
class AppointmentAdmin(ReadOnly):
    list_display = ("day", "starts_at", "code", "masked_name", "item", "window", "state", "on_time")
    list_filter = ("state", "day")
    list_select_related = ("item", "window")
    exclude = ("id_number_digest", "applicant_name", "applicant")
    date_hierarchy = "day"

    @admin.display(description="预约人")
    def masked_name(self, obj: Appointment) -> str:
        return mask_name(obj.applicant_name)


@admin.register(BookingBlock)
class BookingBlockAdmin(ReadOnly):
    list_display = ("applicant_id", "no_shows", "blocked_at", "until", "lifted_at")


@admin.register(SlotTemplate)
class SlotTemplateAdmin(ReadOnly):
    list_display = ("window", "start", "end", "capacity")
    list_select_related = ("window",)


@admin.register(DayClosure)
class DayClosureAdmin(ReadOnly):
    list_display = ("day", "window", "reason", "created_at")
