"""The working-hours line the demo case history is drawn on.

Every instant of the history is a whole minute on this line: the open hours of the centre
(9:00–12:00 and 13:30–17:00) of the working days of the calendar, laid end to end, so that
"two working hours later" is an addition and no event ever falls on a rest day or at night.
"""

import datetime as dt
from bisect import bisect_right

from django.utils import timezone

from govhall.core import workdays

MORNING = 180  # minutes from 9:00 to 12:00
DAY = 390  # plus 13:30 to 17:00: the open minutes of one working day
_OPEN = dt.time(9, 0)
_AFTERNOON = dt.time(13, 30)
_OPEN_S, _NOON_S, _AFTERNOON_S, _CLOSE_S = 9 * 3600, 12 * 3600, 13 * 3600 + 1800, 17 * 3600


def _seconds(value: dt.datetime) -> float:
    return value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6


def _ceil_minutes(seconds: float) -> int:
    return -int(-seconds // 60)


class WorkLine:
    """Working days from ``first`` to ``last`` (inclusive) as minutes 0, 1, 2 … of open hours."""

    def __init__(self, first: dt.date, last: dt.date) -> None:
        days, day = [], first
        while day <= last:
            if workdays.is_workday(day):
                days.append(day)
            day += dt.timedelta(days=1)
        self.days: list[dt.date] = days
        self.index = {d: i for i, d in enumerate(days)}

    def instant(self, minute: int) -> dt.datetime:
        day, rest = divmod(minute, DAY)
        start, offset = (_OPEN, rest) if rest < MORNING else (_AFTERNOON, rest - MORNING)
        return timezone.make_aware(dt.datetime.combine(self.days[day], start)) + dt.timedelta(minutes=offset)

    def date(self, minute: int) -> dt.date:
        return self.days[minute // DAY]

    def minute_before(self, instant: dt.datetime) -> int:
        """The last minute of the line strictly before ``instant`` (-1 when there is none)."""
        local = timezone.localtime(instant)
        i = bisect_right(self.days, local.date()) - 1
        if i < 0:
            return -1
        if self.days[i] < local.date():
            return (i + 1) * DAY - 1
        s = _seconds(local)
        if s <= _OPEN_S:
            return i * DAY - 1
        if s <= _NOON_S:
            return i * DAY + _ceil_minutes(s - _OPEN_S) - 1
        if s <= _AFTERNOON_S:
            return i * DAY + MORNING - 1
        if s <= _CLOSE_S:
            return i * DAY + MORNING + _ceil_minutes(s - _AFTERNOON_S) - 1
        return (i + 1) * DAY - 1

    def day_start(self, day: dt.date) -> int:
        """Minute 9:00 of ``day`` (a working day of the line)."""
        return self.index[day] * DAY
