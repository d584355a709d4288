"""O(1) working-day arithmetic (cumulative index) against a day-by-day loop over the same calendar.

Run with ``make bench`` (or ``pytest bench/bench_workdays.py -o python_files='bench_*.py'``);
the ratio of the medians goes into docs/benchmarks.md.
"""

import datetime as dt

import pytest

from govhall.core import workdays
from govhall.core.models import CalendarDay

pytestmark = pytest.mark.django_db
STARTS = [dt.date(2026, 1, 5) + dt.timedelta(days=7 * i + i % 7) for i in range(40)]  # spread over 2026


@pytest.fixture
def table() -> dict[dt.date, bool]:
    workdays.invalidate()
    workdays.is_workday(STARTS[0])  # load the index once, as a running process has
    return dict(CalendarDay.objects.values_list("date", "is_workday"))


def loop_add(table: dict[dt.date, bool], start: dt.date, n: int) -> dt.date:
    day = start
    while n > 0:
        day += dt.timedelta(days=1)
        n -= table[day]
    return day


@pytest.mark.parametrize("n", [20, 250])
def test_index_add(benchmark, table, n):
    benchmark.group = f"add {n} working days x{len(STARTS)}"
    result = benchmark(lambda: [workdays.add_workdays(start, n) for start in STARTS])
    assert result == [loop_add(table, start, n) for start in STARTS]


@pytest.mark.parametrize("n", [20, 250])
def test_loop_add(benchmark, table, n):
    benchmark.group = f"add {n} working days x{len(STARTS)}"
    result = benchmark(lambda: [loop_add(table, start, n) for start in STARTS])
    assert result == [workdays.add_workdays(start, n) for start in STARTS]
