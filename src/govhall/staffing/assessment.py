"""The monthly assessment (每月一合计) and the half-yearly summary (半年一总结), ADR 0018.

A month is computed for a set of people at once from a fixed number of queries — attendance rows,
approved leave, off-post counts, case quality (``quality``) — never per person. The half days a
person owed are the working half days (core.workdays) of the month that have ended, from the day
they joined; a half day on approved leave is owed by nobody. Each owed half day is then:

- absent (缺勤半天): no sign-in and no sign-out;
- missed sign-in (漏签到) / missed sign-out (漏签退): one of the two is missing;
- late (迟到) by ``late_minutes``: up to ``late_minor_minutes`` a minor, beyond it a major deduction;
- early (早退) when signed out before the session ended.
Off-post records count when unapproved and at least ``off_post_minutes`` long. Case quality adds
deductions per return, yellow and red card, bad rating and upheld complaint. The score is 100 minus
everything, not below 0, one decimal (GOVHALL_STAFFING_DEDUCTIONS for every number).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy

from govhall.core import workdays
from govhall.org.models import Staff
from govhall.staffing import rules
from govhall.staffing.models import AttendanceRecord, LeaveRequest, LeaveState, OffPost, Session
from govhall.staffing.quality import Quality, person_quality

SESSIONS = (Session.MORNING, Session.AFTERNOON)
ATTENDANCE_ITEMS = ("late_minor", "late_major", "early_leave", "missed_sign_in", "missed_sign_out",
                    "half_day_absence", "off_post")  # fmt: skip
QUALITY_ITEMS = ("return", "yellow_card", "red_card", "bad_rating", "complaint_upheld")
LABELS = {
    "late_minor": gettext_lazy("迟到（轻）"), "late_major": gettext_lazy("迟到（重）"),
    "early_leave": gettext_lazy("早退"), "missed_sign_in": gettext_lazy("漏签到"),
    "missed_sign_out": gettext_lazy("漏签退"), "half_day_absence": gettext_lazy("缺勤半天"),
    "off_post": gettext_lazy("离岗"), "return": gettext_lazy("办件被退回"), "yellow_card": gettext_lazy("黄牌"),
    "red_card": gettext_lazy("红牌"), "bad_rating": gettext_lazy("差评"), "complaint_upheld": gettext_lazy("查实投诉"),
}  # fmt: skip


@dataclass
class PersonMonth:
    staff: Staff
    period: rules.Period
    owed: int = 0  # working half days owed so far (leave excluded)
    present: int = 0
    late_minor: int = 0
    late_major: int = 0
    late_minutes: int = 0
    early_leave: int = 0
    missed_sign_in: int = 0
    missed_sign_out: int = 0
    half_day_absence: int = 0
    leave_half_days: int = 0  # approved leave in the month's working half days
    off_post: int = 0  # counted off-post times
    off_post_minutes: int = 0
    quality: Quality = field(default_factory=Quality)
    deductions: dict[str, Decimal] = field(default_factory=dict)
    score: Decimal = Decimal("100")

    @property
    def attendance_deduction(self) -> Decimal:
        return sum((self.deductions.get(k, Decimal(0)) for k in ATTENDANCE_ITEMS), Decimal(0))

    @property
    def quality_deduction(self) -> Decimal:
        return sum((self.deductions.get(k, Decimal(0)) for k in QUALITY_ITEMS), Decimal(0))

    @property
    def leave_days(self) -> Decimal:
        return Decimal(self.leave_half_days) / 2

    def deduction_rows(self) -> list[tuple[str, str, int, Decimal]]:
        """(key, label, count, points) of every item that cost points."""
        counts = self.counts()
        return [(k, str(LABELS[k]), counts[k], v) for k, v in self.deductions.items()]

    def counts(self) -> dict[str, int]:
        q = self.quality
        return {
            "late_minor": self.late_minor, "late_major": self.late_major, "early_leave": self.early_leave,
            "missed_sign_in": self.missed_sign_in, "missed_sign_out": self.missed_sign_out,
            "half_day_absence": self.half_day_absence, "off_post": self.off_post, "return": q.returns,
            "yellow_card": q.yellow, "red_card": q.red, "bad_rating": q.bad_ratings or 0,
            "complaint_upheld": q.complaints_upheld or 0,
        }  # fmt: skip


def _points(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def score_of(counts: dict[str, int], weights: dict[str, Decimal]) -> tuple[Decimal, dict[str, Decimal]]:
    parts = {key: weights[key] * n for key, n in counts.items() if n}
    total = Decimal(100) - sum(parts.values(), Decimal(0))
    return _points(min(max(total, Decimal(0)), Decimal(100))), {k: _points(v) for k, v in parts.items()}


def working_days(start: dt.date, end: dt.date) -> list[dt.date]:
    """Working days in [start, end): at most a month, each an O(1) look-up in the calendar index."""
    days, day = [], start
    while day < end:
        if workdays.is_workday(day):
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def _ended_sessions(days: list[dt.date], now: dt.datetime) -> list[tuple[dt.date, str]]:
    hours = rules.hours()
    return [(d, s) for d in days for s in SESSIONS if rules.at(d, hours.bounds(s)[1]) <= now]


def _leave_sessions(staff_ids, period: rules.Period, days: list[dt.date]) -> dict[int, set]:
    """(day, session) pairs of the month's working days covered by approved leave, per person."""
    leaves = LeaveRequest.objects.filter(
        staff_id__in=staff_ids, state=LeaveState.APPROVED, start_day__lt=period.end, end_day__gte=period.start
    ).values_list("staff_id", "start_day", "start_session", "end_day", "end_session")  # fmt: skip
    covered: dict[int, set] = {}
    for staff_id, s_day, s_session, e_day, e_session in leaves:
        mine = covered.setdefault(staff_id, set())
        for day in days:
            for session in SESSIONS:
                if (s_day, s_session) <= (day, session) <= (e_day, e_session):
                    mine.add((day, session))
    return covered


def _off_posts(staff_ids, period: rules.Period, minimum: Decimal) -> dict[int, tuple[int, int]]:
    t0, t1 = rules.at(period.start, dt.time.min), rules.at(period.end, dt.time.min)
    rows = (
        OffPost.objects.filter(staff_id__in=staff_ids, started_at__gte=t0, started_at__lt=t1)
        .values("staff_id")
        .annotate(n=Count("id", filter=Q(approved=False, minutes__gte=minimum)),
                  m=Sum("minutes", filter=Q(approved=False)))
        .order_by()
    )  # fmt: skip
    return {row["staff_id"]: (row["n"], row["m"] or 0) for row in rows}


def _attendance(months: dict[int, PersonMonth], period, days, now, w) -> None:
    ended = set(_ended_sessions(days, now))
    leave = _leave_sessions(list(months), period, days)
    minor = int(w["late_minor_minutes"])
    seen: dict[int, set] = {pk: set() for pk in months}
    rows = AttendanceRecord.objects.filter(
        staff_id__in=list(months), day__gte=period.start, day__lt=period.end
    ).values_list("staff_id", "day", "session", "sign_in_at", "late_minutes", "sign_out_at", "early_minutes")
    for staff_id, day, session, sign_in, late, sign_out, early in rows:
        m, key = months[staff_id], (day, session)
        if key in leave.get(staff_id, ()) or not workdays.is_workday(day):
            continue
        seen[staff_id].add(key)
        m.present += 1
        if sign_in is not None and late:
            m.late_minutes += late
            if late <= minor:
                m.late_minor += 1
            else:
                m.late_major += 1
        if sign_in is None:
            m.missed_sign_in += 1
        elif sign_out is None and key in ended:
            m.missed_sign_out += 1
        if sign_out is not None and early:
            m.early_leave += 1
    for staff_id, m in months.items():
        joined = m.staff.joined_on or dt.date.min
        mine = leave.get(staff_id, set())
        m.leave_half_days = len(mine)
        owed = {key for key in ended if key[0] >= joined and key not in mine}
        m.owed = len(owed)
        m.half_day_absence = len(owed - seen[staff_id])


def month_sheet(period: rules.Period | str, staff, *, now: dt.datetime | None = None) -> list[PersonMonth]:
    """Every person of ``staff`` (a Staff QuerySet) assessed for a month, in employee-number order."""
    period = period if isinstance(period, rules.Period) else rules.period_parse(period, kinds=("month",))
    now = now or timezone.now()
    w = rules.deductions()
    people = list(
        staff.filter(active=True).select_related("department", "window", "user").order_by("employee_no")
    )
    months = {s.pk: PersonMonth(staff=s, period=period) for s in people}
    if not months:
        return []
    days = working_days(period.start, period.end)
    _attendance(months, period, days, now, w)
    for staff_id, (n, minutes) in _off_posts(list(months), period, w["off_post_minutes"]).items():
        months[staff_id].off_post, months[staff_id].off_post_minutes = n, minutes
    quality, _present = person_quality({s.pk: s.user_id for s in people}, period.start, period.end)
    for staff_id, m in months.items():
        m.quality = quality[staff_id]
        m.score, m.deductions = score_of(m.counts(), w)
    return list(months.values())


def person_month(period: rules.Period | str, staff: Staff, *, now: dt.datetime | None = None) -> PersonMonth:
    return month_sheet(period, Staff.objects.filter(pk=staff.pk), now=now)[0]


def records_of(staff: Staff, period: rules.Period) -> list[AttendanceRecord]:
    """The month's attendance rows of one person (the "my month" page lists them)."""
    return list(AttendanceRecord.objects.filter(staff=staff, day__gte=period.start, day__lt=period.end))


@dataclass
class PersonSummary:
    staff: Staff
    months: list[PersonMonth]

    @property
    def average(self) -> Decimal:
        return _points(sum((m.score for m in self.months), Decimal(0)) / len(self.months))

    def total(self, name: str) -> int:
        return sum(getattr(m, name) for m in self.months)

    @property
    def late_total(self) -> int:
        return self.total("late_minor") + self.total("late_major")

    @property
    def absence_total(self) -> int:
        return self.total("half_day_absence")

    @property
    def off_post_total(self) -> int:
        return self.total("off_post")

    @property
    def returns(self) -> int:
        return sum(m.quality.returns for m in self.months)

    @property
    def cards(self) -> tuple[int, int]:
        return sum(m.quality.yellow for m in self.months), sum(m.quality.red for m in self.months)

    @property
    def on_time_rate(self) -> Decimal | None:
        timed = sum(m.quality.timed for m in self.months)
        on_time = sum(m.quality.on_time for m in self.months)
        return (Decimal(on_time) * 100 / timed).quantize(Decimal("0.01")) if timed else None

    @property
    def leave_days(self) -> Decimal:
        return sum((m.leave_days for m in self.months), Decimal(0))


def period_summary(
    period: rules.Period | str, staff, *, now: dt.datetime | None = None
) -> list[PersonSummary]:
    """Half-yearly (or any multi-month) summary: the months that have begun, averaged per person."""
    period = period if isinstance(period, rules.Period) else rules.period_parse(period)
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    sheets = [month_sheet(code, staff, now=now) for code in period.month_codes()
              if rules.period_parse(code).start <= today]  # fmt: skip
    people: dict[int, PersonSummary] = {}
    for sheet in sheets:
        for m in sheet:
            people.setdefault(m.staff.pk, PersonSummary(m.staff, [])).months.append(m)
    return list(people.values())
