from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One append-only audit record; ``hash`` chains it to its predecessor with SM3.

    PostgreSQL refuses UPDATE and DELETE on this table (trigger, see migrations); the only way
    rows leave is the retention prune, which records an AuditCheckpoint first.
    """

    id = models.BigAutoField(primary_key=True)
    occurred_at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        db_constraint=False,
        related_name="+",
        verbose_name=_("操作人"),
    )
    actor_name = models.CharField(_("操作人账号"), max_length=150, blank=True)
    actor_role = models.CharField(_("角色"), max_length=32, blank=True)
    source_ip = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    action = models.CharField(_("事件"), max_length=64, db_index=True)  # e.g. "catalog.item_cancel"
    object_type = models.CharField(_("对象类型"), max_length=64, blank=True)
    object_id = models.CharField(_("对象"), max_length=64, blank=True)
    success = models.BooleanField(_("成功"), default=True)
    before = models.JSONField(_("变更前"), null=True, blank=True)
    after = models.JSONField(_("变更后"), null=True, blank=True)
    detail = models.JSONField(_("详情"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计日志")
        ordering = ["id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"#{self.id} {self.action}"


class AuditCheckpoint(models.Model):
    """Where a retention prune cut the chain: the last pruned event and its hash.

    Verification starts from the newest checkpoint, so a pruned chain still proves itself.
    """

    last_event_id = models.BigIntegerField(_("截至事件"))
    last_hash = models.CharField(max_length=64)
    pruned_count = models.PositiveIntegerField(_("清理条数"))
    pruned_before = models.DateTimeField(_("清理截止时间"))
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("审计检查点")
        verbose_name_plural = _("审计检查点")
        ordering = ["last_event_id"]
