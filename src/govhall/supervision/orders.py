"""Supervision orders (督办 / 纠错): issue, reply, verify, close, and the escalation of overdue ones.

A supervisor issues an order to the responsible unit (RULES.md "Supervision") with a reply
deadline in working days (core.workdays); the unit's staff reply; the supervisor verifies the
reply (accepted → verified, else returned for rework with a new deadline) and closes it. The
sweep escalates an order still unanswered at its deadline once: it is marked overdue, its level
rises to 重点督办 and the unit's leader gets an SMS (exactly once: a dedupe key per order and
recipient). Every write is audited in its transaction; SMS go through the outbox after commit.
"""

from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from govhall.core import audit, outbox, workdays
from govhall.core.crypto import decrypt
from govhall.core.errors import Conflict, PermissionDenied, ValidationFailed
from govhall.org.access import require_role, staff_of
from govhall.org.models import Department, Role, Staff
from govhall.supervision.models import (
    AWAITING_REPLY,
    ORDER_TRANSITIONS,
    Anomaly,
    AnomalyRule,
    AnomalyState,
    OrderAction,
    OrderKind,
    OrderLevel,
    OrderState,
    SupervisionOrder,
    Warning,
)

TEXT_MAX, NOTE_MAX = 2000, 500
REPLY_WORKDAYS_DEFAULT = Decimal("5")
REPLY_WORKDAYS_MAX = Decimal("60")


# --- helpers ---------------------------------------------------------------------------------------


def _text(value, *, field: str, required_message: str, limit: int, code: str) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else ""
    if not text:
        raise ValidationFailed(required_message, code=code, field=field)
    if len(text) > limit:
        raise ValidationFailed(
            _("内容不得超过%(n)s个字。") % {"n": limit}, code="supervision.text_too_long", field=field
        )
    return text


def _note(value, *, field: str = "note") -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else None
    if text is None or len(text) > NOTE_MAX:
        raise ValidationFailed(
            _("说明不得超过%(n)s个字。") % {"n": NOTE_MAX}, code="supervision.text_too_long", field=field
        )
    return text


def _reply_workdays(value) -> Decimal:
    try:
        amount = workdays.to_amount(value)
    except (ValidationFailed, TypeError, ValueError):
        amount = None
    if amount is None or not Decimal(0) < amount <= REPLY_WORKDAYS_MAX:
        raise ValidationFailed(
            _("回复时限须为大于0、不超过%(m)s的工作日数（以半日为单位）。") % {"m": REPLY_WORKDAYS_MAX},
            code="supervision.reply_workdays", field="reply_workdays",
        )  # fmt: skip
    return amount


def _next_state(order: SupervisionOrder, action: str) -> str:
    try:
        return ORDER_TRANSITIONS[(order.state, action)]
    except KeyError:
        raise Conflict(
            _("督办单当前状态为“%(s)s”，不能执行“%(a)s”。")
            % {"s": OrderState(order.state).label, "a": OrderAction(action).label},
            code="supervision.order_state", state=order.state,
        ) from None  # fmt: skip


def _locked(order: SupervisionOrder) -> SupervisionOrder:
    return SupervisionOrder.objects.select_for_update(of=("self",)).select_related("unit").get(pk=order.pk)


def _snapshot(order: SupervisionOrder) -> dict:
    return {"state": order.state, "level": order.level, "reply_due_at": order.reply_due_at}


def _record(action: str, order: SupervisionOrder, actor, before: dict | None, **detail) -> None:
    audit.record(action=f"supervision.order_{action}", actor=actor, obj=order, before=before,
                 after=_snapshot(order), detail={"unit": order.unit_id, **detail})  # fmt: skip


def unit_leaders(unit: Department) -> list:
    """Who answers for a unit: its chief representative (首席代表, lowest employee number, active),
    else the centre's duty leader (值班领导) — the same rule as the warning cards (ADR 0010)."""
    staff = Staff.objects.select_related("user").filter(active=True).order_by("employee_no")
    leader = (
        staff.filter(department=unit, role=Role.CHIEF).first() or staff.filter(role=Role.DUTY_LEADER).first()
    )
    return [leader.user] if leader is not None else []


def _sms(order: SupervisionOrder, event: str, text: str) -> int:
    queued = 0
    for user in unit_leaders(order.unit):
        if not user.mobile_cipher:
            continue
        row = outbox.enqueue(
            kind="sms", topic="supervision_order", payload={"mobile": decrypt(user.mobile_cipher), "text": text},
            dedupe_key=f"order:{order.pk}:{event}:{user.pk}",
        )  # fmt: skip
        queued += row is not None
    return queued


def _due_text(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


# --- issue ---------------------------------------------------------------------------------------------


def _source(unit: Department, anomaly: Anomaly | None, warning: Warning | None, rule: AnomalyRule | None):
    """The rule and case an order stems from; its unit must be the one answering for them.

    The anomaly and card are read again: the caller's copies may be stale (dismissed meanwhile).
    """
    anomaly = Anomaly.objects.select_related("rule").get(pk=anomaly.pk) if anomaly is not None else None
    warning = Warning.objects.get(pk=warning.pk) if warning is not None else None
    for source, label in ((anomaly, _("异常")), (warning, _("预警"))):
        if source is not None and source.department_id not in (None, unit.pk):
            raise ValidationFailed(
                _("督办单位须为该%(s)s的责任部门。") % {"s": label},
                code="supervision.unit_mismatch",
                field="unit",
            )
    if anomaly is not None and anomaly.state == AnomalyState.DISMISSED:
        raise ValidationFailed(_("该异常已排除，不能据此督办。"), code="supervision.anomaly_dismissed",
                               field="anomaly")  # fmt: skip
    if anomaly is not None and warning is not None and anomaly.case_id != warning.case_id:
        raise ValidationFailed(
            _("异常与预警不属于同一办件。"), code="supervision.source_mismatch", field="warning"
        )
    rule = rule or (anomaly.rule if anomaly is not None else None)
    case_id = (anomaly.case_id if anomaly is not None else None) or (warning.case_id if warning else None)
    return rule, case_id


@transaction.atomic(durable=True)
def order_issue(
    *, unit: Department, kind: str, content: str, reply_workdays=REPLY_WORKDAYS_DEFAULT,
    anomaly: Anomaly | None = None, warning: Warning | None = None, rule: AnomalyRule | None = None, actor,
) -> SupervisionOrder:  # fmt: skip
    """A supervisor orders a unit to act (督办) or correct (纠错), with a reply deadline in working days."""
    require_role(actor, Role.SUPERVISOR)
    if kind not in OrderKind.values:
        raise ValidationFailed(_("督办类型须为督办（supervise）或纠错（correct）。"), code="supervision.order_kind",
                               field="kind")  # fmt: skip
    if not isinstance(unit, Department) or not unit.active:
        raise ValidationFailed(_("责任单位不存在或已撤出。"), code="supervision.unit_invalid", field="unit")
    content = _text(content, field="content", required_message=_("请填写督办内容。"), limit=TEXT_MAX,
                    code="supervision.content_required")  # fmt: skip
    amount = _reply_workdays(reply_workdays)
    rule, case_id = _source(unit, anomaly, warning, rule)
    now = timezone.now()
    order = SupervisionOrder.objects.create(
        kind=kind, unit=unit, content=content, rule=rule, anomaly=anomaly, warning=warning, case_id=case_id,
        reply_workdays=amount, reply_due_at=workdays.due_instant(now, amount, "workday"), issued_at=now,
        issued_by=actor,
    )  # fmt: skip
    _record("issue", order, actor, None, kind=kind, anomaly=getattr(anomaly, "pk", None),
            warning=getattr(warning, "pk", None))  # fmt: skip
    _sms(order, "issued", _("【电子监察】%(k)s通知：%(u)s请于%(d)s前回复督办单%(n)s号：%(c)s")
         % {"k": OrderKind(kind).label, "u": unit.name, "d": _due_text(order.reply_due_at), "n": order.pk,
            "c": content[:60]})  # fmt: skip
    return order


# --- reply, verify, close ------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def order_reply(*, order: SupervisionOrder, text: str, actor) -> SupervisionOrder:
    """The unit answers (staff of the unit only), also after the deadline or after a return."""
    staff = staff_of(actor)
    if staff is None or staff.department_id != order.unit_id:
        raise PermissionDenied(_("只有责任单位的工作人员可以回复督办单。"), code="supervision.not_unit_staff")
    text = _text(text, field="text", required_message=_("请填写回复内容。"), limit=TEXT_MAX,
                 code="supervision.reply_required")  # fmt: skip
    order = _locked(order)
    before = _snapshot(order)
    order.state = _next_state(order, OrderAction.REPLY)
    order.reply_text, order.replied_at, order.replied_by = text, timezone.now(), actor
    order.save(update_fields=["state", "reply_text", "replied_at", "replied_by"])
    _record("reply", order, actor, before, late=order.replied_at > order.reply_due_at)
    return order


@transaction.atomic(durable=True)
def order_verify(*, order: SupervisionOrder, accepted: bool, note: str = "", actor) -> SupervisionOrder:
    """A supervisor checks the reply: accepted → verified; not accepted → returned for rework,
    with a new reply deadline of the same number of working days (the note says why)."""
    require_role(actor, Role.SUPERVISOR)
    if not isinstance(accepted, bool):
        raise ValidationFailed(_("请选择核实结论。"), code="supervision.verify_result", field="accepted")
    note = _note(note)
    if not accepted and not note:
        raise ValidationFailed(_("退回整改须说明理由。"), code="supervision.reason_required", field="note")
    order = _locked(order)
    before = _snapshot(order)
    order.state = _next_state(order, OrderAction.ACCEPT if accepted else OrderAction.RETURN)
    now = timezone.now()
    order.verify_note, order.verified_at, order.verified_by = note, now, actor
    fields = ["state", "verify_note", "verified_at", "verified_by"]
    if not accepted:
        order.returned_count += 1
        order.reply_due_at = workdays.due_instant(now, order.reply_workdays, "workday")
        fields += ["returned_count", "reply_due_at"]
    order.save(update_fields=fields)
    _record("verify", order, actor, before, accepted=accepted, note=note)
    return order


@transaction.atomic(durable=True)
def order_close(*, order: SupervisionOrder, note: str = "", actor) -> SupervisionOrder:
    """A supervisor files a verified order."""
    require_role(actor, Role.SUPERVISOR)
    note = _note(note)
    order = _locked(order)
    before = _snapshot(order)
    order.state = _next_state(order, OrderAction.CLOSE)
    order.closed_at, order.closed_by, order.close_note = timezone.now(), actor, note
    order.save(update_fields=["state", "closed_at", "closed_by", "close_note"])
    _record("close", order, actor, before, note=note)
    return order


# --- escalation (the sweep) ----------------------------------------------------------------------------


@transaction.atomic(durable=True)
def orders_escalate(*, now=None) -> int:
    """Every order still awaiting its reply past the deadline is marked overdue and escalated once.

    One range scan of (state, reply_due_at); ``escalated_at`` makes it once. On PostgreSQL the rows
    are locked SKIP LOCKED, so a second sweep at the same moment takes none of them; the SMS dedupe
    key makes the message once even so.
    """
    now = now or timezone.now()
    due = SupervisionOrder.objects.filter(
        state__in=AWAITING_REPLY, reply_due_at__lte=now, escalated_at__isnull=True
    ).select_related("unit")
    if connection.vendor == "postgresql":
        due = due.select_for_update(of=("self",), skip_locked=True)
    count = 0
    for order in due.order_by("pk"):
        before = _snapshot(order)
        order.level, order.escalated_at, order.overdue_at = OrderLevel.ESCALATED, now, order.overdue_at or now
        order.save(update_fields=["level", "escalated_at", "overdue_at"])
        _record("escalate", order, None, before)
        _sms(order, "escalated", _("【电子监察】督办单%(n)s号已逾期未回复（期限%(d)s），已升级为重点督办，请立即办理并回复。")
             % {"n": order.pk, "d": _due_text(order.reply_due_at)})  # fmt: skip
        count += 1
    return count
