"""core.throttle: failure counters that expire, shared by the case lookup and the attendance pad."""

import datetime as dt

import time_machine
from django.core.cache import cache

from govhall.core import throttle


def setup_function():
    cache.clear()


def test_failures_count_up_and_clear():
    assert throttle.failures("k") == 0
    assert [throttle.failure_add("k", 60) for _ in range(3)] == [1, 2, 3]
    assert throttle.failures("k") == 3
    throttle.failures_clear("k")
    assert throttle.failures("k") == 0


def test_a_counter_expires_after_its_window_unless_sliding():
    with time_machine.travel(dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        throttle.failure_add("fixed", 60)
        throttle.failure_add("slide", 60, sliding=True)
        clock.shift(50)
        throttle.failure_add("fixed", 60)
        throttle.failure_add("slide", 60, sliding=True)
        clock.shift(50)  # 100 s after the first failure, 50 s after the second
        assert throttle.failures("fixed") == 0
        assert throttle.failures("slide") == 2
