"""Staffing in the admin: read only (every write goes through the services and the pages, audited)."""

from django.contrib import admin

from govhall.core.admin_audit import ReadOnlyAdmin
from govhall.staffing.models import AttendanceRecord, LeaveRequest, OffPost, Selection, VotePeriod


@admin.register(AttendanceRecord)
class AttendanceRecordAdmin(ReadOnlyAdmin):
    list_display = ["staff", "day", "session", "sign_in_at", "late_minutes", "sign_out_at", "early_minutes"]
    list_filter = ["session", "sign_in_source"]
    search_fields = ["staff__name", "staff__employee_no"]
    list_select_related = ["staff"]
    date_hierarchy = "day"


@admin.register(LeaveRequest)
class LeaveRequestAdmin(ReadOnlyAdmin):
    list_display = ["staff", "kind", "start_day", "end_day", "half_days", "state", "decided_at"]
    list_filter = ["state", "kind"]
    search_fields = ["staff__name", "staff__employee_no"]
    list_select_related = ["staff"]


@admin.register(OffPost)
class OffPostAdmin(ReadOnlyAdmin):
    list_display = ["staff", "started_at", "minutes", "approved", "reason"]
    list_filter = ["approved"]
    list_select_related = ["staff"]


@admin.register(VotePeriod)
class VotePeriodAdmin(ReadOnlyAdmin):
    list_display = ["award", "period", "state", "opened_at", "closed_at"]
    list_filter = ["award", "state"]


@admin.register(Selection)
class SelectionAdmin(ReadOnlyAdmin):
    list_display = ["award", "period", "state", "computed_at", "published_at"]
    list_filter = ["award", "state"]
