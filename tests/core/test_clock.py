"""The running clock: budget, pauses, due and warning instants, used and remaining time."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from govhall.core import workdays
from govhall.core.clock import Budget, ClockStatus, RunningClock
from govhall.core.errors import Conflict, ValidationFailed

pytestmark = pytest.mark.django_db
BJ = ZoneInfo("Asia/Shanghai")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BJ)


def clock(amount, unit="workday", start=None, **kwargs) -> RunningClock:
    return RunningClock(Budget(Decimal(str(amount)), unit), start or at(2026, 9, 30, 10), **kwargs)


def worktime_between(a: dt.datetime, b: dt.datetime) -> int:
    return workdays.worktime_at(b) - workdays.worktime_at(a)


def test_a_clock_without_pauses_ends_like_due_instant():
    c = clock(20)
    assert c.due_at == at(2026, 11, 4) == workdays.due_instant(c.started_at, 20, "workday")


def test_a_pause_across_a_weekend_moves_only_by_the_working_time_inside_it():
    c = clock(10, start=at(2026, 11, 2, 9))
    assert c.due_at == at(2026, 11, 17)
    # Friday 15:00 → Monday 09:00: 9 h of Friday + 9 h of Monday; the weekend adds nothing.
    c = c.pause(reason="补正", at=at(2026, 11, 13, 15)).resume(at=at(2026, 11, 16, 9))
    assert c.due_at == at(2026, 11, 17, 18)
    assert worktime_between(at(2026, 11, 17), c.due_at) == 18 * workdays.HOUR_US


def test_a_pause_across_the_national_day_holiday_moves_one_working_day():
    c = clock(5, start=at(2026, 9, 28, 10))
    assert c.due_at == at(2026, 10, 11)  # the 5th working day is the adjusted Saturday 10 Oct
    c = c.pause(reason="现场踏勘", at=at(2026, 9, 30, 12)).resume(at=at(2026, 10, 8, 12))
    assert c.due_at == at(2026, 10, 13)  # 8 natural days paused, 1 working day


def test_pause_time_on_the_uncounted_start_day_moves_nothing():
    c = clock(10, start=at(2026, 11, 2, 9))
    paused = c.pause(reason="补正", at=at(2026, 11, 2, 10)).resume(at=at(2026, 11, 2, 16))
    assert paused.due_at == c.due_at


def test_several_pauses_add_up():
    c = clock(10, start=at(2026, 11, 2, 9))
    c = c.pause(reason="补正", at=at(2026, 11, 3, 0)).resume(at=at(2026, 11, 3, 12))
    c = c.pause(reason="听证", at=at(2026, 11, 4, 12)).resume(at=at(2026, 11, 5, 0))
    assert c.due_at == at(2026, 11, 18)
    assert c.paused_time() == workdays.DAY_US


def test_while_paused_there_is_no_deadline_and_time_is_frozen():
    c = clock(20).pause(reason="补正", at=at(2026, 10, 9, 12))
    assert c.paused and c.due_at is None and c.warn_at is None
    assert c.used(at(2026, 10, 9, 12)) == c.used(at(2026, 10, 20, 12)) == Decimal("1.50")
    assert c.status(at(2026, 10, 20)) == ClockStatus.PAUSED
    assert c.remaining_workdays(at(2026, 10, 20, 12)) == Decimal("18.50")


def test_used_and_remaining_working_days():
    c = clock(20)
    assert c.used(at(2026, 9, 30, 18)) == Decimal("0.00")  # the start day is not counted
    assert c.used(at(2026, 10, 5, 12)) == Decimal("0.00")  # holiday
    assert c.used(at(2026, 10, 9, 12)) == Decimal("1.50")
    assert c.remaining(at(2026, 10, 9, 12)) == Decimal("18.50")
    assert c.remaining_workdays(at(2026, 10, 9, 12)) == Decimal("18.50")
    assert c.remaining(at(2026, 11, 5)) == Decimal("-1.00")


def test_warning_at_20_percent_of_the_limit():
    c = clock(20)
    assert c.warn_at == at(2026, 10, 29)  # 4 working days (20 %) before 24:00 of 3 Nov
    assert c.status(at(2026, 10, 28, 23)) == ClockStatus.NORMAL
    assert c.status(at(2026, 10, 29, 8)) == ClockStatus.YELLOW
    assert c.status(at(2026, 11, 4)) == ClockStatus.RED


def test_warning_at_one_working_day_for_short_limits():
    c = clock(3, start=at(2026, 11, 2, 9))  # 20 % is 0.6 day; the 1-working-day floor wins
    assert c.due_at == at(2026, 11, 6)
    assert c.warn_at == at(2026, 11, 5)


def test_warning_thresholds_are_parameters():
    assert clock(20, warn_ratio=Decimal("0.5")).warn_at == at(2026, 10, 21)  # end of the 10th day
    assert clock(3, start=at(2026, 11, 2, 9), warn_workdays=Decimal("0")).warn_at == at(2026, 11, 5, 9, 36)


def test_an_overdue_clock_stays_red_while_paused():
    c = clock(1, start=at(2026, 11, 2, 9)).pause(reason="补正", at=at(2026, 11, 5, 9))
    assert c.status(at(2026, 11, 6)) == ClockStatus.RED


def test_extension_adds_working_days():
    assert clock(20).extended(by=10).due_at == at(2026, 11, 18)  # 行政许可法 Art. 42


def test_natural_day_clock_with_a_pause_and_art_203():
    c = clock(10, "day", start=at(2026, 11, 2, 9))
    assert c.due_at == at(2026, 11, 13)
    c = c.pause(reason="检测", at=at(2026, 11, 5)).resume(at=at(2026, 11, 7))
    # 12 Nov + 2 natural days = Sat 14 Nov, a rest day: the period ends on Monday 16 Nov.
    assert c.due_at == at(2026, 11, 17)


def test_hour_clock_counts_from_the_instant():
    c = clock(4, "hour", start=at(2026, 10, 1, 10))
    assert c.due_at == at(2026, 10, 1, 14)
    assert c.warn_at == at(2026, 10, 1, 13, 12)
    c = c.pause(reason="补正", at=at(2026, 10, 1, 11)).resume(at=at(2026, 10, 1, 12, 30))
    assert c.due_at == at(2026, 10, 1, 15, 30)
    assert c.used(at(2026, 10, 1, 13)) == Decimal("1.50")


def test_the_clock_is_an_immutable_value():
    c = clock(20)
    paused = c.pause(reason="补正", at=at(2026, 10, 9))
    assert c.pauses == () and len(paused.pauses) == 1


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (
            lambda: clock(20).pause(reason="补正", at=at(2026, 10, 9)).pause(reason="x", at=at(2026, 10, 10)),
            Conflict,
            "已暂停",
        ),
        (lambda: clock(20).resume(at=at(2026, 10, 9)), Conflict, "未暂停"),
        (lambda: clock(20).pause(reason="补正", at=at(2026, 9, 29)), ValidationFailed, "不能早于"),
        (lambda: clock(20).pause(reason=" ", at=at(2026, 10, 9)), ValidationFailed, "暂停原因"),
        (
            lambda: clock(20).pause(reason="补正", at=at(2026, 10, 9)).resume(at=at(2026, 10, 8)),
            ValidationFailed,
            "不能早于",
        ),
        (lambda: clock(20).pause(reason="补正", at=dt.datetime(2026, 10, 9)), ValidationFailed, "时区"),
        (lambda: clock("1.3"), ValidationFailed, "半日"),
        (lambda: clock(2, "week"), ValidationFailed, "时限单位"),
        (lambda: clock("1.5", "day"), ValidationFailed, "无效"),
        (
            lambda: RunningClock(Budget(Decimal(1), "workday"), dt.datetime(2026, 9, 30)),
            ValidationFailed,
            "时区",
        ),
    ],
)
def test_bad_moves_raise_chinese_errors(make, error, message):
    with pytest.raises(error) as exc:
        make()
    assert message in exc.value.message
