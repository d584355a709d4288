"""A running clock: a budget, a start instant and a ledger of pauses (DESIGN.md mechanism 1).

The clock is an immutable value: ``pause``/``resume``/``extended`` return a new clock. Its
``due_at`` and ``warn_at`` are derived, so a case stores them in indexed columns and a sweep is one
query (STYLE.md 8). Nothing is written here; the calendar is read through ``workdays``.

Time is measured on the budget's own line (ADR 0003): working time for "workday" budgets (rest
days contribute nothing, so a pause across a weekend or holiday moves the deadline only by the
working time inside it), natural time for "day" and "hour" budgets. The start day is not counted
for day units (民法典 Art. 201); pause time on it therefore moves nothing.
"""

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum
from functools import cached_property

from govhall.core import workdays
from govhall.core.errors import Conflict, ValidationFailed

DEFAULT_WARN_RATIO = Decimal("0.2")  # RULES.md: yellow when remaining ≤ 20 % of the limit …
DEFAULT_WARN_WORKDAYS = Decimal("1")  # … or ≤ 1 working day
_UNIT_US = {"workday": workdays.DAY_US, "day": workdays.DAY_US, "hour": workdays.HOUR_US}
_QUANTUM = Decimal("0.01")


class ClockStatus(StrEnum):
    NORMAL = "normal"  # running, more than the warning margin left
    YELLOW = "yellow"  # running, within the warning margin
    RED = "red"  # past the deadline (also while paused, once overdue)
    PAUSED = "paused"  # stopped by a supplement or special procedure, time left


@dataclass(frozen=True)
class Budget:
    amount: Decimal
    unit: str  # "workday" (half-day steps), "day" (natural), "hour"

    def __post_init__(self) -> None:
        if self.unit not in workdays.UNITS:
            raise ValidationFailed(
                f"时限单位“{self.unit}”无效，应为工作日、自然日或小时", code="workdays_bad_unit"
            )
        amount = workdays.to_amount(self.amount, half_steps=self.unit == "workday")
        if amount < 0 or (self.unit == "day" and amount % 1):
            raise ValidationFailed(f"时限“{self.amount}”无效", code="workdays_bad_amount")
        object.__setattr__(self, "amount", amount)


@dataclass(frozen=True)
class Pause:
    reason: str  # e.g. 补正, 听证, 现场踏勘
    start: dt.datetime
    end: dt.datetime | None = None


def _aware(value: dt.datetime, name: str) -> None:
    if value.tzinfo is None:
        raise ValidationFailed(f"{name}必须带时区", code="workdays_naive_datetime")


@dataclass(frozen=True)
class RunningClock:
    budget: Budget
    started_at: dt.datetime
    pauses: tuple[Pause, ...] = field(default=())
    warn_ratio: Decimal = DEFAULT_WARN_RATIO
    warn_workdays: Decimal = DEFAULT_WARN_WORKDAYS

    def __post_init__(self) -> None:
        _aware(self.started_at, "开始时间")
        object.__setattr__(self, "pauses", tuple(self.pauses))

    # -- the ledger --------------------------------------------------------------------------
    @property
    def paused(self) -> bool:
        return bool(self.pauses) and self.pauses[-1].end is None

    def _last_event(self) -> dt.datetime:
        if not self.pauses:
            return self.started_at
        last = self.pauses[-1]
        return last.end or last.start

    def pause(self, *, reason: str, at: dt.datetime) -> "RunningClock":
        _aware(at, "暂停时间")
        if self.paused:
            raise Conflict("计时已暂停，不能重复暂停", code="clock_already_paused")
        if not (reason or "").strip():
            raise ValidationFailed("请填写暂停原因", code="clock_pause_reason", field="reason")
        if at < self._last_event():
            raise ValidationFailed("暂停时间不能早于开始时间或上一次恢复时间", code="clock_bad_instant")
        return replace(self, pauses=(*self.pauses, Pause(reason.strip(), at)))

    def resume(self, *, at: dt.datetime) -> "RunningClock":
        _aware(at, "恢复时间")
        if not self.paused:
            raise Conflict("计时未暂停，无需恢复", code="clock_not_paused")
        if at < self.pauses[-1].start:
            raise ValidationFailed("恢复时间不能早于暂停时间", code="clock_bad_instant")
        last = replace(self.pauses[-1], end=at)
        return replace(self, pauses=(*self.pauses[:-1], last))

    def extended(self, *, by: Decimal | int | str) -> "RunningClock":
        """The same clock with a longer budget (行政许可法 Art. 42: +10 working days, approved)."""
        return replace(self, budget=Budget(self.budget.amount + Decimal(str(by)), self.budget.unit))

    # -- the measure line ----------------------------------------------------------------------
    # Derived values are cached on the instance: a clock is immutable (changes return a new one).
    @cached_property
    def _origin(self) -> dt.datetime:
        if self.budget.unit == "hour":
            return self.started_at  # 民法典 Art. 201 para 2: hours count from the instant
        return workdays.period_origin(self.started_at)

    def _measure(self, instant: dt.datetime) -> int:
        if self.budget.unit == "workday":
            return workdays.worktime_at(instant)
        return (instant - self._origin) // dt.timedelta(microseconds=1)  # exact integer µs

    def _counted(self, low: dt.datetime, high: dt.datetime) -> int:
        """Measure between two instants, clipped to the counted period (from the origin on)."""
        low, high = max(low, self._origin), max(high, self._origin)
        return self._measure(high) - self._measure(low) if high > low else 0

    def paused_time(self, at: dt.datetime | None = None) -> int:
        """Measure (µs) paused; an open pause counts up to ``at`` (or nothing without ``at``)."""
        total = 0
        for pause in self.pauses:
            end = pause.end or at
            if end is not None:
                total += self._counted(pause.start, min(end, at) if at else end)
        return total

    # -- derived instants ----------------------------------------------------------------------
    def _budget_us(self) -> int:
        return int(self.budget.amount * _UNIT_US[self.budget.unit])

    @cached_property
    def due_at(self) -> dt.datetime | None:
        """When the budget runs out; None while paused (the deadline is not known yet)."""
        if self.paused:
            return None
        paused = self.paused_time()
        if self.budget.unit == "workday":
            if self.budget.amount == 0 and paused == 0:
                return self._origin
            return workdays.instant_at_worktime(
                workdays.worktime_at(self._origin) + self._budget_us() + paused
            )
        if self.budget.unit == "day":
            return workdays.natural_due(self.started_at, self.budget.amount, paused)
        return self.started_at + dt.timedelta(microseconds=self._budget_us() + paused)

    @cached_property
    def warn_at(self) -> dt.datetime | None:
        """When the clock turns yellow: remaining ≤ ratio × limit, or ≤ ``warn_workdays`` working days."""
        due = self.due_at
        if due is None:
            return None
        by_ratio = int(self._budget_us() * self.warn_ratio)
        floor = workdays.worktime_at(self.started_at)
        if self.budget.unit == "workday":
            margin = max(by_ratio, int(self.warn_workdays * workdays.DAY_US))
            warn = workdays.instant_at_worktime(max(workdays.worktime_at(due) - margin, floor))
        else:
            warn = due - dt.timedelta(microseconds=by_ratio)
            if self.budget.unit == "day" and self.warn_workdays > 0:
                margin = int(self.warn_workdays * workdays.DAY_US)
                warn = min(warn, workdays.instant_at_worktime(max(workdays.worktime_at(due) - margin, floor)))
        return max(warn, self.started_at)

    # -- consumption ---------------------------------------------------------------------------
    def used(self, at: dt.datetime) -> Decimal:
        """Budget consumed by ``at``, in the budget's unit (working days for "workday")."""
        consumed = self._counted(self._origin, at) - self.paused_time(at)
        return (Decimal(consumed) / _UNIT_US[self.budget.unit]).quantize(_QUANTUM)

    def remaining(self, at: dt.datetime) -> Decimal:
        """Budget left at ``at``; negative once overdue."""
        return self.budget.amount - self.used(at)

    def remaining_workdays(self, at: dt.datetime) -> Decimal:
        """Working days left at ``at`` whatever the unit; while paused, as if resumed at ``at``."""
        clock = self
        if self.paused:
            clock = replace(self, pauses=(*self.pauses[:-1], replace(self.pauses[-1], end=at)))
        delta = workdays.worktime_at(clock.due_at) - workdays.worktime_at(max(at, clock._origin))
        return (Decimal(delta) / workdays.DAY_US).quantize(_QUANTUM)

    def status(self, at: dt.datetime) -> ClockStatus:
        if self.paused:
            return ClockStatus.RED if self.remaining(at) <= 0 and at >= self._origin else ClockStatus.PAUSED
        if at >= self.due_at:
            return ClockStatus.RED
        return ClockStatus.YELLOW if at >= self.warn_at else ClockStatus.NORMAL
