"""Demo staffing data (``govhall seed_demo`` calls ``seed()`` after the demo cases exist).

Last month and this month up to yesterday: every window clerk at the centre signs in and out,
mostly on time, with some lateness, a few missed sign-outs, approved leave for a few people, one
unexcused absence and some off-post times. Duty leaders score last month's candidates, and last
month's red-flag windows and excellent staff are computed and published through the services;
this month's public votes are open. Idempotent: nothing is written when the rows are there.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from govhall.core import audit
from govhall.org.models import Role, SiteKind, Staff
from govhall.staffing import assessment, awards, rules
from govhall.staffing.models import (
    AttendanceRecord,
    Award,
    LeaveKind,
    LeaveRequest,
    LeaveState,
    OffPost,
    Selection,
    Session,
    Source,
)

SEED = 20260601


def _people() -> list[Staff]:
    return list(
        Staff.objects.filter(active=True, window__isnull=False, site__kind=SiteKind.CENTRE)
        .select_related("user")
        .order_by("employee_no")
    )


def _record(
    rng: random.Random, staff: Staff, day: dt.date, session: str, hours: rules.Hours
) -> AttendanceRecord:
    start, end = hours.bounds(session)
    roll = rng.random()
    late = rng.randint(1, 25) if roll < 0.06 else 0
    sign_in = rules.at(day, start) + dt.timedelta(minutes=late - (0 if late else rng.randint(1, 25)))
    sign_out = None if rng.random() < 0.01 else rules.at(day, end) + dt.timedelta(minutes=rng.randint(0, 20))
    return AttendanceRecord(
        staff=staff, day=day, session=session, sign_in_at=sign_in, sign_in_source=rng.choice(Source.values[:2]),
        late_minutes=late, sign_out_at=sign_out, sign_out_source=Source.PAD if sign_out else "",
    )  # fmt: skip


def _leave(staff: Staff, day: dt.date, kind: str, decider, now) -> LeaveRequest:
    return LeaveRequest(
        staff=staff, kind=kind, start_day=day, start_session=Session.MORNING, end_day=day,
        end_session=Session.AFTERNOON, half_days=2, reason="演示：家中有事" if kind == LeaveKind.PERSONAL else "演示",
        state=LeaveState.APPROVED, submitted_at=now, decided_by=decider, decided_at=now, decision_note="同意",
    )  # fmt: skip


@transaction.atomic(durable=True)
def _attendance(people: list[Staff], days: list[dt.date], manager) -> dict[str, int]:
    rng, hours, now = random.Random(SEED), rules.hours(), timezone.now()
    leave_days = {people[i].pk: days[(i * 7) % len(days)] for i in range(1, len(people), 9)}
    absent = {people[4].pk: days[len(days) // 2]} if len(people) > 4 else {}
    rows, leaves = [], []
    for staff in people:
        for day in days:
            if leave_days.get(staff.pk) == day:
                leaves.append(
                    _leave(staff, day, rng.choice([LeaveKind.PERSONAL, LeaveKind.SICK]), manager, now)
                )
                continue
            if absent.get(staff.pk) == day:
                continue
            rows += [_record(rng, staff, day, s, hours) for s in (Session.MORNING, Session.AFTERNOON)]
    AttendanceRecord.objects.bulk_create(rows, batch_size=2000)
    LeaveRequest.objects.bulk_create(leaves)
    off = []
    for staff in people[2 : len(people) : 15]:
        day = rng.choice(days)
        start = rules.at(day, hours.pm_start) + dt.timedelta(minutes=rng.randint(20, 120))
        minutes = rng.choice([8, 16, 25])
        off.append(OffPost(staff=staff, started_at=start, ended_at=start + dt.timedelta(minutes=minutes),
                           minutes=minutes, reason="巡查发现离岗", approved=False, recorded_by=manager,
                           recorded_at=now))  # fmt: skip
    OffPost.objects.bulk_create(off)
    audit.record(action="demo.staffing_seed", actor=None, object_type="staffing", object_id="demo",
                 after={"records": len(rows), "leave": len(leaves), "off_posts": len(off)})  # fmt: skip
    return {"考勤记录": len(rows), "请假（已批准）": len(leaves), "离岗记录": len(off)}


def _scores(period: str, leaders: list[Staff]) -> int:
    rng, n = random.Random(SEED + 1), 0
    for leader in leaders:
        for window in awards.candidate_windows()[:12]:
            awards.duty_score_enter(period=period, award=Award.RED_FLAG, window_id=window.pk,
                                    score=rng.randint(80, 98), actor=leader.user)  # fmt: skip
            n += 1
        for person in awards.candidate_staff()[:20]:
            awards.duty_score_enter(period=period, award=Award.EXCELLENT_STAFF, staff_id=person.pk,
                                    score=rng.randint(80, 98), actor=leader.user)  # fmt: skip
            n += 1
    return n


def seed() -> dict[str, int]:
    today = timezone.localdate()
    last = rules.previous_month(today)
    if AttendanceRecord.objects.exists() or Selection.objects.filter(period=last.code).exists():
        return {}
    people = _people()
    manager = (
        Staff.objects.filter(role=Role.MANAGER, active=True).select_related("user").order_by("pk").first()
    )
    if not people or manager is None:
        return {}
    days = assessment.working_days(last.start, today)
    counts = _attendance(people, days, manager.user)
    leaders = list(Staff.objects.filter(role=Role.DUTY_LEADER, active=True).select_related("user")[:2])
    counts["值班领导评分"] = _scores(last.code, leaders) if leaders else 0
    published = 0
    for award in (Award.RED_FLAG, Award.EXCELLENT_STAFF):
        selection = awards.selection_compute(award=award, period=last.code, actor=manager.user)
        if selection.entries.exists():
            awards.selection_publish(selection=selection, actor=manager.user)
            published += selection.entries.count()
        awards.vote_period_open(award=award, period=rules.month_of(today).code, actor=manager.user)
    counts["上月红旗窗口和优秀工作人员（已发布）"] = published
    counts["本月公众投票"] = 2
    return counts
