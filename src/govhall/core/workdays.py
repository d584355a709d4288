"""Working-day arithmetic in O(1) per computation (DESIGN.md mechanism 1, ADR 0003).

The calendar table is loaded once per process into a cumulative index:
``cum[i]`` = working days in [first, first + i] and ``positions[k]`` = offset of the (k+1)-th
working day, so "N working days after D" and "working days in (a, b]" are two array reads.

Counting follows 民法典 Art. 201: the start day is not counted, so a period starts at 00:00 of
the next day; a period in days ends at 24:00 of its last day (Art. 203), returned as the instant
00:00 of the following day. A working day is split at NOON into two half days, the unit of
working-day limits. Natural-day periods whose last day is a rest day end on the next working day
(Art. 203 para 1). Hour periods count from the very instant (Art. 201 para 2).
"""

import datetime as dt
import threading
import time
from array import array
from bisect import bisect_left
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal, InvalidOperation

from django.utils import timezone

from govhall.core.errors import ValidationFailed

NOON = dt.time(12, 0)  # the morning half of a working day ends here (documented default, ADR 0003)
DAY_US = 86_400 * 1_000_000  # working time is measured in microseconds: exact, no float drift
HALF_DAY_US = DAY_US // 2
HOUR_US = 3_600 * 1_000_000
CHECK_INTERVAL_SECONDS = 5.0  # how stale another process's calendar edit may be seen here
UNITS = ("workday", "day", "hour")


class CalendarOutOfRange(ValidationFailed):
    code = "calendar_out_of_range"


@dataclass(frozen=True)
class _Index:
    first: dt.date
    last: dt.date
    base: int  # ordinal of ``first``
    flags: bytes  # 1 = working day, per offset from ``first``
    cum: array  # cum[i] = working days in [first, first + i]
    positions: array  # positions[k] = offset of the (k+1)-th working day
    gaps: tuple[int, ...]  # offsets with no calendar row (never expected; refused when touched)
    signature: tuple


_lock = threading.Lock()
_state: dict = {"index": None, "checked": 0.0}


def _signature() -> tuple:
    """The calendar's version: every year with its last change, a few dozen rows."""
    from govhall.core.models import CalendarYear

    return tuple(CalendarYear.objects.order_by("year").values_list("year", "updated_at"))


def _load(signature: tuple) -> _Index:
    from govhall.core.models import CalendarDay

    rows = list(CalendarDay.objects.order_by("date").values_list("date", "is_workday"))
    if not rows:
        raise CalendarOutOfRange("工作日历为空，请先运行“govhall calendar seed”", code="calendar_empty")
    first, last = rows[0][0], rows[-1][0]
    size = last.toordinal() - first.toordinal() + 1
    flags = bytearray(size)
    present = bytearray(size)
    for day, is_workday in rows:
        offset = day.toordinal() - first.toordinal()
        flags[offset], present[offset] = bool(is_workday), 1
    cum, positions, total = array("l"), array("l"), 0
    for offset, flag in enumerate(flags):
        if flag:
            positions.append(offset)
            total += 1
        cum.append(total)
    gaps = tuple(offset for offset, seen in enumerate(present) if not seen)
    return _Index(first, last, first.toordinal(), bytes(flags), cum, positions, gaps, signature)


def _index() -> _Index:
    """The loaded index, reloaded when the calendar's version changed (checked every few seconds)."""
    now = time.monotonic()
    index = _state["index"]
    if index is not None and now - _state["checked"] < CHECK_INTERVAL_SECONDS:
        return index
    with _lock:
        signature = _signature()
        index = _state["index"]
        if index is None or index.signature != signature:
            index = _load(signature)
            _state["index"] = index
        _state["checked"] = time.monotonic()
    return index


def invalidate() -> None:
    """Forget the loaded index; the calendar services call this after every change."""
    with _lock:
        _state["index"] = None


def calendar_range() -> tuple[dt.date, dt.date]:
    index = _index()
    return index.first, index.last


def _offset(index: _Index, day: dt.date) -> int:
    offset = day.toordinal() - index.base
    if not 0 <= offset < len(index.flags):
        raise CalendarOutOfRange(
            f"{day:%Y-%m-%d}超出工作日历范围（{index.first:%Y-%m-%d}至{index.last:%Y-%m-%d}），"
            "请先运行“govhall calendar seed”延伸日历或导入该年度放假安排"
        )
    return offset


def _check_span(index: _Index, low: int, high: int) -> None:
    if index.gaps and bisect_left(index.gaps, low) < bisect_left(index.gaps, high + 1):
        missing = index.first + dt.timedelta(days=index.gaps[bisect_left(index.gaps, low)])
        raise CalendarOutOfRange(f"工作日历缺少{missing:%Y-%m-%d}的记录，请先运行“govhall calendar seed”")


def _date_at(index: _Index, offset: int) -> dt.date:
    return dt.date.fromordinal(index.base + offset)


def _workday_offset(index: _Index, k: int, start: dt.date) -> int:
    """Offset of the (k+1)-th working day of the index, or a Chinese error past the range's end."""
    if not 0 <= k < len(index.positions):
        raise CalendarOutOfRange(
            f"自{start:%Y-%m-%d}起计算的期限超出工作日历范围（{index.first:%Y-%m-%d}至{index.last:%Y-%m-%d}），"
            "请先延伸日历或导入放假安排"
        )
    return index.positions[k]


def to_amount(value: int | Decimal | str | float, *, half_steps: bool = True) -> Decimal:
    """A limit as a Decimal; working days come in half-day steps (RULES.md: 半日为单位)."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationFailed(f"“{value}”不是有效的数字", code="workdays_bad_amount") from exc
    if not amount.is_finite():
        raise ValidationFailed(f"“{value}”不是有效的数字", code="workdays_bad_amount")
    if half_steps and (amount * 2) % 1 != 0:
        raise ValidationFailed(f"工作日时限须以半日为单位，“{value}”无效", code="workdays_bad_amount")
    return amount


def is_workday(d: dt.date) -> bool:
    index = _index()
    offset = _offset(index, d)
    _check_span(index, offset, offset)
    return bool(index.flags[offset])


def _workdays_through(index: _Index, d: dt.date) -> int:
    """Working days in [first, d]."""
    return index.cum[_offset(index, d)]


def add_workdays(start: dt.date, n: int | Decimal) -> dt.date:
    """The date on which a period of ``n`` working days from ``start`` ends (民法典 Art. 201).

    The start day is not counted; a half-day remainder ends on the next working day (at noon),
    so 2.5 working days end on the 3rd. A negative ``n`` counts back: the n-th working day before.
    """
    amount = to_amount(n)
    index = _index()
    whole = int(amount.to_integral_value(rounding=ROUND_CEILING)) if amount > 0 else int(amount)
    offset = _offset(index, start)
    if whole == 0:
        return start
    before = index.cum[offset] - index.flags[offset]  # working days strictly before start
    k = index.cum[offset] + whole - 1 if whole > 0 else before + whole
    target = _workday_offset(index, k, start)
    _check_span(index, min(offset, target), max(offset, target))
    return _date_at(index, target)


def workdays_between(a: dt.date, b: dt.date) -> int:
    """Working days in (a, b]; negative when b is before a."""
    index = _index()
    offset_a, offset_b = _offset(index, a), _offset(index, b)
    _check_span(index, min(offset_a, offset_b), max(offset_a, offset_b))
    return index.cum[offset_b] - index.cum[offset_a]


# ---------------------------------------------------------------------------------------------
# Instants: working time as a continuous line (ADR 0003)
# ---------------------------------------------------------------------------------------------
# Working days are the centre's: instants are read in its zone (settings.TIME_ZONE), never in a zone
# a request may have activated (which would also cost a context-local lookup per call).
def _local(instant: dt.datetime) -> dt.datetime:
    if instant.utcoffset() is None:
        raise ValidationFailed("时间必须带时区", code="workdays_naive_datetime")
    return instant.astimezone(timezone.get_default_timezone())


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_default_timezone())


def midnight(day: dt.date) -> dt.datetime:
    """00:00 of ``day`` in the centre's zone."""
    return _midnight(day)


def day_span(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[00:00 of ``start``, 24:00 of ``end``) in the centre's zone: the instants of days start..end
    inclusive, for ``>= low`` / ``< high`` filters."""
    return _midnight(start), _midnight(end + dt.timedelta(days=1))


def _since_midnight_us(local: dt.datetime) -> int:
    return ((local.hour * 60 + local.minute) * 60 + local.second) * 1_000_000 + local.microsecond


def worktime_at(instant: dt.datetime) -> int:
    """Working time, in microseconds, from the calendar's first day to ``instant``.

    Every working day contributes 24 hours (two half days split at NOON); rest days contribute none.
    Differences of this value are the working time between two instants.
    """
    index = _index()
    local = _local(instant)
    offset = _offset(index, local.date())
    _check_span(index, offset, offset)
    before = index.cum[offset] - index.flags[offset]
    inside = _since_midnight_us(local) if index.flags[offset] else 0
    return before * DAY_US + inside


def instant_at_worktime(worktime: int, *, context: dt.date | None = None) -> dt.datetime:
    """The earliest instant whose ``worktime_at`` equals ``worktime`` (inverse of worktime_at)."""
    index = _index()
    k, rest = divmod(int(worktime), DAY_US)
    start = context or index.first
    if rest == 0:
        if k == 0:
            return _midnight(index.first)
        offset = _workday_offset(index, k - 1, start)
        return _midnight(_date_at(index, offset) + dt.timedelta(days=1))  # 24:00 of that working day
    offset = _workday_offset(index, k, start)
    return _midnight(_date_at(index, offset)) + dt.timedelta(microseconds=rest)


def period_origin(start: dt.datetime) -> dt.datetime:
    """00:00 of the day after ``start``: the start day is not counted (民法典 Art. 201)."""
    return _midnight(_local(start).date() + dt.timedelta(days=1))


def natural_due(start: dt.datetime, days: Decimal, extra_us: int = 0) -> dt.datetime:
    if days % 1 != 0 or days < 0:
        raise ValidationFailed(f"自然日时限须为非负整数，“{days}”无效", code="workdays_bad_amount")
    if days == 0 and extra_us == 0:
        return period_origin(start)
    raw = period_origin(start) + dt.timedelta(days=int(days), microseconds=extra_us)
    local = _local(raw)
    if _since_midnight_us(local) != 0:
        # Paused time can end the period inside a day: the period then ends at 24:00 of that day
        # (民法典 Art. 203), which keeps the deadline monotone in the paused time.
        raw = _midnight(local.date() + dt.timedelta(days=1))
    last = _local(raw).date() - dt.timedelta(days=1)
    if is_workday(last):
        return raw
    # 民法典 Art. 203: a period whose last day is a rest day ends on the next working day.
    return _midnight(add_workdays(last, 1) + dt.timedelta(days=1))


def due_instant(start: dt.datetime, amount: Decimal | int | str, unit: str) -> dt.datetime:
    """The instant a limit of ``amount`` ``unit`` counted from ``start`` runs out.

    unit "workday": 24:00 of the N-th working day after start's date (noon for a half day);
    "day": 24:00 of the N-th natural day, moved to the next working day if that is a rest day;
    "hour": exactly ``amount`` hours after ``start``.
    """
    if unit not in UNITS:
        raise ValidationFailed(f"时限单位“{unit}”无效，应为工作日、自然日或小时", code="workdays_bad_unit")
    value = to_amount(amount, half_steps=unit == "workday")
    if value < 0:
        raise ValidationFailed("时限不能为负数", code="workdays_bad_amount")
    if unit == "hour":
        _local(start)
        return start + dt.timedelta(microseconds=int(value * HOUR_US))
    if unit == "day":
        return natural_due(start, value)
    origin = period_origin(start)
    if value == 0:
        return origin
    return instant_at_worktime(worktime_at(origin) + int(value * DAY_US), context=_local(start).date())
