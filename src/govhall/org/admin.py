"""Admin pages of the organisation. Staff show only the masked mobile; writes go through the pages."""

from django.contrib import admin

from govhall.org.models import Delegation, Department, Site, Staff, Window


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "phone", "active")
    list_filter = ("kind", "active")
    search_fields = ("code", "name", "short_name")


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "parent", "open_weekdays", "market_day_digits", "active")
    list_filter = ("kind", "active")
    search_fields = ("code", "name")
    list_select_related = ("parent",)
    raw_id_fields = ("parent",)


@admin.register(Window)
class WindowAdmin(admin.ModelAdmin):
    list_display = ("site", "number", "name", "department", "is_comprehensive", "active")
    list_filter = ("site__kind", "is_comprehensive", "active")
    search_fields = ("number", "name", "department__name")
    list_select_related = ("site", "department")


@admin.register(Staff)
class StaffAdmin(admin.ModelAdmin):
    list_display = ("employee_no", "name", "role", "department", "site", "window", "mobile_masked", "active")
    list_filter = ("role", "active", "site__kind")
    search_fields = ("employee_no", "name")
    list_select_related = ("department", "site", "window")
    # The full number lives encrypted on the user; only the masked copy is shown (DESIGN.md §7).
    readonly_fields = ("user", "mobile_masked")
    raw_id_fields = ("department", "site", "window")


@admin.register(Delegation)
class DelegationAdmin(admin.ModelAdmin):
    list_display = ("chief", "department", "document_no", "valid_from", "valid_to", "revoked_at")
    list_filter = ("can_decide", "can_review_report", "can_use_seal")
    search_fields = ("document_no", "chief__name")
    list_select_related = ("chief", "department")
    readonly_fields = ("revoked_at", "revoke_reason", "created_at")
