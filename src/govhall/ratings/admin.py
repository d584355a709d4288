"""Ratings in the admin: read only (every change goes through the services). Raters are shown
masked; the encrypted mobile and its digest are never shown."""

from django.contrib import admin

from govhall.core.admin_audit import ReadOnlyAdmin
from govhall.ratings.models import Rating, RatingInvitation, Rectification, ReturnVisit


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdmin):
    list_display = ["id", "level", "channel", "case", "window", "item", "department", "rater_name_masked",
                    "created_at"]  # fmt: skip
    list_filter = ["level", "channel", "real_name"]
    search_fields = ["case__number", "service_ref"]
    date_hierarchy = "created_at"
    list_select_related = ["case", "window", "item", "department"]
    exclude = ["rater_mobile_cipher", "rater_mobile_digest", "rater"]


@admin.register(Rectification)
class RectificationAdmin(ReadOnlyAdmin):
    list_display = ["id", "rating", "unit", "state", "due_at", "overdue", "closed_at"]
    list_filter = ["state", "overdue"]
    list_select_related = ["rating", "unit"]


@admin.register(ReturnVisit)
class ReturnVisitAdmin(ReadOnlyAdmin):
    list_display = ["rectification", "visited_by", "visited_at", "method", "result"]
    list_filter = ["method", "result"]


@admin.register(RatingInvitation)
class RatingInvitationAdmin(ReadOnlyAdmin):
    list_display = ["case", "created_at", "expires_at", "used_at"]
    exclude = ["token_digest"]
