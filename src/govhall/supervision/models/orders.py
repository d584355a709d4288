"""Supervision orders (督办 / 纠错) to a responsible unit, and the transitions between their states.

issued → replied (the unit answers by its reply deadline) → verified (a supervisor checks the
answer) → closed; a reply the supervisor does not accept goes back (returned) for rework with a
new deadline. An order still unanswered at its deadline is escalated once by the sweep: its level
rises and the unit's leader is told (supervision.orders.orders_escalate).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from govhall.cases.models import Case
from govhall.org.models import Department
from govhall.supervision.models.anomalies import Anomaly, AnomalyRule
from govhall.supervision.models.clocks import Warning


class OrderKind(models.TextChoices):
    SUPERVISE = "supervise", _("督办")  # press the unit to act on a case or a practice
    CORRECT = "correct", _("纠错")  # require the unit to correct something done wrong


class OrderLevel(models.IntegerChoices):
    NORMAL = 1, _("一般督办")
    ESCALATED = 2, _("重点督办")  # raised once when the reply deadline passes unanswered


class OrderState(models.TextChoices):
    ISSUED = "issued", _("已下达")  # waiting for the unit's reply
    REPLIED = "replied", _("已回复")  # the unit answered; waiting for the supervisor's verification
    RETURNED = "returned", _("退回整改")  # the answer was not accepted: rework, a new deadline
    VERIFIED = "verified", _("已核实")  # the supervisor accepted the answer
    CLOSED = "closed", _("已办结")  # filed


class OrderAction(models.TextChoices):
    REPLY = "reply", _("回复")
    ACCEPT = "accept", _("核实通过")
    RETURN = "return", _("退回整改")
    CLOSE = "close", _("办结")


_S, _A = OrderState, OrderAction
ORDER_TRANSITIONS: dict[tuple[str, str], str] = {
    (_S.ISSUED, _A.REPLY): _S.REPLIED,
    (_S.RETURNED, _A.REPLY): _S.REPLIED,
    (_S.REPLIED, _A.ACCEPT): _S.VERIFIED,
    (_S.REPLIED, _A.RETURN): _S.RETURNED,
    (_S.VERIFIED, _A.CLOSE): _S.CLOSED,
}
AWAITING_REPLY = (_S.ISSUED, _S.RETURNED)  # the reply clock runs in these states


class SupervisionOrder(models.Model):
    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(_("类型"), max_length=12, choices=OrderKind.choices)
    unit = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="+", verbose_name=_("责任单位")
    )
    content = models.TextField(_("督办内容"))
    rule = models.ForeignKey(AnomalyRule, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    anomaly = models.ForeignKey(
        Anomaly, on_delete=models.PROTECT, null=True, blank=True, related_name="orders"
    )
    warning = models.ForeignKey(Warning, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    level = models.PositiveSmallIntegerField(_("级别"), choices=OrderLevel.choices, default=OrderLevel.NORMAL)
    state = models.CharField(_("状态"), max_length=12, choices=OrderState.choices, default=OrderState.ISSUED)
    reply_workdays = models.DecimalField(_("回复时限（工作日）"), max_digits=4, decimal_places=1)
    reply_due_at = models.DateTimeField(_("回复期限"))
    issued_at = models.DateTimeField(_("下达时间"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reply_text = models.TextField(_("回复内容"), blank=True)
    replied_at = models.DateTimeField(_("回复时间"), null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    verify_note = models.CharField(_("核实意见"), max_length=500, blank=True)
    verified_at = models.DateTimeField(_("核实时间"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    returned_count = models.PositiveSmallIntegerField(_("退回次数"), default=0)
    overdue_at = models.DateTimeField(_("逾期时间"), null=True, blank=True)  # first seen unanswered past due
    escalated_at = models.DateTimeField(
        _("升级时间"), null=True, blank=True
    )  # set once (the level rises once)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    close_note = models.CharField(_("办结说明"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("督办单")
        verbose_name_plural = _("督办单")
        ordering = ["-issued_at", "-id"]
        indexes = [
            # The escalation sweep: orders awaiting a reply whose deadline passed (one range scan).
            models.Index(fields=["state", "reply_due_at"], name="order_state_due_idx"),
            models.Index(fields=["unit", "state"], name="order_unit_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} → {self.unit}"
