"""One historical case replayed in memory: the rows ``moves.move``, the engine and the services
would have written, built without the database so thousands of cases go in with a few bulk inserts.

The replay keeps the services' rules by using their pieces: the transition table and report codes
(``states``), the clocks (``clocks.refresh`` / ``pause`` / ``resume`` on the in-memory case), the
notices' base facts and numbering. What it leaves out on purpose is the audit chain (one summary
event records the whole history) and the outbox (nobody is sent an SMS about last spring).
"""

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace

from govhall.cases import clocks
from govhall.cases.models import (
    Case,
    CaseEvent,
    CaseStep,
    Extension,
    Notice,
    SealUse,
    SpecialProcedure,
    StepTask,
    SupplementNotice,
    Undertaking,
)
from govhall.cases.notices import KIND_CODES, base_facts, seal_text
from govhall.cases.states import REPORT_STATUS, StepState, TaskState, next_state
from govhall.catalog.models import CountersignMode
from govhall.demo.case_time import WorkLine
from govhall.demo.case_world import World

OPEN_TASKS = (TaskState.WAITING, TaskState.PENDING, TaskState.DELEGATED)


class Cut(Exception):
    """The plan has reached the present: the case stays as it is now."""


class Stop(Exception):
    """The case ended early (withdrawn, returned, refused): the rest of the plan is dropped."""


@dataclass
class Rows:
    """Everything the history inserts, in insertion order (foreign keys resolve after each batch)."""

    cases: list[Case] = field(default_factory=list)
    steps: list[CaseStep] = field(default_factory=list)
    tasks: list[StepTask] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    events: list[CaseEvent] = field(default_factory=list)
    seals: list[SealUse] = field(default_factory=list)
    undertakings: list[Undertaking] = field(default_factory=list)
    specials: list[SpecialProcedure] = field(default_factory=list)
    extensions: list[Extension] = field(default_factory=list)
    supplements: list[SupplementNotice] = field(default_factory=list)
    certificates: Counter = field(default_factory=Counter)  # (department, year) → last number issued


def _user(staff_or_user):
    user = getattr(staff_or_user, "user", staff_or_user)
    return user if getattr(user, "pk", None) else None


def _iso(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


class Life:
    """The case being replayed; every instant goes through ``when`` (the present cuts the plan)."""

    def __init__(self, *, case: Case, rows: Rows, world: World, line: WorkLine, now_minute: int) -> None:
        self.case, self.rows, self.world, self.line = case, rows, world, line
        self.now_minute, self.last = now_minute, -1
        self.steps: list[CaseStep] = []
        self.tasks: list[StepTask] = []
        self.special: SpecialProcedure | None = None
        self.undertaking: Undertaking | None = None
        self.issued: Counter = Counter()
        rows.cases.append(case)

    def when(self, minute: int) -> dt.datetime:
        if minute > self.now_minute:
            raise Cut
        self.last = max(minute, self.last)
        return self.line.instant(self.last)

    # --- the timeline (moves.move / moves.event) ---------------------------------------------

    def event(
        self, action: str, at, actor, *, from_state=None, note: str = "", effect=None, step=None, task=None
    ):
        case = self.case
        self.rows.events.append(
            CaseEvent(
                case=case, step=step, task=task, action=action, actor=_user(actor), at=at,
                from_state=case.state if from_state is None else from_state, to_state=case.state,
                report_status=case.report_status, note=note,
                clock_effect={k: _iso(v) for k, v in (effect or {}).items()},
            )
        )  # fmt: skip

    def move(
        self, action: str, at, actor, *, note="", clock_step=None, report_status=None, step=None, task=None
    ):
        case = self.case
        from_state = case.state
        new_state = next_state(from_state, action)  # an illegal plan fails loudly, as a service would
        if clock_step:
            clock_step(case, at)
        case.state = new_state
        table = REPORT_STATUS[(from_state, action)]
        case.report_status = report_status or (table if table is not None else case.report_status)
        effect = clocks.refresh(case)
        self.event(action, at, actor, from_state=from_state, note=note, effect=effect, step=step, task=task)

    def notice(self, kind: str, at, actor, data: dict | None = None) -> Notice:
        case = self.case
        self.issued[kind] += 1
        department = case.item.department
        notice = Notice(
            case=case, kind=kind, number=f"{case.number}-{KIND_CODES[kind]}{self.issued[kind]:02d}", issued_at=at,
            department=department, seal_text=seal_text(department),
            data={**base_facts(case), **(data or {}), "issued_by": getattr(_user(actor), "pk", None)},
        )  # fmt: skip
        self.rows.notices.append(notice)
        return notice

    # --- steps and tasks (processing.start_round / task_open / task_complete / end_step) -----------

    def start_step(self, spec: dict, at, actor, *, round_no: int) -> CaseStep:
        case = self.case
        own = self.world.by_code.get(spec.get("department") or "") or case.item.department
        mode = spec.get("countersign_mode") or CountersignMode.NONE
        codes = list(spec.get("countersign_departments") or []) if mode != CountersignMode.NONE else []
        seats = [self.world.by_code[c] for c in codes] or [own]
        ratio = spec.get("pass_ratio")
        step = CaseStep(
            case=case, round=round_no, flow_order=int(spec["order"]), name=spec["name"], role=spec["role"],
            department=own, mode=mode, pass_ratio=Decimal(str(ratio)) if ratio not in (None, "") else None,
            limit=Decimal(str(spec.get("limit") or 0)), limit_unit=spec.get("limit_unit") or "workday",
            started_at=at, state=StepState.ACTIVE,
        )  # fmt: skip
        self.steps.append(step)
        self.rows.steps.append(step)
        for seq, department in enumerate(seats):
            waiting = mode == CountersignMode.SEQUENTIAL and seq > 0
            task = StepTask(
                step=step, case=case, seq=seq, department=department, created_at=at,
                state=TaskState.WAITING if waiting else TaskState.PENDING,
            )  # fmt: skip
            self.tasks.append(task)
            self.rows.tasks.append(task)
        self.event("step_start", at, actor, note=f"{step.name}（第{round_no}轮）", step=step)
        return step

    def tasks_of(self, step: CaseStep) -> list[StepTask]:
        return [t for t in self.tasks if t.step is step]

    def open_task(self, task: StepTask, at, staff) -> None:
        task.opened_at, task.assignee = at, staff.user
        self.event("step_open", at, staff, step=task.step, task=task)

    def complete_task(self, task: StepTask, at, staff, *, opinion: str, comment: str) -> None:
        task.state, task.opinion, task.comment = TaskState.DONE, opinion, comment
        task.done_at, task.done_by = at, staff.user
        task.opened_at = task.opened_at or at
        task.assignee = task.assignee or staff.user
        self.event("step_complete", at, staff, note=comment, step=task.step, task=task)

    def end_step(self, step: CaseStep, state: str, at, outcome: str = "") -> None:
        step.state, step.outcome, step.finished_at = state, outcome, at
        for task in self.tasks_of(step):
            if task.state in OPEN_TASKS:
                task.state = TaskState.CANCELLED

    def end_case(self, case: Case, at, actor) -> None:
        """decisions.end_case on the replay: clocks stop, what still runs is closed."""
        case.acceptance_deadline = None
        if case.clock_stopped_at is None:
            clocks.resume(case, at=at)
            case.clock_stopped_at = at
        for step in self.steps:
            if step.state == StepState.ACTIVE:
                self.end_step(step, StepState.CANCELLED, at)
        if self.special is not None and self.special.ended_at is None:
            self.special.ended_at, self.special.ended_by = at, _user(actor)

    # --- the end of the replay ---------------------------------------------------------------------

    def finish(self) -> None:
        """Step deadlines as the engine leaves them: an active step follows every pause of the case
        (none while one is open); a finished one kept what it had when it ended."""
        for step in self.steps:
            pauses = self.case.clock_pauses
            if step.finished_at is not None:
                pauses = [p for p in pauses if dt.datetime.fromisoformat(p["start"]) < step.finished_at]
                last_end = pauses[-1]["end"] if pauses else None
                if pauses and (not last_end or dt.datetime.fromisoformat(last_end) >= step.finished_at):
                    continue  # ended during a pause: its deadline stayed unknown
            clock = clocks.step_clock(SimpleNamespace(clock_pauses=pauses), step)
            step.due_at, step.warn_at = clock.due_at, clock.warn_at
