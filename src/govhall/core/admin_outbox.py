"""The outbox in the admin: what is queued, sent or failed, with a retry action for failed rows.

Rows are never edited by hand: a message's content is what its business transaction wrote.
Mobile numbers and addresses in payloads are shown masked.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from govhall.core.admin_audit import ReadOnlyAdmin
from govhall.core.logmask import mask_text
from govhall.core.models import OutboxMessage
from govhall.core.outbox import outbox_retry_failed


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "topic", "state", "attempts", "created_at", "sent_at", "short_error")
    list_filter = ("state", "kind", "topic")
    search_fields = ("=id", "topic", "dedupe_key")
    ordering = ("-id",)
    show_full_result_count = False
    actions = ["retry_failed"]
    fields = ("kind", "topic", "state", "attempts", "masked_payload", "available_at", "sent_at", "last_error")
    readonly_fields = fields

    @admin.display(description=_("内容"))
    def masked_payload(self, obj: OutboxMessage) -> str:
        return mask_text(str(obj.payload))

    @admin.display(description=_("错误"))
    def short_error(self, obj: OutboxMessage) -> str:
        return obj.last_error[:60]

    @admin.action(description=_("重新发送选中的失败消息"), permissions=["change"])
    def retry_failed(self, request, queryset) -> None:
        count = outbox_retry_failed(ids=list(queryset.values_list("id", flat=True)), actor=request.user)
        self.message_user(request, _("已重新排队 %(n)d 条失败消息。") % {"n": count}, messages.SUCCESS)

    def has_change_permission(self, request, obj=None) -> bool:
        # The retry action needs "change"; the change form itself stays read-only (readonly_fields).
        return request.user.has_perm("core.change_outboxmessage") and obj is None
