from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxState(models.TextChoices):
    PENDING = "pending", _("待发送")  # written in the business transaction, not yet claimed
    CLAIMED = "claimed", _("处理中")  # claimed by one worker (claim_token); reclaimable after a lease
    SENT = "sent", _("已发送")  # delivered; never sent again
    FAILED = "failed", _("失败")  # gave up after max attempts; a manager can retry


class OutboxMessage(models.Model):
    """A side effect (SMS, e-mail, domain event) to perform once after its transaction commits."""

    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(_("类型"), max_length=32)  # "sms", "email", "event"
    topic = models.CharField(_("主题"), max_length=64, blank=True)  # event name or template code
    payload = models.JSONField(_("内容"), default=dict)
    dedupe_key = models.CharField(_("去重键"), max_length=128, null=True, blank=True, unique=True)
    state = models.CharField(
        _("状态"), max_length=16, choices=OutboxState.choices, default=OutboxState.PENDING
    )
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    available_at = models.DateTimeField(_("可发送时间"))
    claim_token = models.CharField(max_length=32, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    last_error = models.TextField(_("错误"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("待发消息")
        verbose_name_plural = _("消息发件箱")
        indexes = [models.Index(fields=["state", "available_at"], name="outbox_due_idx")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.topic} #{self.id} {self.state}"
