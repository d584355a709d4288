"""Property: any legal sequence of pauses, resumes and an extension keeps a case's clocks consistent.

On the budget's own measure line (working time for working-day limits, natural time for day and
hour limits; ADR 0003) the span from the period's origin to the due instant is split exactly into
time used + time paused + time left, and that span is the limit (+ the extension) + the paused
time. Checked for the legal and the promised clock of cases whose item counts in working days,
natural days and hours, at random instants across weekends, holidays and adjusted workdays.
"""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govhall.cases import clocks
from govhall.cases.services import case_accept, case_submit
from govhall.catalog.services import item_update
from govhall.core import workdays
from govhall.core.clock import ClockStatus
from tests.cases import factories as f

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
EPOCH = dt.datetime(2026, 1, 1, tzinfo=TZ)
UNIT_US = {"workday": workdays.DAY_US, "day": workdays.DAY_US, "hour": workdays.HOUR_US}
HALF_QUANTUM = Decimal("0.005")  # used() is quantized to 0.01 of the unit
# (legal, promised) limits per unit; the workday item is the factory's (20 / 5 working days).
LIMITS = {"day": (Decimal(30), Decimal(15)), "hour": (Decimal(48), Decimal(24))}


def at(month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=TZ)


@pytest.fixture
def cases(clerk):
    """One accepted case per limit unit; the examples reset its clock columns in memory."""
    items = {"workday": f.item()}
    for n, (unit, (legal, promised)) in enumerate(LIMITS.items(), start=2):
        items[unit] = f.item(
            code=f"11510100MB0000001X-00{n}", name=f"测试事项{unit}", legal_limit=legal, promised_limit=promised,
            legal_limit_unit=unit, promised_limit_unit=unit,
        )  # fmt: skip
    result = {}
    for unit, the_item in items.items():
        with time_machine.travel(at(9, 1, 10), tick=False):
            case = case_submit(**f.submit_kwargs(the_item, clerk))
            result[unit] = case_accept(case=case, actor=clerk)
    return result


def reset(case, accepted_at: dt.datetime):
    case.accepted_at, case.clock_pauses, case.extension_workdays = accepted_at, [], Decimal(0)
    case.clock_stopped_at = None
    clocks.refresh(case)
    return case


# --- an independent oracle of the measure line ---------------------------------------------------


def line(unit: str, instant: dt.datetime) -> int:
    if unit == "workday":
        return workdays.worktime_at(instant)
    return (instant - EPOCH) // dt.timedelta(microseconds=1)


def origin(unit: str, start: dt.datetime) -> dt.datetime:
    # 民法典 Art. 201: hours count from the instant, days from 00:00 of the next day.
    return (
        start if unit == "hour" else dt.datetime.combine(start.date() + dt.timedelta(days=1), dt.time(), TZ)
    )


def counted(unit: str, org: dt.datetime, low: dt.datetime, high: dt.datetime) -> int:
    low, high = max(low, org), max(high, org)
    return line(unit, high) - line(unit, low) if high > low else 0


def paused_us(case, unit: str, org: dt.datetime, now: dt.datetime) -> int:
    total = 0
    for p in case.clock_pauses:
        end = dt.datetime.fromisoformat(p["end"]) if p["end"] else now
        total += counted(unit, org, dt.datetime.fromisoformat(p["start"]), min(end, now))
    return total


def last_day(instant: dt.datetime) -> dt.date:
    """The day a deadline falls on: 00:00 is 24:00 of the day before (民法典 Art. 203)."""
    local = instant.astimezone(TZ)
    return local.date() - dt.timedelta(days=1) if local.time() == dt.time() else local.date()


def check(case, now: dt.datetime, seen: dict) -> None:
    """The invariants of the legal and the promised clock at ``now``; ``seen`` keeps the last due."""
    for name in ("legal", "promised"):
        clock = getattr(clocks, f"{name}_clock")(case)
        unit = clock.budget.unit
        # clocks._budget: an extension is in working days; day limits take it as days, hour limits ignore it.
        limit = getattr(case.item, f"{name}_limit") + (case.extension_workdays if unit != "hour" else 0)
        assert clock.budget.amount == limit
        org = origin(unit, case.accepted_at)
        paused = paused_us(case, unit, org, now)
        assert clock.paused_time(now) == paused
        used = clock.used(now)
        assert abs(used - Decimal(counted(unit, org, org, now) - paused) / UNIT_US[unit]) <= HALF_QUANTUM
        if clock.paused:
            assert clock.due_at is None and getattr(case, f"{name}_due_at") is None
            start = dt.datetime.fromisoformat(case.clock_pauses[-1]["start"])
            assert clock.used(now) == clock.used(start)  # time stands still while paused
        else:
            assert clock.due_at == getattr(case, f"{name}_due_at")
            check_running(clock, org, now, limit, paused)
            # A pause or an extension only ever adds time.
            if name in seen:
                assert clock.due_at >= seen[name], (name, unit, seen[name], clock.due_at)
            seen[name] = clock.due_at


def check_running(clock, org: dt.datetime, now: dt.datetime, limit: Decimal, paused: int) -> None:
    unit, due, used = clock.budget.unit, clock.due_at, clock.used(now)
    span, left = line(unit, due) - line(unit, org), line(unit, due) - line(unit, max(now, org))
    # time used + time paused + time left = the span from the origin to the due instant …
    assert abs(used + Decimal(paused + left - span) / UNIT_US[unit]) <= HALF_QUANTUM
    # … and that span is the limit (+ extension) plus the paused time.
    if unit == "day":  # Art. 203: a period whose last day is a rest day ends on the next working day
        assert due >= org + dt.timedelta(days=int(limit), microseconds=paused)
        assert workdays.is_workday(last_day(due))
    else:
        assert span == int(limit * UNIT_US[unit]) + paused
    if unit == "workday" and now >= org:  # on the start day: see test_left_on_the_acceptance_day_…
        assert abs(clock.remaining_workdays(now) - clock.remaining(now)) <= 2 * HALF_QUANTUM
    assert (clock.status(now) == ClockStatus.RED) == (now >= due)


STEPS = st.lists(
    st.tuples(st.sampled_from(["toggle", "toggle", "extend", "check"]), st.integers(0, 6 * 24 * 60)),
    max_size=12,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    unit=st.sampled_from(["workday", "day", "hour"]),
    start_minutes=st.integers(0, 100 * 24 * 60),  # accepted between 1 Sep and 10 Dec 2026
    extension=st.sampled_from([Decimal(10), Decimal(15)]),
    steps=STEPS,
)
def test_random_pauses_resumes_and_extension_keep_the_clocks_consistent(
    cases, unit, start_minutes, extension, steps
):
    now = at(9, 1) + dt.timedelta(minutes=start_minutes)
    case = reset(cases[unit], now)
    seen: dict = {}
    check(case, now, seen)
    for action, gap in steps:
        now += dt.timedelta(minutes=gap)
        if action == "toggle" and case.clock_paused_at is None:
            clocks.pause(case, reason="补正", at=now)
        elif action == "toggle":
            clocks.resume(case, at=now)
        elif action == "extend" and not case.extension_workdays:
            case.extension_workdays = extension  # 行政许可法 Art. 42: once, +10 or +15 working days
        clocks.refresh(case)
        check(case, now, seen)


# --- deterministic cases ---------------------------------------------------------------------------


def run(case, accepted_at, *pauses):
    """Accept at ``accepted_at``, pause and resume at the given (start, end) pairs; return the case."""
    reset(case, accepted_at)
    for start, end in pauses:
        clocks.pause(case, reason="补正", at=start)
        clocks.refresh(case)
        check(case, start, {})
        clocks.resume(case, at=end)
        clocks.refresh(case)
        check(case, end, {})
    return case


def test_a_pause_across_a_saturday_moves_the_deadline_by_the_working_time_inside_it(cases):
    accepted = at(11, 18, 10)  # Wednesday
    before = run(cases["workday"], accepted).legal_due_at
    case = run(cases["workday"], accepted, (at(11, 20, 15), at(11, 23, 9)))  # Friday 15:00 → Monday 09:00
    assert workdays.worktime_at(case.legal_due_at) - workdays.worktime_at(before) == 18 * workdays.HOUR_US
    assert clocks.legal_clock(case).used(at(11, 23, 12)) == Decimal("1.75")  # Thu + Fri 15 h + Mon 3 h
    # A pause inside the weekend moves nothing; an hour limit counts it in full.
    assert run(cases["workday"], accepted, (at(11, 21, 8), at(11, 22, 20))).legal_due_at == before
    hour = run(cases["hour"], accepted, (at(11, 21, 8), at(11, 22, 20)))
    assert hour.legal_due_at == accepted + dt.timedelta(hours=48 + 36)


def test_a_pause_across_the_national_day_holiday_moves_only_the_working_days_at_either_end(cases):
    accepted = at(9, 28, 10)  # Monday
    before = run(cases["workday"], accepted).legal_due_at
    # 30 Sep 12:00 → 9 Oct 12:00: half of 30 Sep, all of Thursday 8 Oct, half of 9 Oct (1–7 Oct rest).
    case = run(cases["workday"], accepted, (at(9, 30, 12), at(10, 9, 12)))
    assert workdays.worktime_at(case.legal_due_at) - workdays.worktime_at(before) == 2 * workdays.DAY_US
    legal = clocks.legal_clock(case)
    assert legal.used(at(10, 9, 12)) == Decimal("1.5")  # 29 Sep and the morning of 30 Sep
    assert legal.used(at(10, 7, 23)) == legal.used(at(10, 1, 1))  # holidays consume nothing
    # A natural-day limit ending in the holiday ends at 24:00 of the next working day (Art. 203).
    day = run(cases["day"], at(9, 16, 10))  # 30 days from 17 Sep end on 16 Oct, a Friday
    assert day.legal_due_at == at(10, 17)
    day = run(cases["day"], at(9, 17, 10), (at(9, 18, 0), at(9, 30, 0)))  # +12 days → 30 Oct ok
    assert day.legal_due_at == at(10, 30)


def test_the_adjusted_saturday_10_october_counts_as_a_working_day(cases):
    # 2026 National Day schedule: Saturday 10 Oct is an adjusted working day (调休上班).
    assert workdays.is_workday(dt.date(2026, 10, 10)) and not workdays.is_workday(dt.date(2026, 10, 17))
    case = run(cases["workday"], at(10, 9, 10))  # Friday: 10, 12, 13, 14, 15 Oct
    assert case.promised_due_at == at(10, 16)  # 24:00 of Thursday 15 Oct
    # Friday 12:00 → Monday 12:00 holds 2 working days across the adjusted weekend, 1 across a normal one.
    adjusted = run(cases["workday"], at(10, 7, 10), (at(10, 9, 12), at(10, 12, 12)))
    assert clocks.promised_clock(adjusted).paused_time() == 2 * workdays.DAY_US
    normal = run(cases["workday"], at(10, 14, 10), (at(10, 16, 12), at(10, 19, 12)))
    assert clocks.promised_clock(normal).paused_time() == workdays.DAY_US


def test_an_extension_while_paused_adds_its_working_days_after_the_resume(cases):
    case = run(cases["workday"], at(11, 2, 10))
    before = case.legal_due_at
    clocks.pause(case, reason="专家评审", at=at(11, 4, 12))
    case.extension_workdays = Decimal(10)
    clocks.refresh(case)
    assert case.legal_due_at is None
    clocks.resume(case, at=at(11, 5, 12))
    clocks.refresh(case)
    moved = workdays.worktime_at(case.legal_due_at) - workdays.worktime_at(before)
    assert moved == 11 * workdays.DAY_US  # 10 extension + 1 paused


def test_day_unit_due_never_moves_earlier_after_a_pause(cases):
    """15 natural days from Fri 20 Nov end Sat 5 Dec → Mon 7 Dec 24:00 (Art. 203). A 10 h pause puts the
    raw end at Sun 6 Dec 10:00 → still Mon 24:00. A further 24 h pause puts it at Mon 7 Dec 10:00, a
    working day, so the deadline becomes Mon 10:00: 14 hours EARLIER although more time was paused."""
    first = (at(11, 23, 8), at(11, 23, 18))
    case = run(cases["day"], at(11, 20, 10), first)
    assert case.promised_due_at == at(12, 8)
    case = run(cases["day"], at(11, 20, 10), first, (at(11, 24, 8), at(11, 25, 8)))
    assert case.promised_due_at >= at(12, 8), case.promised_due_at  # fails: 2026-12-07 10:00


def test_an_item_edit_after_acceptance_leaves_the_cases_limits_alone(cases):
    """A case runs under the item version it was filed with; editing the item's legal limit from 20 to
    15 working days must not move an open case's deadline at its next pause, resume or extension."""
    case = run(cases["workday"], at(11, 2, 10))
    before = case.legal_due_at
    item_update(item=case.item, changes={"legal_limit": Decimal(15)}, actor=None, note="法规修订")
    case.item.refresh_from_db()  # as the next request loads it
    assert case.item_version.snapshot["legal_limit"] == "20"
    clocks.refresh(case)
    assert case.legal_due_at == before, case.legal_due_at  # fails: 5 working days earlier


def test_left_on_the_acceptance_day_is_the_limit(cases):
    """Accepted Monday 10:00 with 5 working days promised: nothing is used yet (the start day is not
    counted, 民法典 Art. 201), so the working days left shown by clocks.summary must be 5, not 5.58."""
    case = run(cases["workday"], at(11, 23, 10))
    shown = clocks.summary(case, at(11, 23, 10))
    assert shown["used"] == 0
    assert shown["used"] + shown["left"] == shown["limit"], shown["left"]  # fails: left = 5.58
