"""Seats of a processing step and when a round is decided (pure functions over a round's tasks).

A *seat* is one share of a step, numbered by ``StepTask.seq`` (``cases.processing``: terms).

Seat status, cancelled and transferred tasks ignored: nothing left → removed (减签); any done
"reject" → rejected; any task still open (waiting, pending, delegated) → open; else approved.
So every signer of a seat must approve, the added ones included (加签 adds approvers).

Step completion by mode, over the n live seats (a approved, r rejected, o open):
- none, all (会签): passes when a == n; rejected at the first reject;
- any (或签): passes at the first approval; rejected when every seat rejected;
- ratio: passes as soon as a ≥ pass_ratio × n; rejected as soon as a + o < pass_ratio × n;
- sequential (依次会签): one seat open at a time in seq order (the others waiting); passes when
  all approved; a reject stops it (rejected).
A rejected seat of an any/ratio step has its open tasks cancelled at once; an ending step cancels
all its open tasks. An open inspection task (现场踏勘) holds a step that would pass until its
report is in; it never holds a rejection. A round is never settled when it is created: it waits
for its pending tasks.
"""

from decimal import Decimal

from govhall.cases.models import CaseStep, StepTask
from govhall.cases.states import TaskState
from govhall.catalog.models import CountersignMode

APPROVE, REJECT, OPEN = "approve", "reject", "open"
OPEN_TASK_STATES = (TaskState.WAITING, TaskState.PENDING, TaskState.DELEGATED)
SEAT_RELATIONS = ("", "transfer")  # a seat's main task, or the one that replaced it on a transfer
DELEGATE = "delegate"


def seat_states(tasks) -> dict[int, str]:
    """seq → approve / reject / open for the live seats (module docstring)."""
    seats: dict[int, str] = {}
    for t in tasks:
        if t.kind != StepTask.Kind.SIGN or t.relation == DELEGATE:
            continue
        if t.state in (TaskState.CANCELLED, TaskState.TRANSFERRED) or seats.get(t.seq) == REJECT:
            continue
        if t.state == TaskState.DONE and t.opinion == REJECT:
            seats[t.seq] = REJECT
        elif t.state in OPEN_TASK_STATES:
            seats[t.seq] = OPEN
        else:
            seats.setdefault(t.seq, APPROVE)
    return seats


def verdict(step: CaseStep, seats: dict[int, str]) -> str | None:
    """approve / reject once the step's mode decides, else None."""
    n = len(seats)
    if n == 0:
        return None
    a = sum(1 for v in seats.values() if v == APPROVE)
    r = sum(1 for v in seats.values() if v == REJECT)
    if step.mode == CountersignMode.ANY:
        return APPROVE if a >= 1 else (REJECT if r == n else None)
    if step.mode == CountersignMode.RATIO:
        need = (step.pass_ratio or Decimal(1)) * n
        return APPROVE if a >= need else (REJECT if n - r < need else None)
    return REJECT if r else (APPROVE if a == n else None)  # none, all, sequential


def ready(tasks, closed: set[int]) -> set[int]:
    """Waiting tasks whose turn has come: signers added after an approved task, and an adder whose
    signers added before are all done (or removed). ``closed``: tasks being cancelled now."""
    by_pk = {t.pk: t for t in tasks}
    before: dict[int, list[StepTask]] = {}
    for t in tasks:
        if t.relation == "add_before":
            before.setdefault(t.parent_id, []).append(t)
    ready = set()
    for t in tasks:
        if t.state != TaskState.WAITING or t.pk in closed:
            continue
        parent = by_pk.get(t.parent_id)
        if (
            t.relation == "add_after"
            and parent
            and parent.state == TaskState.DONE
            and parent.opinion == APPROVE
        ):
            ready.add(t.pk)
        elif t.pk in before and not any(c.state in OPEN_TASK_STATES for c in before[t.pk]):
            ready.add(t.pk)
    return ready


def next_in_sequence(seats: dict[int, str], tasks, ready: set[int]) -> set[int]:
    """Sequential mode: the first open seat's waiting tasks when nothing of it is workable yet."""
    open_seats = sorted(seq for seq, v in seats.items() if v == OPEN)
    if not open_seats:
        return set()
    seat = [t for t in tasks if t.seq == open_seats[0] and t.kind == StepTask.Kind.SIGN]
    if any(t.state in (TaskState.PENDING, TaskState.DELEGATED) or t.pk in ready for t in seat):
        return set()
    return {t.pk for t in seat if t.state == TaskState.WAITING and t.relation in SEAT_RELATIONS}
