"""After acceptance: special procedures (行政许可法 Art. 45), the extension (Art. 42 / Art. 26),
conclusion with the result codes of RULES.md, delivery (Art. 44) and revocation
(the undertakings of 容缺受理 / 告知承诺 and their sweep live in ``cases.undertakings``).

Every service checks permission first (cases.permissions), locks the case row, moves its state only
through ``moves.move`` and issues its notice inside the same transaction.
"""

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from govhall.cases import clocks, permissions
from govhall.cases.models import (
    AcceptanceMode,
    Case,
    CaseStep,
    Decision,
    DeliveryMethod,
    Extension,
    Notice,
    ResultCode,
    SpecialProcedure,
    StepTask,
    Undertaking,
)
from govhall.cases.moves import actor_or_none, locked, move, notify
from govhall.cases.notices import notice_issue
from govhall.cases.seals import chief_delegation, seal_record
from govhall.cases.states import Action, CaseState, StepState, TaskState, next_state
from govhall.catalog.models import CaseKind
from govhall.core import workdays
from govhall.core.errors import Conflict, PermissionDenied, ValidationFailed
from govhall.org.access import staff_of
from govhall.org.models import Role

DELIVERY_WORKDAYS = Decimal("10")  # 行政许可法 Art. 44: certificate within 10 working days of the decision
EXTENSION_WORKDAYS = Decimal("10")  # Art. 42
JOINT_LIMIT, JOINT_EXTENSION = Decimal("45"), Decimal("15")  # Art. 26: joint / centralised handling
EXTENSION_APPROVERS = (Role.CHIEF, Role.DUTY_LEADER, Role.MANAGER)
OPEN_TASK_STATES = (TaskState.WAITING, TaskState.PENDING, TaskState.DELEGATED)
CONCLUSION_DOCUMENT = "办结通知书"


def _text(value, *, code: str, field: str, message: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationFailed(message, code=code, field=field)
    return text


def _iso(value) -> str | None:
    return value.isoformat() if value else None


# --- the end of a case ---------------------------------------------------------------------------


def end_case(case: Case, *, at: dt.datetime, actor) -> None:
    """Stop the clocks and close what still runs (called as a move's clock step, before the save).

    An open pause is closed so the ledger stays whole; steps and tasks still active are cancelled
    (bulk updates on this case's own rows); an open special procedure ends now.
    """
    case.acceptance_deadline = None
    if case.clock_stopped_at is None:
        clocks.resume(case, at=at)
        case.clock_stopped_at = at
    CaseStep.objects.filter(case=case, state=StepState.ACTIVE).update(
        state=StepState.CANCELLED, finished_at=at
    )
    StepTask.objects.filter(case=case, state__in=OPEN_TASK_STATES).update(state=TaskState.CANCELLED)
    SpecialProcedure.objects.filter(case=case, ended_at__isnull=True).update(
        ended_at=at, ended_by=actor_or_none(actor)
    )


def _person_name(user) -> str:
    staff = staff_of(user)
    return staff.name if staff is not None else (getattr(user, "real_name", "") or "")


def _is_chief(actor) -> bool:
    staff = staff_of(actor)
    return staff is not None and staff.role == Role.CHIEF


# --- special procedures (Art. 45) ------------------------------------------------------------------


def _special_kind(kind: str) -> SpecialProcedure.Kind:
    try:
        return SpecialProcedure.Kind(kind)
    except ValueError:
        names = "、".join(str(k.label) for k in SpecialProcedure.Kind)
        raise ValidationFailed(
            _("特别程序种类“%(k)s”无效；可选：%(n)s。") % {"k": kind, "n": names},
            code="cases.special_kind",
            field="kind",
        ) from None


def _positive_workdays(value, *, field: str, code: str) -> Decimal:
    try:
        amount = workdays.to_amount(value)
    except ValidationFailed:
        amount = Decimal(0)
    if not Decimal(0) < amount < Decimal(1000):
        raise ValidationFailed(
            _("时长须为大于0的工作日数（以半日为单位），“%(v)s”无效。") % {"v": value}, code=code, field=field
        )
    return amount


@transaction.atomic(durable=True)
def case_special_start(*, case: Case, kind: str, reason: str, announced_workdays, actor) -> Case:
    """Start a special procedure: the clocks pause (time not counted), the applicant is told its
    kind and announced duration in writing (行政许可法 Art. 45)."""
    permissions.require(Action.SPECIAL_START, case=case, actor=actor)
    kind = _special_kind(kind)
    reason = _text(
        reason, code="cases.reason_required", field="reason", message=_("启动特别程序须说明理由。")
    )
    amount = _positive_workdays(announced_workdays, field="announced_workdays", code="cases.special_duration")
    case = locked(case)
    next_state(case.state, Action.SPECIAL_START)
    at = timezone.now()
    end_at = workdays.due_instant(at, amount, "workday")

    def pause(c, when):
        clocks.pause(c, reason=str(kind.label), at=when)

    case = move(case, action=Action.SPECIAL_START, actor=actor, at=at, note=f"{kind.label}：{reason}",
                clock_step=pause)  # fmt: skip
    SpecialProcedure.objects.create(
        case=case, kind=kind, reason=reason, announced_workdays=amount, started_at=at,
        announced_end_at=end_at, started_by=actor_or_none(actor),
    )  # fmt: skip
    notice_issue(case=case, kind=Notice.Kind.SPECIAL, actor=actor, at=at, data={
        "special_kind": kind.value, "special_kind_label": str(kind.label), "reason": reason,
        "announced_workdays": str(amount), "started_at": _iso(at), "announced_end_at": _iso(end_at),
    })  # fmt: skip
    notify(case, "case_special_start", _("您的办件%(n)s进入%(k)s程序，预计%(d)s个工作日，期间不计入办理时限。")
           % {"n": case.number, "k": kind.label, "d": amount})  # fmt: skip
    return case


@transaction.atomic(durable=True)
def case_special_end(*, case: Case, actor) -> Case:
    permissions.require(Action.SPECIAL_END, case=case, actor=actor)
    case = locked(case)
    next_state(case.state, Action.SPECIAL_END)
    at = timezone.now()
    case = move(case, action=Action.SPECIAL_END, actor=actor, at=at,
                clock_step=lambda c, when: clocks.resume(c, at=when))  # fmt: skip
    SpecialProcedure.objects.filter(case=case, ended_at__isnull=True).update(
        ended_at=at, ended_by=actor_or_none(actor)
    )
    notify(case, "case_special_end", _("您的办件%(n)s特别程序已结束，恢复计时办理。") % {"n": case.number})
    return case


# --- extension (Art. 42 / Art. 26) -------------------------------------------------------------------


def version_limit(case: Case, field: str) -> tuple[Decimal, str]:
    """A limit as the case runs under it: its item version's (an item edit makes a new version)."""
    snap = case.item_version.snapshot or {}
    amount = snap.get(field, getattr(case.item, field))
    return Decimal(str(amount)), snap.get(f"{field}_unit", getattr(case.item, f"{field}_unit"))


def _extension_amount(case: Case, workdays_value) -> Decimal:
    legal, unit = version_limit(case, "legal_limit")
    allowed = JOINT_EXTENSION if unit == "workday" and legal == JOINT_LIMIT else EXTENSION_WORKDAYS
    try:
        amount = Decimal(str(workdays_value))
    except ArithmeticError:
        amount = None
    if amount != allowed:
        raise ValidationFailed(
            _("本事项法定时限为%(l)s个工作日，只能延长%(a)s个工作日（行政许可法第四十二条、第二十六条）。")
            % {"l": format(legal.normalize(), "f"), "a": allowed},
            code="cases.extension_workdays",
            field="workdays",
        )
    return allowed


def _check_extension_approver(case: Case, approver) -> None:
    if approver is not None and getattr(approver, "is_superuser", False) and approver.is_active:
        return
    staff = staff_of(approver)
    ok = staff is not None and staff.role in EXTENSION_APPROVERS
    if ok and staff.role == Role.CHIEF:
        ok = permissions.covers(approver, item=case.item, site=case.site)
    if not ok:
        raise PermissionDenied(
            _("延长期限须经本部门首席代表、值班领导或中心负责人批准。"), code="cases.extension_approver"
        )


@transaction.atomic(durable=True)
def case_extend(*, case: Case, workdays, reason: str, approver, actor) -> Case:
    """Extend the limit once (+10 working days, +15 for 45-day joint items), approved by the head,
    with the reasons told to the applicant (行政许可法 Art. 42)."""
    permissions.require(Action.EXTEND, case=case, actor=actor)
    _check_extension_approver(case, approver)
    reason = _text(reason, code="cases.reason_required", field="reason", message=_("延长期限须说明理由。"))
    amount = _extension_amount(case, workdays)
    case = locked(case)
    next_state(case.state, Action.EXTEND)
    already = Conflict(_("本办件已延长过期限，不能再次延长。"), code="cases.already_extended")
    if Extension.objects.filter(case=case).exists():
        raise already
    at = timezone.now()
    try:
        with transaction.atomic():  # the one-to-one row is the last word if a lock were ever bypassed
            Extension.objects.create(case=case, workdays=amount, reason=reason, requested_by=actor_or_none(actor),
                                     approved_by=approver, at=at)  # fmt: skip
    except IntegrityError:
        raise already from None

    def extend(c, when):
        c.extension_workdays = amount

    case = move(case, action=Action.EXTEND, actor=actor, at=at, note=reason, clock_step=extend)
    notice_issue(case=case, kind=Notice.Kind.EXTENSION, actor=actor, at=at, data={
        "workdays": str(amount), "reason": reason, "approver_name": _person_name(approver),
        "legal_due_at": _iso(case.legal_due_at), "promised_due_at": _iso(case.promised_due_at),
    })  # fmt: skip
    notify(case, "case_extended", _("您的办件%(n)s办理期限延长%(d)s个工作日，理由：%(r)s")
           % {"n": case.number, "d": amount, "r": reason})  # fmt: skip
    return case


# --- conclusion --------------------------------------------------------------------------------------


def _date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def check_result(
    *, result_code, reason: str = "", certificate_no: str = "", certificate_valid_until=None, today=None
) -> dict:
    """RULES.md "Cases": 0 needs a certificate number and a validity in the future, 1–6 a reason."""
    try:
        code = ResultCode(int(result_code))
    except (TypeError, ValueError):
        raise ValidationFailed(
            _("办结结果“%(r)s”无效。") % {"r": result_code}, code="cases.result_code", field="result_code"
        ) from None
    reason, number = (reason or "").strip(), (certificate_no or "").strip()
    if code == ResultCode.CERTIFICATE:
        if not number:
            raise ValidationFailed(
                _("出证办结须填写证照编号。"), code="cases.certificate_no", field="certificate_no"
            )
        today = today or timezone.localdate()
        certificate_valid_until = _date(certificate_valid_until)
        if certificate_valid_until is None or certificate_valid_until <= today:
            raise ValidationFailed(
                _("出证办结须填写晚于今天的证照有效期。"),
                code="cases.certificate_valid_until",
                field="certificate_valid_until",
            )
    elif not reason:
        raise ValidationFailed(
            _("办结结果为“%(r)s”时须说明理由。") % {"r": code.label},
            code="cases.reason_required",
            field="reason",
        )
    valid_until = certificate_valid_until if code == ResultCode.CERTIFICATE else None
    return {"result_code": int(code), "reason": reason, "certificate_no": number if code == 0 else "",
            "certificate_valid_until": valid_until}  # fmt: skip


def decided_on_the_spot(case: Case) -> bool:
    """Instant items (即办件) are decided by the concluding clerk or chief, not by a last step."""
    return case.item.case_kind == CaseKind.INSTANT and case.state != CaseState.DECIDED


def _check_decision(case: Case, result_code: int) -> None:
    if decided_on_the_spot(case):
        return
    needed = {ResultCode.CERTIFICATE: Decision.APPROVE, ResultCode.NOT_PERMITTED: Decision.REJECT}.get(
        result_code
    )
    if needed is not None and case.decision != needed:
        raise ValidationFailed(
            _("办结结果“%(r)s”须有“%(d)s”的审批决定。")
            % {"r": ResultCode(result_code).label, "d": needed.label},
            code="cases.decision_mismatch",
            field="result_code",
        )


def conclusion_report_status(case: Case, result_code: int) -> int:
    """11 approved, 12 approved under tolerant acceptance with materials still owed, 13 otherwise."""
    if result_code != ResultCode.CERTIFICATE:
        return 13
    owed = (
        case.acceptance_mode == AcceptanceMode.TOLERANT
        and Undertaking.objects.filter(
            case=case, kind=AcceptanceMode.TOLERANT, state=Undertaking.State.OPEN
        ).exists()
    )
    return 12 if owed else 11


def conclude_locked(case: Case, *, result: dict, actor, at=None, action: str = Action.CONCLUDE) -> Case:
    """Conclude a locked case (no permission check: the callers do it)."""
    at = at or timezone.now()
    code = result["result_code"]
    status = conclusion_report_status(case, code) if action == Action.CONCLUDE else None
    instant = decided_on_the_spot(case)

    def finish(c, when):
        if instant and code in (ResultCode.CERTIFICATE, ResultCode.NOT_PERMITTED):
            c.decision = Decision.APPROVE if code == ResultCode.CERTIFICATE else Decision.REJECT
            c.decided_at = when
            if code == ResultCode.CERTIFICATE:  # Art. 44 (the engine sets it for promised items)
                c.delivery_due_at = workdays.due_instant(when, DELIVERY_WORKDAYS, "workday")
        c.result_code, c.result_reason = code, result["reason"]
        c.certificate_no, c.certificate_valid_until = (
            result["certificate_no"],
            result["certificate_valid_until"],
        )
        c.concluded_at, c.concluded_by = when, actor_or_none(actor)
        end_case(c, at=when, actor=actor)

    note = result["reason"] or result["certificate_no"]
    case = move(case, action=action, actor=actor, at=at, note=note, clock_step=finish, report_status=status)
    notice = notice_issue(case=case, kind=Notice.Kind.CONCLUSION, actor=actor, at=at, data={
        "result_code": code, "result_label": str(ResultCode(code).label), "reason": result["reason"],
        "certificate_no": result["certificate_no"], "certificate_valid_until": _iso(result["certificate_valid_until"]),
        "concluded_at": _iso(at), "decision": case.decision,
    })  # fmt: skip
    if _is_chief(actor):
        seal_record(case=case, document=CONCLUSION_DOCUMENT, actor=actor, notice=notice, at=at)
    notify(
        case,
        "case_concluded",
        _("您的办件%(n)s已办结：%(r)s。") % {"n": case.number, "r": ResultCode(code).label},
    )
    return case


@transaction.atomic(durable=True)
def case_conclude(
    *, case: Case, result_code: int, reason: str = "", certificate_no: str = "",
    certificate_valid_until=None, actor,
) -> Case:  # fmt: skip
    """Conclude with a RULES.md result code; a chief concluding uses the department's seal."""
    permissions.require(Action.CONCLUDE, case=case, actor=actor)
    result = check_result(result_code=result_code, reason=reason, certificate_no=certificate_no,
                          certificate_valid_until=certificate_valid_until)  # fmt: skip
    if _is_chief(actor):  # checked before anything is written: an expired grant cannot seal
        chief_delegation(actor=actor, department=case.item.department, power="seal")
    case = locked(case)
    next_state(case.state, Action.CONCLUDE)
    _check_decision(case, result["result_code"])
    return conclude_locked(case, result=result, actor=actor)


# --- delivery and revocation ---------------------------------------------------------------------------


def _delivery(method: str, recipient_name: str, tracking_no: str) -> dict:
    if method not in DeliveryMethod.values:
        raise ValidationFailed(
            _("送达方式“%(m)s”无效，应为窗口领取或邮寄送达。") % {"m": method}, code="cases.delivery_method",
            field="method",
        )  # fmt: skip
    recipient, tracking = (recipient_name or "").strip(), (tracking_no or "").strip()
    if method == DeliveryMethod.WINDOW and not recipient:
        raise ValidationFailed(
            _("窗口领取须填写签收人姓名。"), code="cases.recipient_required", field="recipient_name"
        )
    if method == DeliveryMethod.POST and not tracking:
        raise ValidationFailed(
            _("邮寄送达须填写快递单号。"), code="cases.tracking_required", field="tracking_no"
        )
    if len(recipient) > 64 or len(tracking) > 40:
        raise ValidationFailed(
            _("签收人或快递单号过长。"), code="cases.delivery_too_long", field="tracking_no"
        )
    return {"method": method, "recipient_name": recipient if method == DeliveryMethod.WINDOW else "",
            "tracking_no": tracking if method == DeliveryMethod.POST else ""}  # fmt: skip


@transaction.atomic(durable=True)
def case_deliver(*, case: Case, method: str, recipient_name: str = "", tracking_no: str = "", actor) -> Case:
    """Hand the result over at the window (signed for) or post it (tracking number)."""
    permissions.require(Action.DELIVER, case=case, actor=actor)
    facts = _delivery(method, recipient_name, tracking_no)
    case = locked(case)
    next_state(case.state, Action.DELIVER)
    at = timezone.now()

    def deliver(c, when):
        c.delivered_at, c.delivery_method = when, facts["method"]
        c.recipient_name, c.tracking_no = facts["recipient_name"], facts["tracking_no"]

    note = facts["recipient_name"] or facts["tracking_no"]
    case = move(case, action=Action.DELIVER, actor=actor, at=at, note=note, clock_step=deliver)
    notice_issue(case=case, kind=Notice.Kind.DELIVERY, actor=actor, at=at,
                 data={**facts, "delivered_at": _iso(at)})  # fmt: skip
    notify(case, "case_delivered", _("您的办件%(n)s办理结果已送达。") % {"n": case.number})
    return case


def revoke_locked(case: Case, *, reason: str, actor, at=None) -> Case:
    """Revoke a locked case (state checked by the caller): the move, its clock stop and the SMS."""
    case = move(case, action=Action.REVOKE, actor=actor, at=at, note=reason,
                clock_step=lambda c, when: end_case(c, at=when, actor=actor))  # fmt: skip
    notify(case, "case_revoked", _("您的办件%(n)s已被撤销：%(r)s") % {"n": case.number, "r": reason})
    return case


@transaction.atomic(durable=True)
def case_revoke(*, case: Case, reason: str, actor) -> Case:
    permissions.require(Action.REVOKE, case=case, actor=actor)
    reason = _text(reason, code="cases.reason_required", field="reason", message=_("撤销须说明理由。"))
    case = locked(case)
    next_state(case.state, Action.REVOKE)
    return revoke_locked(case, reason=reason, actor=actor)
