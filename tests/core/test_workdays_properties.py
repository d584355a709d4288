"""Property: the O(1) cumulative index agrees with a naive day-by-day walk over the calendar table."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govhall.core import workdays
from govhall.core.errors import ValidationFailed
from govhall.core.models import CalendarDay

pytestmark = pytest.mark.django_db
BJ = ZoneInfo("Asia/Shanghai")
FIRST, LAST = dt.date(2004, 1, 1), dt.date(2029, 12, 31)
SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def table(django_db_blocker) -> dict[dt.date, bool]:
    with django_db_blocker.unblock():
        workdays.invalidate()
        return dict(CalendarDay.objects.values_list("date", "is_workday"))


def naive_add(table: dict, start: dt.date, n: int) -> dt.date | None:
    day, left = start, n
    while left > 0:
        day += dt.timedelta(days=1)
        if day not in table:
            return None
        left -= table[day]
    return day


def naive_between(table: dict, a: dt.date, b: dt.date) -> int:
    return sum(table[a + dt.timedelta(days=i)] for i in range(1, (b - a).days + 1))


dates = st.dates(min_value=FIRST, max_value=LAST)


@SETTINGS
@given(start=dates, n=st.integers(min_value=0, max_value=400))
def test_add_matches_the_naive_walk(table, start, n):
    expected = naive_add(table, start, n)
    if expected is None:
        with pytest.raises(ValidationFailed):
            workdays.add_workdays(start, n)
    else:
        assert workdays.add_workdays(start, n) == expected


@SETTINGS
@given(a=dates, b=dates)
def test_between_matches_the_naive_count(table, a, b):
    low, high = min(a, b), max(a, b)
    expected = naive_between(table, low, high)
    assert workdays.workdays_between(low, high) == expected
    assert workdays.workdays_between(high, low) == -expected


@SETTINGS
@given(start=dates, halves=st.integers(min_value=1, max_value=200), minute=st.integers(0, 24 * 60 - 1))
def test_half_day_deadline_matches_the_naive_walk(table, start, halves, minute):
    instant = dt.datetime.combine(start, dt.time(minute // 60, minute % 60), tzinfo=BJ)
    last = naive_add(table, start, (halves + 1) // 2)
    if last is None or last >= LAST:
        return
    expected = dt.datetime.combine(last, dt.time(12 if halves % 2 else 0), tzinfo=BJ)
    if halves % 2 == 0:
        expected += dt.timedelta(days=1)  # 24:00 of the last day
    assert workdays.due_instant(instant, Decimal(halves) / 2, "workday") == expected


@SETTINGS
@given(start=dates, n=st.integers(min_value=1, max_value=300))
def test_add_and_between_are_inverse(table, start, n):
    try:
        end = workdays.add_workdays(start, n)
    except ValidationFailed:
        return
    assert workdays.workdays_between(start, end) == n
    assert workdays.is_workday(end)
