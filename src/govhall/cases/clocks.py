"""The case's clocks, rebuilt from its columns with core.clock.RunningClock (no day arithmetic here).

The legal and promised clocks start at acceptance (RULES.md "Cases") and share the pause ledger
(supplements); their due and warning instants are stored so that a sweep is one indexed query.
"""

import datetime as dt
from decimal import Decimal

from govhall.core import workdays
from govhall.core.clock import Budget, Pause, RunningClock

ACCEPTANCE_WORKDAYS = Decimal("5")  # 行政许可法 Art. 32


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


def legal_clock(case) -> RunningClock | None:
    if case.accepted_at is None:
        return None
    budget = Budget(case.item.legal_limit, case.item.legal_limit_unit)
    return RunningClock(budget=budget, started_at=case.accepted_at, pauses=_pauses(case))


def promised_clock(case) -> RunningClock | None:
    if case.accepted_at is None:
        return None
    budget = Budget(case.item.promised_limit, case.item.promised_limit_unit)
    return RunningClock(budget=budget, started_at=case.accepted_at, pauses=_pauses(case))


def refresh(case) -> dict:
    """Recompute the derived columns on ``case`` (not saved); returns them as the clock effect."""
    legal, promised = legal_clock(case), promised_clock(case)
    case.legal_due_at = legal.due_at if legal else None
    case.promised_due_at = promised.due_at if promised else None
    warns = [c.warn_at for c in (legal, promised) if c and c.warn_at]
    case.warn_at = min(warns) if warns else None
    open_pause = case.clock_pauses[-1] if case.clock_pauses and not case.clock_pauses[-1].get("end") else None
    case.clock_paused_at = dt.datetime.fromisoformat(open_pause["start"]) if open_pause else None
    return {
        "legal_due_at": case.legal_due_at,
        "promised_due_at": case.promised_due_at,
        "paused": open_pause is not None,
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
