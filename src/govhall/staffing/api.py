"""/api/v1/staffing — sign in / out (the attendance pad uses source "pad"), my month, leave.

Bearer auth. Each endpoint calls a service or a scoped selector; errors leave as {code, message}.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status

from govhall.core.api import api_actor, bearer
from govhall.core.errors import ValidationFailed
from govhall.org.access import remember_for_request
from govhall.staffing import assessment, permissions, rules, selectors, services
from govhall.staffing.models import AttendanceRecord, LeaveAction, LeaveRequest, Source

router = Router(tags=["人员考评"])


class SignIn(Schema):
    source: str = Source.API


class RecordOut(Schema):
    day: date
    session: str
    sign_in_at: datetime | None
    sign_in_source: str
    late_minutes: int
    sign_out_at: datetime | None
    sign_out_source: str
    early_minutes: int


class MonthOut(Schema):
    staff_id: int
    employee_no: str
    name: str
    period: str
    score: Decimal
    owed_half_days: int
    late: int
    early_leave: int
    missed_sign_in: int
    missed_sign_out: int
    half_day_absence: int
    leave_days: Decimal
    off_post: int
    tasks: int
    on_time_rate: Decimal | None
    returns: int
    yellow_cards: int
    red_cards: int
    ratings: int | None
    satisfaction: Decimal | None
    complaints: int | None
    complaints_upheld: int | None
    deductions: dict[str, Decimal]
    records: list[RecordOut]


class LeaveIn(Schema):
    kind: str
    start_day: date
    start_session: str = "am"
    end_day: date
    end_session: str = "pm"
    reason: str


class NoteIn(Schema):
    note: str = ""


class LeaveOut(Schema):
    id: int
    staff_id: int
    kind: str
    start_day: date
    start_session: str
    end_day: date
    end_session: str
    days: Decimal
    reason: str
    state: str
    decision_note: str


def _caller(request: HttpRequest):
    user = api_actor(request)
    remember_for_request(user)
    return user


def _record(r: AttendanceRecord) -> dict:
    return {f: getattr(r, f) for f in RecordOut.model_fields}


def _leave(leave: LeaveRequest) -> dict:
    data = {f: getattr(leave, f) for f in LeaveOut.model_fields if f != "days"}
    return data | {"days": leave.days}


def _month(staff, period_code: str) -> dict:
    period = (
        rules.period_parse(period_code, kinds=("month",))
        if period_code
        else rules.month_of(timezone.localdate())
    )
    m = assessment.person_month(period, staff)
    q = m.quality
    return {
        "staff_id": staff.pk, "employee_no": staff.employee_no, "name": staff.name, "period": period.code,
        "score": m.score, "owed_half_days": m.owed, "late": m.late_minor + m.late_major,
        "early_leave": m.early_leave, "missed_sign_in": m.missed_sign_in, "missed_sign_out": m.missed_sign_out,
        "half_day_absence": m.half_day_absence, "leave_days": m.leave_days, "off_post": m.off_post,
        "tasks": q.tasks, "on_time_rate": q.on_time_rate, "returns": q.returns, "yellow_cards": q.yellow,
        "red_cards": q.red, "ratings": q.ratings, "satisfaction": q.satisfaction, "complaints": q.complaints,
        "complaints_upheld": q.complaints_upheld, "deductions": m.deductions,
        "records": [_record(r) for r in assessment.records_of(staff, period)],
    }  # fmt: skip


@router.post("/attendance/sign-in", auth=bearer, response=RecordOut, summary="签到（当前时段）")
def sign_in(request: HttpRequest, payload: SignIn):
    return _record(services.attendance_sign_in(actor=_caller(request), source=payload.source))


@router.post("/attendance/sign-out", auth=bearer, response=RecordOut, summary="签退（当前时段）")
def sign_out(request: HttpRequest, payload: SignIn):
    return _record(services.attendance_sign_out(actor=_caller(request), source=payload.source))


@router.get("/me/month", auth=bearer, response=MonthOut, summary="我的月度考勤与考核（period=2026-11）")
def my_month(request: HttpRequest, period: str = ""):
    return _month(permissions.attending_staff(_caller(request)), period)


@router.get("/staff/{staff_id}/month", auth=bearer, response=MonthOut, summary="工作人员月度考核（按权限）")
def staff_month(request: HttpRequest, staff_id: int, period: str = ""):
    return _month(permissions.access_person(_caller(request), staff_id), period)


@router.get("/leave", auth=bearer, response=list[LeaveOut], summary="我的请假申请")
def my_leave(request: HttpRequest):
    staff = permissions.attending_staff(_caller(request))
    return [_leave(x) for x in LeaveRequest.objects.filter(staff=staff)[:100]]


@router.post("/leave", auth=bearer, response={201: LeaveOut}, summary="提交请假申请")
def leave_submit(request: HttpRequest, payload: LeaveIn):
    leave = services.leave_submit(**payload.dict(), actor=_caller(request))
    return Status(201, _leave(leave))


@router.post("/leave/{leave_id}/actions/{action}", auth=bearer, response=LeaveOut,
             summary="请假审批：approve、reject、withdraw、revoke")  # fmt: skip
def leave_action(request: HttpRequest, leave_id: int, action: str, payload: NoteIn):
    user = _caller(request)
    if action == LeaveAction.WITHDRAW:
        return _leave(services.leave_withdraw(leave=selectors.own_leave(user, leave_id), actor=user))
    if action not in LeaveAction.values:
        raise ValidationFailed("操作应为 approve、reject、withdraw 或 revoke。", code="staffing.bad_action",
                               field="action")  # fmt: skip
    leave = selectors.access_leave(user, leave_id)
    if action == LeaveAction.REVOKE:
        return _leave(services.leave_revoke(leave=leave, note=payload.note, actor=user))
    return _leave(services.leave_decide(leave=leave, action=action, note=payload.note, actor=user))
