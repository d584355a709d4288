"""The working-day engine and its CLI: 民法典 Art. 201/203 counting on the seeded calendar."""

import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from govhall.core import workdays
from govhall.core.calendar import calendar_set_day
from govhall.core.errors import ValidationFailed
from govhall.core.models import CalendarDay, CalendarYear

pytestmark = pytest.mark.django_db
BJ = ZoneInfo("Asia/Shanghai")
D = dt.date


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BJ)


@pytest.fixture(autouse=True)
def fresh_index():
    # The index is per process; tests that edit the calendar roll back, so start and end clean.
    workdays.invalidate()
    yield
    workdays.invalidate()


def run(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("workdays", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue().strip(), err.getvalue().strip()


# -- CLI contract (CONTRACTS.md) --------------------------------------------------------------
def test_cli_add_prints_the_date():
    assert run("add", "2026-09-30", "20") == (0, "2026-11-03", "")


def test_cli_between_prints_the_count():
    assert run("between", "2026-09-30", "2026-11-03") == (0, "20", "")


def test_cli_is_names_the_kind_of_day():
    assert run("is", "2026-10-10")[:2] == (0, "工作日")
    assert run("is", "2026-10-03")[:2] == (0, "休息日")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("add", "2026-13-01", "3"), "不是有效日期"),
        (("add", "2026-09-30", "x"), "不是有效的数字"),
        (("add", "2026-09-30", "2.3"), "半日为单位"),
        (("between", "2026-09-30", "yesterday"), "不是有效日期"),
        (("add", "1999-01-04", "1"), "超出工作日历范围"),
    ],
)
def test_cli_bad_input_exits_2_with_a_chinese_message(args, message):
    code, out, err = run(*args)
    assert code == 2
    assert out == ""
    assert message in err


# -- 民法典 Art. 201: the start day is not counted ----------------------------------------------
def test_national_day_example():
    assert workdays.add_workdays(D(2026, 9, 30), 20) == D(2026, 11, 3)
    assert workdays.workdays_between(D(2026, 9, 30), D(2026, 11, 3)) == 20


def test_start_on_a_holiday_counts_from_the_next_working_day():
    assert workdays.add_workdays(D(2026, 10, 3), 1) == D(2026, 10, 8)


def test_start_on_a_weekend():
    assert workdays.add_workdays(D(2026, 11, 28), 1) == D(2026, 11, 30)


def test_adjusted_saturday_is_a_working_day():
    assert workdays.is_workday(D(2026, 10, 10)) is True
    assert workdays.is_workday(D(2026, 10, 11)) is False
    assert workdays.add_workdays(D(2026, 10, 9), 1) == D(2026, 10, 10)
    assert workdays.add_workdays(D(2026, 10, 10), 1) == D(2026, 10, 12)
    assert workdays.workdays_between(D(2026, 10, 9), D(2026, 10, 12)) == 2


def test_zero_and_negative_counts():
    assert workdays.add_workdays(D(2026, 10, 3), 0) == D(2026, 10, 3)
    assert workdays.add_workdays(D(2026, 10, 8), -1) == D(2026, 9, 30)
    assert workdays.workdays_between(D(2026, 11, 3), D(2026, 9, 30)) == -20


def test_half_day_remainder_ends_on_the_next_working_day():
    assert workdays.add_workdays(D(2026, 9, 30), Decimal("2.5")) == D(2026, 10, 10)


# -- instants: working days in half-day steps, natural days, hours ------------------------------
def test_working_days_end_at_24_00_of_the_last_day():
    # Art. 203: 24:00 of 3 Nov is the instant 00:00 of 4 Nov; the hour of acceptance does not matter.
    assert workdays.due_instant(at(2026, 9, 30, 9, 0), 20, "workday") == at(2026, 11, 4)
    assert workdays.due_instant(at(2026, 9, 30, 23, 59), 20, "workday") == at(2026, 11, 4)


def test_half_days_end_at_noon():
    assert workdays.due_instant(at(2026, 9, 30, 15, 0), Decimal("0.5"), "workday") == at(2026, 10, 8, 12)
    assert workdays.due_instant(at(2026, 9, 30, 15, 0), Decimal("2.5"), "workday") == at(2026, 10, 10, 12)
    assert workdays.due_instant(at(2026, 11, 27, 10, 0), Decimal("1"), "workday") == at(2026, 12, 1)


def test_zero_working_days_ends_with_the_start_day():
    assert workdays.due_instant(at(2026, 11, 28, 10, 0), 0, "workday") == at(2026, 11, 29)


def test_natural_days():
    assert workdays.due_instant(at(2026, 9, 25, 10), 5, "day") == at(2026, 10, 1)


def test_natural_days_ending_on_a_holiday_move_to_the_next_working_day():
    # Art. 203: the last day (1 Oct) is a statutory holiday, so the period ends on 8 Oct.
    assert workdays.due_instant(at(2026, 9, 26, 10), 5, "day") == at(2026, 10, 9)
    # A last day on an ordinary weekend moves to Monday.
    assert workdays.due_instant(at(2026, 11, 23, 10), 5, "day") == at(2026, 12, 1)


def test_hours_count_from_the_instant_and_ignore_the_calendar():
    assert workdays.due_instant(at(2026, 10, 1, 10), 24, "hour") == at(2026, 10, 2, 10)
    assert workdays.due_instant(at(2026, 10, 1, 10), Decimal("1.5"), "hour") == at(2026, 10, 1, 11, 30)


def test_worktime_skips_rest_days():
    friday_noon, monday_noon = at(2026, 11, 27, 12), at(2026, 11, 30, 12)
    assert workdays.worktime_at(monday_noon) - workdays.worktime_at(friday_noon) == workdays.DAY_US
    assert workdays.instant_at_worktime(workdays.worktime_at(monday_noon)) == monday_noon


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: workdays.due_instant(at(2026, 9, 30), 1, "week"), "时限单位"),
        (lambda: workdays.due_instant(dt.datetime(2026, 9, 30), 1, "workday"), "时区"),
        (lambda: workdays.due_instant(at(2026, 9, 30), Decimal("1.2"), "workday"), "半日"),
        (lambda: workdays.due_instant(at(2026, 9, 30), -1, "workday"), "负数"),
        (lambda: workdays.due_instant(at(2026, 9, 30), Decimal("1.5"), "day"), "整数"),
        (lambda: workdays.add_workdays(D(2029, 12, 20), 20), "超出工作日历范围"),
        (lambda: workdays.workdays_between(D(2003, 12, 31), D(2004, 1, 5)), "超出工作日历范围"),
        (lambda: workdays.is_workday(D(2040, 1, 2)), "超出工作日历范围"),
    ],
)
def test_bad_input_raises_a_chinese_domain_error(call, message):
    with pytest.raises(ValidationFailed) as exc:
        call()
    assert message in exc.value.message


# -- the index follows calendar changes ----------------------------------------------------------
def test_a_day_edit_is_seen_at_once_in_this_process():
    assert workdays.add_workdays(D(2026, 11, 27), 1) == D(2026, 11, 30)
    calendar_set_day(day=D(2026, 11, 30), is_workday=False, note="停电闭厅", actor=None)
    assert workdays.add_workdays(D(2026, 11, 27), 1) == D(2026, 12, 1)


def test_another_process_edit_is_seen_after_the_version_check(monkeypatch):
    monkeypatch.setattr(workdays, "CHECK_INTERVAL_SECONDS", 10**9)
    assert workdays.is_workday(D(2026, 11, 30)) is True
    # Another process edits the table and touches the year's version, as the services do.
    CalendarDay.objects.filter(date=D(2026, 11, 30)).update(is_workday=False)
    assert workdays.is_workday(D(2026, 11, 30)) is True  # within the check interval: still cached
    CalendarYear.objects.filter(year=2026).update(updated_at=at(2030, 1, 1))
    monkeypatch.setattr(workdays, "CHECK_INTERVAL_SECONDS", 0)
    assert workdays.is_workday(D(2026, 11, 30)) is False
