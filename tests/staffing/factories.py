"""Staffing test data: people through the org factories, records through the staffing services."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import time_machine

from govhall.core.identity import ric_check_char
from govhall.core.models import AuditEvent, OutboxMessage
from govhall.core.personal import user_set_identity
from govhall.org import services as org_services
from govhall.org.models import Role
from govhall.staffing import services
from govhall.staffing.models import (
    AttendanceRecord,
    DutyLeaderScore,
    LeaveRequest,
    OffPost,
    Selection,
    SelectionEntry,
    Vote,
    VotePeriod,
)
from tests.org import factories as org

TZ = ZoneInfo("Asia/Shanghai")
JOINED = dt.date(2020, 1, 1)
_seq = itertools.count(1)


def at(day: dt.date, hh: int, mm: int = 0, ss: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hh, mm, ss, tzinfo=TZ)


def travel(when: dt.datetime):
    return time_machine.travel(when, tick=False)


def person(*, role: str = Role.CLERK, dept=None, win=None, name: str = "李四", username: str | None = None,
           site=None, joined_on: dt.date = JOINED):  # fmt: skip
    """A staff member who joined long ago (the month owes every working half day)."""
    n = next(_seq)
    return org_services.staff_create(
        username=username or f"stf{n}", name=name, role=role, department=dept or org.department(),
        site=site or org.centre(), window=win, mobile=f"1370013{n:04d}", password=org.PASSWORD,
        joined_on=joined_on, actor=None,
    )  # fmt: skip


def clerk(*, dept=None, win=None, name: str = "李四", username: str | None = None):
    dept = dept or org.department()
    return person(dept=dept, win=win or org.window(dept=dept), name=name, username=username)


def leader(role: str = Role.DUTY_LEADER, **kw):
    return person(role=role, **kw)


def voter(username: str | None = None):
    n = next(_seq)
    user = org.applicant(username or f"voter{n}")
    body = f"11010519800101{n % 1000:03d}"
    mobile = f"1590000{n:04d}"
    return user_set_identity(
        user=user, real_name="王五", id_number=body + ric_check_char(body), mobile=mobile
    )


def sign_in(staff, when: dt.datetime, source: str = "page"):
    with travel(when):
        return services.attendance_sign_in(actor=staff.user, source=source)


def sign_out(staff, when: dt.datetime, source: str = "page"):
    with travel(when):
        return services.attendance_sign_out(actor=staff.user, source=source)


def full_day(staff, day: dt.date) -> None:
    """On time, both half days."""
    sign_in(staff, at(day, 8, 50))
    sign_out(staff, at(day, 12, 0))
    sign_in(staff, at(day, 13, 20))
    sign_out(staff, at(day, 17, 30))


def counts() -> dict[str, int]:
    models = (AttendanceRecord, OffPost, LeaveRequest, DutyLeaderScore, VotePeriod, Vote, Selection, SelectionEntry,
              OutboxMessage)  # fmt: skip
    rows = {m.__name__: m.objects.count() for m in models}
    return rows | {"AuditEvent": AuditEvent.objects.filter(success=True).count()}


def states(model) -> list:
    return list(model.objects.order_by("pk").values_list("pk", "state"))
