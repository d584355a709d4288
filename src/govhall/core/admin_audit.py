"""The audit log in the admin: read only (等保 2.0: audit records are protected from change)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from govhall.core.models import AuditCheckpoint, AuditEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ActorFilter(admin.SimpleListFilter):
    """Filter by the acting account (the accounts that appear in the log)."""

    title = _("操作人")
    parameter_name = "actor_name"

    def lookups(self, request, model_admin):
        names = (
            AuditEvent.objects.exclude(actor_name="")
            .order_by("actor_name")
            .values_list("actor_name", flat=True)
            .distinct()[:500]
        )
        return [(name, name) for name in names]

    def queryset(self, request, queryset):
        return queryset.filter(actor_name=self.value()) if self.value() else queryset


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "occurred_at",
        "actor_name",
        "actor_role",
        "action",
        "object_type",
        "object_id",
        "success",
        "source_ip",
    )
    list_filter = ("action", "object_type", ActorFilter, "actor_role", "success")
    search_fields = ("=actor_name", "=object_id", "action")
    date_hierarchy = "occurred_at"
    list_select_related = False
    show_full_result_count = False  # a count(*) over the whole log on every page is wasteful
    ordering = ("-id",)
    actions = None
    readonly_fields = [field.name for field in AuditEvent._meta.fields]


@admin.register(AuditCheckpoint)
class AuditCheckpointAdmin(ReadOnlyAdmin):
    list_display = ("last_event_id", "pruned_count", "pruned_before", "created_at")
    ordering = ("-last_event_id",)
    actions = None
