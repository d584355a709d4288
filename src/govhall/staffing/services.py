"""Attendance, off-post records and leave: every write of the daily records (ADR 0018).

- ``attendance_sign_in`` / ``attendance_sign_out``: the caller's own half day (上午 / 下午, hours in
  GOVHALL_STAFFING_HOURS); late and early minutes are whole minutes (seconds are dropped), fixed
  when the event is recorded. One row per person, day and half day (a unique constraint), so two
  sign-ins racing give one row and a Conflict for the second.
- ``offpost_record``: a duty leader or the manager records a time a person was away from the
  window, approved (official business) or not.
- leave: ``leave_submit`` by the person; ``leave_decide`` (approve / reject) by a duty leader or the
  manager — leave longer than GOVHALL_STAFFING_LEADER_LEAVE_DAYS (3) working days by the manager
  only, and nobody decides their own; ``leave_withdraw`` by the person before a decision;
  ``leave_revoke`` by an approver before the leave starts. States move through LEAVE_TRANSITIONS.
Every write is audited in its transaction; the decision SMS goes through the outbox.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from govhall.core import audit, outbox, workdays
from govhall.core.errors import Conflict, PermissionDenied, ValidationFailed
from govhall.org.access import staff_of
from govhall.org.models import Role, Staff
from govhall.staffing import permissions, rules
from govhall.staffing.models import (
    LEAVE_TRANSITIONS,
    AttendanceRecord,
    LeaveAction,
    LeaveKind,
    LeaveRequest,
    LeaveState,
    OffPost,
    Session,
    Source,
)

REASON_MAX = 200
LEAVE_MAX_DAYS = 190  # a calendar span; maternity leave is 158 days
DEFAULT_LEADER_LEAVE_DAYS = Decimal("3")


def _minutes(delta: dt.timedelta) -> int:
    """Whole minutes of a positive span (09:10:59 is 10 minutes late, 09:11:00 is 11)."""
    return max(0, math.floor(delta.total_seconds() / 60))


def _source(value: str) -> str:
    if value not in Source.values:
        raise ValidationFailed(
            _("考勤来源“%(s)s”无效，应为 page、pad 或 api。") % {"s": value},
            code="staffing.bad_source",
            field="source",
        )
    return value


def _today_checked(now: dt.datetime) -> dt.date:
    day = timezone.localtime(now).date()
    if not workdays.is_workday(day):
        raise ValidationFailed(_("今天不是工作日，无需考勤。"), code="staffing.not_workday")
    return day


def _locked_record(staff: Staff, day: dt.date, session: str) -> AttendanceRecord:
    """The half day's row, locked; created when missing (the unique constraint settles a race)."""
    rows = AttendanceRecord.objects.select_for_update()
    record = rows.filter(staff=staff, day=day, session=session).first()
    if record is not None:
        return record
    try:
        with transaction.atomic():
            return AttendanceRecord.objects.create(staff=staff, day=day, session=session)
    except IntegrityError:
        return rows.get(staff=staff, day=day, session=session)


def _audit_attendance(action: str, record: AttendanceRecord, actor) -> None:
    audit.record(
        action=action, actor=actor, obj=record,
        after={"day": record.day, "session": record.session, "sign_in_at": record.sign_in_at,
               "late_minutes": record.late_minutes, "sign_out_at": record.sign_out_at,
               "early_minutes": record.early_minutes},
    )  # fmt: skip


@transaction.atomic(durable=True)
def attendance_sign_in(*, actor, source: str = Source.PAGE) -> AttendanceRecord:
    """签到 for the current half day; before the afternoon starts it is the morning's."""
    staff = permissions.attending_staff(actor)
    source = _source(source)
    now = timezone.now()
    day = _today_checked(now)
    hours = rules.hours()
    local = timezone.localtime(now).time()
    if local >= hours.pm_end:
        raise ValidationFailed(_("已过下班时间，不能签到。"), code="staffing.sign_in_closed")
    session = Session.MORNING if local < hours.am_end else Session.AFTERNOON
    start, _end = hours.bounds(session)
    if now < rules.at(day, start) - hours.open_before:
        raise ValidationFailed(_("签到尚未开始（上班前%(m)s分钟开放）。") % {"m": _minutes(hours.open_before)},
                               code="staffing.sign_in_not_open")  # fmt: skip
    record = _locked_record(staff, day, session)
    if record.sign_in_at is not None or record.sign_out_at is not None:
        raise Conflict(_("本时段已签到或已签退，不能重复签到。"), code="staffing.already_signed_in")
    record.sign_in_at, record.sign_in_source = now, source
    record.late_minutes = _minutes(now - rules.at(day, start))
    record.save(update_fields=["sign_in_at", "sign_in_source", "late_minutes"])
    _audit_attendance("staffing.sign_in", record, actor)
    return record


@transaction.atomic(durable=True)
def attendance_sign_out(*, actor, source: str = Source.PAGE) -> AttendanceRecord:
    """签退 for the current half day: the morning until the afternoon starts, then the afternoon."""
    staff = permissions.attending_staff(actor)
    source = _source(source)
    now = timezone.now()
    day = _today_checked(now)
    hours = rules.hours()
    local = timezone.localtime(now).time()
    session = Session.MORNING if local < hours.pm_start else Session.AFTERNOON
    start, end = hours.bounds(session)
    if now < rules.at(day, start) - hours.open_before:
        raise ValidationFailed(_("尚未到上班时间，不能签退。"), code="staffing.sign_out_not_open")
    record = _locked_record(staff, day, session)
    if record.sign_out_at is not None:
        raise Conflict(_("本时段已签退。"), code="staffing.already_signed_out")
    record.sign_out_at, record.sign_out_source = now, source
    record.early_minutes = _minutes(rules.at(day, end) - now)
    record.save(update_fields=["sign_out_at", "sign_out_source", "early_minutes"])
    _audit_attendance("staffing.sign_out", record, actor)
    return record


# --- off post ----------------------------------------------------------------------------------------


def _reason(value, *, required: bool, field: str = "reason") -> str:
    text = value.strip() if isinstance(value, str) else ""
    if required and not text:
        raise ValidationFailed(_("请填写事由。"), code="staffing.reason_required", field=field)
    if len(text) > REASON_MAX:
        raise ValidationFailed(_("事由不得超过%(n)s个字。") % {"n": REASON_MAX}, code="staffing.text_too_long",
                               field=field)  # fmt: skip
    return text


@transaction.atomic(durable=True)
def offpost_record(
    *,
    staff: Staff,
    started_at: dt.datetime,
    ended_at: dt.datetime,
    reason: str = "",
    approved: bool = False,
    actor,
) -> OffPost:
    """离岗: a duty leader or the manager records an absence from the window; approved ones cost nothing."""
    permissions.require_leader(actor)
    for value, field in ((started_at, "started_at"), (ended_at, "ended_at")):
        if not isinstance(value, dt.datetime) or timezone.is_naive(value):
            raise ValidationFailed(_("请填写完整的离岗和返岗时间。"), code="staffing.bad_time", field=field)
    if ended_at <= started_at or ended_at - started_at > dt.timedelta(hours=12):
        raise ValidationFailed(_("返岗时间须晚于离岗时间，且在同一工作日内。"), code="staffing.bad_span",
                               field="ended_at")  # fmt: skip
    if ended_at > timezone.now() + dt.timedelta(minutes=1):
        raise ValidationFailed(_("不能登记未来的离岗。"), code="staffing.future", field="ended_at")
    if not isinstance(staff, Staff) or not staff.active:
        raise ValidationFailed(_("请选择在岗的工作人员。"), code="staffing.bad_staff", field="staff")
    entry = OffPost.objects.create(
        staff=staff, started_at=started_at, ended_at=ended_at, minutes=_minutes(ended_at - started_at),
        reason=_reason(reason, required=False), approved=bool(approved), recorded_by=actor,
        recorded_at=timezone.now(),
    )  # fmt: skip
    audit.record(action="staffing.offpost_record", actor=actor, obj=entry,
                 after={"staff": staff.pk, "minutes": entry.minutes, "approved": entry.approved})  # fmt: skip
    return entry


# --- leave -------------------------------------------------------------------------------------------


def half_days_between(start_day: dt.date, start_session: str, end_day: dt.date, end_session: str) -> int:
    """Working half days from (start_day, start_session) to (end_day, end_session), both included (O(1))."""
    whole = workdays.workdays_between(start_day - dt.timedelta(days=1), end_day)
    count = whole * 2
    if start_session == Session.AFTERNOON and workdays.is_workday(start_day):
        count -= 1
    if end_session == Session.MORNING and workdays.is_workday(end_day):
        count -= 1
    return count


def leader_leave_days() -> Decimal:
    return Decimal(str(getattr(settings, "GOVHALL_STAFFING_LEADER_LEAVE_DAYS", DEFAULT_LEADER_LEAVE_DAYS)))


def _leave_span(kind, start_day, start_session, end_day, end_session) -> int:
    if kind not in LeaveKind.values:
        raise ValidationFailed(_("请选择请假类别。"), code="staffing.bad_leave_kind", field="kind")
    for value, field in ((start_session, "start_session"), (end_session, "end_session")):
        if value not in Session.values:
            raise ValidationFailed(_("时段应为上午或下午。"), code="staffing.bad_session", field=field)
    for value, field in ((start_day, "start_day"), (end_day, "end_day")):
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            raise ValidationFailed(_("请填写日期。"), code="staffing.bad_date", field=field)
    if (end_day, end_session) < (start_day, start_session):
        raise ValidationFailed(_("结束时间不能早于开始时间。"), code="staffing.bad_span", field="end_day")
    if (end_day - start_day).days > LEAVE_MAX_DAYS:
        raise ValidationFailed(_("一次请假不得超过%(n)s天。") % {"n": LEAVE_MAX_DAYS}, code="staffing.bad_span",
                               field="end_day")  # fmt: skip
    if start_day < rules.previous_month(timezone.localdate()).start:
        raise ValidationFailed(_("只能补请本月和上月的假。"), code="staffing.too_late", field="start_day")
    half_days = half_days_between(start_day, start_session, end_day, end_session)
    if half_days <= 0:
        raise ValidationFailed(_("所请期间没有工作日。"), code="staffing.no_workday", field="start_day")
    return half_days


def _overlapping(staff: Staff, start_day, start_session, end_day, end_session) -> bool:
    live = LeaveRequest.objects.filter(
        staff=staff, state__in=(LeaveState.SUBMITTED, LeaveState.APPROVED), start_day__lte=end_day,
        end_day__gte=start_day,
    ).only("start_day", "start_session", "end_day", "end_session")  # fmt: skip
    return any(
        (other.start_day, other.start_session) <= (end_day, end_session)
        and (start_day, start_session) <= (other.end_day, other.end_session)
        for other in live
    )


@transaction.atomic(durable=True)
def leave_submit(
    *,
    kind: str,
    start_day: dt.date,
    start_session: str,
    end_day: dt.date,
    end_session: str,
    reason: str,
    actor,
) -> LeaveRequest:
    """请假: the person asks; a duty leader or the manager decides."""
    staff = permissions.attending_staff(actor)
    half_days = _leave_span(kind, start_day, start_session, end_day, end_session)
    reason = _reason(reason, required=True)
    # One person's leave requests are serialised on their staff row (no two overlapping ones).
    Staff.objects.select_for_update().filter(pk=staff.pk).first()
    if _overlapping(staff, start_day, start_session, end_day, end_session):
        raise Conflict(_("与已提交或已批准的请假时间重叠。"), code="staffing.leave_overlap")
    leave = LeaveRequest.objects.create(
        staff=staff, kind=kind, start_day=start_day, start_session=start_session, end_day=end_day,
        end_session=end_session, half_days=half_days, reason=reason, submitted_at=timezone.now(),
    )  # fmt: skip
    audit.record(action="staffing.leave_submit", actor=actor, obj=leave,
                 after={"kind": kind, "start": f"{start_day} {start_session}", "end": f"{end_day} {end_session}",
                        "half_days": half_days, "state": leave.state})  # fmt: skip
    return leave


def _move(leave: LeaveRequest, action: str) -> str:
    try:
        return LEAVE_TRANSITIONS[(leave.state, action)]
    except KeyError:
        raise Conflict(
            _("请假申请当前状态为“%(s)s”，不能执行“%(a)s”。")
            % {"s": LeaveState(leave.state).label, "a": LeaveAction(action).label},
            code="staffing.leave_illegal", state=leave.state, action=action,
        ) from None  # fmt: skip


def _lock_leave(leave: LeaveRequest) -> LeaveRequest:
    return LeaveRequest.objects.select_for_update().select_related("staff", "staff__user").get(pk=leave.pk)


def _check_approver(leave: LeaveRequest, actor) -> None:
    permissions.require_leader(actor)
    if leave.staff.user_id == getattr(actor, "pk", None):
        raise PermissionDenied(_("不能审批本人的请假。"), code="staffing.own_leave")
    if leave.days > leader_leave_days() and not getattr(actor, "is_superuser", False):
        staff = staff_of(actor)
        if staff is None or staff.role != Role.MANAGER:
            raise PermissionDenied(
                _("请假超过%(n)s个工作日，须由中心管理员审批。") % {"n": leader_leave_days()},
                code="staffing.manager_required",
            )


def _notify(leave: LeaveRequest) -> None:
    from govhall.core.personal import user_mobile

    user = leave.staff.user
    mobile = user_mobile(user) if user.mobile_cipher else ""
    if mobile:
        text = _("您%(s)s至%(e)s的请假申请%(state)s。") % {
            "s": leave.start_day, "e": leave.end_day, "state": LeaveState(leave.state).label,
        }  # fmt: skip
        outbox.enqueue(kind="sms", topic="staffing_leave", payload={"mobile": mobile, "text": text},
                       dedupe_key=f"staffing_leave:{leave.pk}:{leave.state}")  # fmt: skip


def _transition(leave: LeaveRequest, action: str, *, actor, note: str = "") -> LeaveRequest:
    before = leave.state
    leave.state = _move(leave, action)
    fields = ["state"]
    if action != LeaveAction.WITHDRAW:
        leave.decided_by, leave.decided_at, leave.decision_note = actor, timezone.now(), note
        fields += ["decided_by", "decided_at", "decision_note"]
    leave.save(update_fields=fields)
    audit.record(action=f"staffing.leave_{action}", actor=actor, obj=leave, before={"state": before},
                 after={"state": leave.state}, detail={"note": note} if note else None)  # fmt: skip
    if action != LeaveAction.WITHDRAW:
        _notify(leave)
    return leave


@transaction.atomic(durable=True)
def leave_decide(*, leave: LeaveRequest, action: str, note: str = "", actor) -> LeaveRequest:
    """批准 / 不批准 (a reason is required to refuse)."""
    leave = _lock_leave(leave)
    _check_approver(leave, actor)
    if action not in (LeaveAction.APPROVE, LeaveAction.REJECT):
        raise ValidationFailed(_("审批结果应为批准或不批准。"), code="staffing.bad_action", field="action")
    note = _reason(note, required=action == LeaveAction.REJECT, field="note")
    return _transition(leave, action, actor=actor, note=note)


@transaction.atomic(durable=True)
def leave_withdraw(*, leave: LeaveRequest, actor) -> LeaveRequest:
    leave = _lock_leave(leave)
    if leave.staff.user_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("只能撤回本人的请假申请。"), code="staffing.not_your_leave")
    return _transition(leave, LeaveAction.WITHDRAW, actor=actor)


@transaction.atomic(durable=True)
def leave_revoke(*, leave: LeaveRequest, note: str = "", actor) -> LeaveRequest:
    """Cancel approved leave that has not started yet (the person will work after all)."""
    leave = _lock_leave(leave)
    _check_approver(leave, actor)
    if leave.state == LeaveState.APPROVED and leave.start_day <= timezone.localdate():
        raise Conflict(_("假期已开始，不能取消。"), code="staffing.leave_started")
    return _transition(
        leave, LeaveAction.REVOKE, actor=actor, note=_reason(note, required=False, field="note")
    )
