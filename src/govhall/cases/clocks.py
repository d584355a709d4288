"""The case's clocks, rebuilt from its columns with core.clock.RunningClock (no day arithmetic here).

The legal and promised clocks start at acceptance (RULES.md "Cases") and share the pause ledger
(supplements); their due and warning instants are stored so that a sweep is one indexed query.
"""

import datetime as dt
import functools
from decimal import Decimal

from govhall.core import workdays
from govhall.core.clock import Budget, Pause, RunningClock

ACCEPTANCE_WORKDAYS = Decimal("5")  # 行政许可法 Art. 32
LIMIT_FIELDS = ("legal_limit", "legal_limit_unit", "promised_limit", "promised_limit_unit")


def acceptance_deadline(received_at: dt.datetime) -> dt.datetime:
    return workdays.due_instant(received_at, ACCEPTANCE_WORKDAYS, "workday")


def _pauses(case) -> tuple[Pause, ...]:
    return tuple(
        Pause(
            p["reason"],
            dt.datetime.fromisoformat(p["start"]),
            dt.datetime.fromisoformat(p["end"]) if p.get("end") else None,
        )
        for p in case.clock_pauses
    )


def _budget(amount, unit, extension) -> Budget:
    # An approved extension (Art. 42 / Art. 26) is in working days; natural-day limits take it as days.
    return Budget(Decimal(amount) + (Decimal(extension or 0) if unit != "hour" else 0), unit)


@functools.lru_cache(maxsize=4096)
def _version_limits(item_version_id: int) -> dict:
    """The limits a case runs under: those of the item version it was filed against.

    Item versions never change once written, so the cache needs no invalidation.
    """
    from govhall.catalog.models import ItemVersion

    snap = ItemVersion.objects.values_list("snapshot", flat=True).get(pk=item_version_id)
    return {
        "legal": (Decimal(snap["legal_limit"]), snap["legal_limit_unit"]),
        "promised": (Decimal(snap["promised_limit"]), snap["promised_limit_unit"]),
        # as written in the snapshot, for the facts frozen into notices
        "snapshot": {k: snap[k] for k in LIMIT_FIELDS if k in snap},
    }


def version_caches_clear() -> None:
    """Forget cached item versions (tests: a rolled-back SQLite transaction can reuse an id)."""
    _version_limits.cache_clear()


def limits(case) -> dict:
    return _version_limits(case.item_version_id)


def legal_clock(case) -> RunningClock | None:
    if case.accepted_at is None:
        return None
    amount, unit = limits(case)["legal"]
    budget = _budget(amount, unit, case.extension_workdays)
    return RunningClock(budget=budget, started_at=case.accepted_at, pauses=_pauses(case))


def promised_clock(case) -> RunningClock | None:
    if case.accepted_at is None:
        return None
    amount, unit = limits(case)["promised"]
    budget = _budget(amount, unit, case.extension_workdays)
    return RunningClock(budget=budget, started_at=case.accepted_at, pauses=_pauses(case))


def step_clock(case, step) -> RunningClock:
    """A step's clock: its own limit from its start, paused by the case's pauses after that start."""
    pauses = tuple(
        Pause(p.reason, max(p.start, step.started_at), p.end)
        for p in _pauses(case)
        if p.end is None or p.end > step.started_at
    )
    return RunningClock(budget=Budget(step.limit, step.limit_unit), started_at=step.started_at, pauses=pauses)


def refresh_steps(case) -> int:
    """Recompute and save due/warn of the case's active steps (after a pause, resume or new step)."""
    from govhall.cases.models import CaseStep
    from govhall.cases.states import StepState

    count = 0
    for step in CaseStep.objects.filter(case=case, state=StepState.ACTIVE):
        clock = step_clock(case, step)
        due, warn = clock.due_at, clock.warn_at
        if (due, warn) != (step.due_at, step.warn_at):
            CaseStep.objects.filter(pk=step.pk).update(due_at=due, warn_at=warn)
            count += 1
    return count


def summary(case, at: dt.datetime) -> dict:
    """Time used and left in working days for display: {"used", "left", "status", "due_at"} or {}."""
    clock = promised_clock(case)
    if clock is None:
        return {}
    at = min(at, case.clock_stopped_at) if case.clock_stopped_at else at
    return {
        "used": clock.used(at),
        "left": clock.remaining_workdays(at),
        "limit": clock.budget.amount,
        "unit": clock.budget.unit,
        "status": str(clock.status(at)) if not case.clock_stopped_at else "stopped",
        "due_at": case.promised_due_at,
        "legal_due_at": case.legal_due_at,
    }


def refresh(case) -> dict:
    """Recompute the derived columns on ``case`` (not saved); returns them as the clock effect."""
    legal, promised = legal_clock(case), promised_clock(case)
    case.legal_due_at = legal.due_at if legal else None
    case.promised_due_at = promised.due_at if promised else None
    warns = [c.warn_at for c in (legal, promised) if c and c.warn_at]
    case.warn_at = min(warns) if warns and case.clock_stopped_at is None else None
    open_pause = case.clock_pauses[-1] if case.clock_pauses and not case.clock_pauses[-1].get("end") else None
    case.clock_paused_at = dt.datetime.fromisoformat(open_pause["start"]) if open_pause else None
    return {
        "legal_due_at": case.legal_due_at,
        "promised_due_at": case.promised_due_at,
        "paused": open_pause is not None,
        "stopped": case.clock_stopped_at is not None,
    }


def pause(case, *, reason: str, at: dt.datetime) -> None:
    clock = legal_clock(case)
    if clock is None:
        return  # before acceptance no clock runs: nothing to pause
    clock.pause(reason=reason, at=at)  # validates (not already paused, not before the last event)
    case.clock_pauses = [*case.clock_pauses, {"reason": reason, "start": at.isoformat(), "end": None}]


def resume(case, *, at: dt.datetime) -> None:
    clock = legal_clock(case)
    if clock is None or not clock.paused:
        return
    clock.resume(at=at)
    last = {**case.clock_pauses[-1], "end": at.isoformat()}
    case.clock_pauses = [*case.clock_pauses[:-1], last]
