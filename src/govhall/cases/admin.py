"""Cases in the admin: read only. Every change goes through the services (state table, clocks,
timeline, audit); the admin is for looking things up. Applicants' names are shown masked."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from govhall.cases.models import Case, CaseEvent, CaseStep, Notice, SealUse, SpecialProcedure, StepTask
from govhall.core.admin_audit import ReadOnlyAdmin


class StepInline(admin.TabularInline):
    model = CaseStep
    extra = 0
    can_delete = False
    fields = ["round", "name", "role", "department", "mode", "state", "outcome", "started_at", "due_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ["number", "item", "applicant_display", "channel", "state", "report_status", "received_at",
                    "promised_due_at"]  # fmt: skip
    list_filter = ["state", "channel", "acceptance_mode", "report_status"]
    search_fields = ["number"]
    date_hierarchy = "received_at"
    list_select_related = ["item"]
    exclude = ["applicant_name", "applicant_id_digest", "query_password_digest", "form_data"]
    inlines = [StepInline]

    @admin.display(description=_("申请人"))
    def applicant_display(self, obj: Case) -> str:
        return obj.applicant_masked


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyAdmin):
    list_display = ["case", "action", "from_state", "to_state", "report_status", "actor", "at"]
    list_filter = ["action"]
    search_fields = ["case__number"]
    list_select_related = ["case", "actor"]


@admin.register(StepTask)
class StepTaskAdmin(ReadOnlyAdmin):
    list_display = ["case", "step", "kind", "department", "assignee", "state", "opinion", "done_at"]
    list_filter = ["state", "kind"]
    search_fields = ["case__number"]
    list_select_related = ["case", "step", "department", "assignee"]


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    list_display = ["number", "case", "kind", "department", "issued_at"]
    list_filter = ["kind"]
    search_fields = ["number", "case__number"]
    exclude = ["data"]


@admin.register(SealUse)
class SealUseAdmin(ReadOnlyAdmin):
    list_display = ["case", "document", "department", "staff", "delegation", "used_at"]
    search_fields = ["case__number"]


@admin.register(SpecialProcedure)
class SpecialProcedureAdmin(ReadOnlyAdmin):
    list_display = ["case", "kind", "announced_workdays", "started_at", "announced_end_at", "ended_at"]
    list_filter = ["kind"]
