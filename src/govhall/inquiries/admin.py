"""Inquiries in the admin: read only, personal data masked (every change goes through the services,
each audited; the detail pages exclude the encrypted columns and show masked values only)."""

from django.contrib import admin

from govhall.core.admin_audit import ReadOnlyAdmin
from govhall.inquiries.models import Complaint, FirstInquiry, Question


@admin.register(Question)
class QuestionAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "state",
        "item",
        "department",
        "asked_at",
        "due_at",
        "first_answered_at",
        "overdue_at",
    ]
    list_filter = ["state"]
    list_select_related = ["item", "department"]
    exclude = ["asker"]


@admin.register(Complaint)
class ComplaintAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "channel",
        "subject",
        "unit",
        "state",
        "complainant_masked",
        "reply_due_at",
        "escalated_at",
    ]
    list_filter = ["state", "channel", "subject"]
    search_fields = ["number"]
    list_select_related = ["unit"]
    exclude = ["complainant_name", "complainant_mobile_cipher", "complainant"]


@admin.register(FirstInquiry)
class FirstInquiryAdmin(ReadOnlyAdmin):
    list_display = [
        "asked_at",
        "staff",
        "window",
        "asker_masked",
        "asker_mobile_masked",
        "outcome",
        "guided_to",
    ]
    list_filter = ["outcome"]
    list_select_related = ["staff", "window"]
    exclude = ["asker_name", "asker_mobile_cipher"]
