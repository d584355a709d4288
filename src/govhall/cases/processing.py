"""The processing engine: a case's steps from its flow, countersigning, and the decision.

Terms
-----
- A *processing step* is a step of ``case.item_version.snapshot["flow"]`` other than an intake
  step 1 with role clerk (受理 / 受理办结 is the acceptance itself). The flow is read from the
  version the case was filed under, so changing the item's flow later never touches a running case.
- A *round* (CaseStep) is one activation of a flow step. Passing, returning (退回) and withdrawing
  (撤回) start a new round; history stays. At most one round of a case is ACTIVE and it is always
  the newest, so the next round number is the active round's plus one (no look at history).
- A *seat* is one share of a step, numbered by ``StepTask.seq``: one per countersign department
  (in the snapshot's order of department codes), or a single seat 0 for the step's department (the
  item's department when the step names none). A seat holds its main task (assignee NULL: any
  active staff of the department whose role is the step's role may work it; the first to open
  or work it claims it), the task that replaced it on a transfer (relation "transfer"), signers added to it
  (add_before / add_after) and, in a rebuilt round, votes carried over (relation "carried"). A
  delegate's task (relation "delegate") is an opinion for the seat's holder, never a vote.

Seat status and step completion by countersign mode: ``cases.seats``.

Outcome: a rejected step — at any step, final or not — decides the case "reject" (不予许可). A
step's refusal is the department's refusal; a holder who wants earlier work redone returns the
case (退回) instead of rejecting it. A passed step starts the next processing step's round; the
final step passing decides "approve". Deciding moves the case (Action.DECIDE) and sets decision,
decided_at and, for approval, delivery_due_at = 10 working days later (行政许可法 Art. 44). A flow
without processing steps is decided "approve" at acceptance.

Chief deciding steps (role chief): every signature in them (a delegate's opinion aside) needs the
actor's "decide" delegation for the item's department in force today, checked before anything is
written; the signature that decides the case records the seal use on the decision document
(seals.seal_record_if_granted: without the "seal" power the decision stands and a timeline
event says the document is sealed back at the department).

Every operation locks the case row first, then the task row, refuses unless the case is ACCEPTED
and the task's step ACTIVE (Conflict ``cases.step_not_active``), writes one CaseEvent
``step_<op>`` and one audit record; a round started as a consequence adds a ``step_start`` event.
Costs are flat as history grows: an operation reads its case, its task and the tasks of one round.
The operations beyond opening and completing live in ``step_ops``; ``STEP_ACTIONS`` and those
operations can be imported from here as well. ``steps_cancel`` closes the active round when a
case ends before its decision (withdrawn, concluded early, revoked).
"""

import functools
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from govhall.cases import clocks, moves, seals
from govhall.cases.models import Case, CaseStep, Decision, StepTask
from govhall.cases.seats import (
    APPROVE,
    DELEGATE,
    OPEN_TASK_STATES,
    REJECT,
    next_in_sequence,
    seat_states,
    verdict,
)
from govhall.cases.seats import ready as seats_ready
from govhall.cases.selectors import tasks_for as tasks_for  # noqa: F401 - the workbench's selector
from govhall.cases.states import Action, CaseState, StepState, TaskState
from govhall.catalog.models import CountersignMode, ItemVersion
from govhall.core import audit, prepared, workdays
from govhall.core.errors import Conflict, PermissionDenied, ValidationFailed
from govhall.org.access import staff_of
from govhall.org.models import Department, Role, Staff

OPINIONS = (APPROVE, REJECT)
ADDED_RELATIONS = ("add_before", "add_after")
CARRIED = "carried"
DELIVERY_WORKDAYS = Decimal("10")  # 行政许可法 Art. 44: certificate within 10 working days
DECISION_DOCUMENTS = {Decision.APPROVE: "准予行政许可决定书", Decision.REJECT: "不予行政许可决定书"}


# --- the flow ------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _version_flow(item_version_id: int) -> tuple[dict, ...]:
    """Processing steps of an item version (immutable once written, so cached without expiry)."""
    snapshot = ItemVersion.objects.values_list("snapshot", flat=True).get(pk=item_version_id)
    flow = sorted(snapshot.get("flow") or [], key=lambda s: int(s["order"]))
    if flow and int(flow[0]["order"]) == 1 and flow[0].get("role") == Role.CLERK:
        flow = flow[1:]  # the intake step: done by acceptance
    return tuple(flow)


def version_caches_clear() -> None:
    """Forget cached item versions and department ids (tests: a rolled-back SQLite transaction can
    reuse an id)."""
    _version_flow.cache_clear()
    _RESOLVED.clear()


def processing_flow(case: Case) -> list[dict]:
    """The case's processing steps, in order, from the snapshot it was filed under."""
    return [dict(spec) for spec in _version_flow(case.item_version_id)]


def flow_step(case: Case, order: int) -> dict | None:
    return next((s for s in processing_flow(case) if int(s["order"]) == order), None)


def _next_flow_step(case: Case, order: int) -> dict | None:
    return next((s for s in processing_flow(case) if int(s["order"]) > order), None)


def seat_codes(spec: dict) -> list[str]:
    """The countersign department codes of a flow step (seat order), [] for a one-seat step."""
    if (spec.get("countersign_mode") or CountersignMode.NONE) == CountersignMode.NONE:
        return []
    return list(spec.get("countersign_departments") or [])


_DEPARTMENT_IDS = prepared.Select(
    lambda *codes: Department.objects.filter(code__in=codes).order_by().values_list("code", "pk")
)


_RESOLVED: dict[tuple[str, ...], dict[str, int]] = {}  # department codes → ids, once found


def _department_ids(codes: tuple[str, ...]) -> dict[str, int]:
    """Ids of department codes: one query the first time a set of codes is asked for in this
    process (codes are the departments' stable identifiers; a code not found is not remembered)."""
    ids = _RESOLVED.get(codes)
    if ids is None:
        ids = dict(_DEPARTMENT_IDS.all(*codes))
        missing = sorted(set(codes) - ids.keys())
        if missing:
            raise ValidationFailed(
                _("办理流程中的部门“%(c)s”不存在，请先修正事项流程。") % {"c": "、".join(missing)},
                code="cases.flow_department_missing",
            )
        if len(_RESOLVED) > 4096:
            _RESOLVED.clear()
        _RESOLVED[codes] = ids
    return ids


def _resolve(case: Case, spec: dict) -> tuple[int, list[int]]:
    """(step department id, seat department ids) of a flow step."""
    own, seats = spec.get("department"), seat_codes(spec)
    codes = tuple(sorted({c for c in [own, *seats] if c}))
    ids = _department_ids(codes) if codes else {}
    step_department = ids[own] if own else case.item.department_id
    return step_department, [ids[c] for c in seats] or [step_department]


# --- guards ---------------------------------------------------------------------------------------


def _not_active(state: str) -> Conflict:
    return Conflict(
        _("办件或环节当前不在办理中（%(s)s），不能办理环节操作。") % {"s": state},
        code="cases.step_not_active",
        state=state,
    )


# The hot path of every step operation, compiled once (core.prepared): the case row alone (step
# operations reach the item, a join of ~40 columns, only when needed), a round's tasks and its step.
CASE_FOR_UPDATE = prepared.Select(
    lambda pk: Case.objects.select_for_update(of=("self",)).filter(pk=pk), track=True
)
ROUND_FOR_UPDATE = prepared.Select(
    lambda step_id: (
        StepTask.objects.select_for_update(of=("self",))
        .select_related("step")
        .filter(step_id=step_id)
        .order_by()
    )
)
TASK_FOR_UPDATE = prepared.Select(
    lambda pk: StepTask.objects.select_for_update(of=("self",)).select_related("step").filter(pk=pk)
)
STAFF_ROLES = prepared.Select(
    lambda user_id: Staff.objects.filter(user_id=user_id).values_list("department_id", "role", "active")
)


def lock_case(case_id: int, *, require_accepted: bool = True) -> Case:
    case = CASE_FOR_UPDATE.one(case_id)
    if require_accepted and case.state != CaseState.ACCEPTED:
        raise _not_active(CaseState(case.state).label)
    return case


def lock_task(task: StepTask) -> tuple[Case, StepTask]:
    """Lock the case row, then the task row (that order, always); the task's step must be active."""
    case = lock_case(task.case_id)
    task = TASK_FOR_UPDATE.one(task.pk)
    if task.step.state != StepState.ACTIVE:
        raise _not_active(StepState(task.step.state).label)
    return case, task


def require_state(task: StepTask, *states: str) -> None:
    if task.state not in states:
        raise Conflict(
            _("该任务当前为“%(s)s”，不能办理此操作。") % {"s": TaskState(task.state).label},
            code="cases.task_not_pending",
            state=task.state,
        )


def may_work(task: StepTask, user, role: str) -> bool:
    """The task's assignee, or (assignee NULL) active staff of its department with the step's role."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    # The hot path of every signature: three columns, not the staff row with its joins.
    found = [(dept, r) for dept, r, active in STAFF_ROLES.all(user.pk) if active]
    if not found:
        return False
    if task.assignee_id is not None:
        return task.assignee_id == user.pk
    return (task.department_id, role) in found


def require_holder(task: StepTask, actor) -> None:
    if not may_work(task, actor, task.step.role):
        raise PermissionDenied(_("这不是您的待办任务。"), code="cases.not_your_task")


def clean_reason(reason, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("请填写理由。"), code="cases.reason_required", field=field)
    return reason


def record(case: Case, op: str, *, actor, at, note: str = "", step=None, task=None, detail=None) -> None:
    """The timeline row and the audit event of one step operation."""
    moves.event(case, action=f"step_{op}", actor=actor, at=at, from_state=case.state, note=note,
                step=step, task=task)  # fmt: skip
    data = {"step": getattr(step, "pk", None), "task": getattr(task, "pk", None), **(detail or {})}
    audit.record(
        action=f"cases.step_{op}", actor=actor, obj=case, detail=data | ({"note": note} if note else {})
    )


# --- rounds ---------------------------------------------------------------------------------------


def _new_step(case: Case, spec: dict, *, round_no: int, at, department_id: int) -> CaseStep:
    ratio = spec.get("pass_ratio")
    step = prepared.new(
        CaseStep, case=case, round=round_no, flow_order=int(spec["order"]), name=spec["name"], role=spec["role"],
        department_id=department_id, mode=spec.get("countersign_mode") or CountersignMode.NONE,
        pass_ratio=Decimal(str(ratio)) if ratio not in (None, "") else None,
        limit=Decimal(str(spec.get("limit") or 0)), limit_unit=spec.get("limit_unit") or "workday",
        started_at=at,
    )  # fmt: skip
    clock = clocks.step_clock(case, step)
    step.due_at, step.warn_at = clock.due_at, clock.warn_at
    return prepared.insert(step)


def _carried(step: CaseStep, previous: CaseStep, skip_seq: int, at) -> dict[int, list[StepTask]]:
    """The done votes of ``previous`` (other seats than ``skip_seq``) copied into ``step``."""
    votes: dict[int, list[StepTask]] = {}
    done = StepTask.objects.filter(step=previous, kind=StepTask.Kind.SIGN, state=TaskState.DONE)
    for t in done.exclude(relation=DELEGATE).exclude(seq=skip_seq):
        votes.setdefault(t.seq, []).append(
            StepTask(
                step=step,
                case_id=step.case_id,
                seq=t.seq,
                department_id=t.department_id,
                assignee_id=t.assignee_id or t.done_by_id,
                parent=t,
                relation=CARRIED,
                state=TaskState.DONE,
                opinion=t.opinion,
                comment=t.comment,
                opened_at=t.opened_at,
                done_at=t.done_at,
                done_by_id=t.done_by_id,
                created_at=at,
            )
        )
    return votes


def start_round(
    case: Case, spec: dict, *, round_no: int, at, actor, redo_seq: int | None = None, redo_assignee=None,
    previous: CaseStep | None = None,
) -> CaseStep:  # fmt: skip
    """Open a round of flow step ``spec``: one task per seat, due/warn from the step's clock.

    With ``previous`` (a branch return or a withdrawal) the done votes of its other seats carry
    over and only seat ``redo_seq`` (and seats without a done vote) are worked again.
    """
    department_id, seat_departments = _resolve(case, spec)
    step = _new_step(case, spec, round_no=round_no, at=at, department_id=department_id)
    carried = _carried(step, previous, redo_seq, at) if previous is not None else {}
    fresh = [seq for seq in range(len(seat_departments)) if seq not in carried]
    sequential = step.mode == CountersignMode.SEQUENTIAL
    tasks = [t for seq in sorted(carried) for t in carried[seq]]
    for seq in fresh:
        waiting = sequential and seq != fresh[0]
        tasks.append(
            prepared.new(
                StepTask,
                step=step,
                case=case,
                seq=seq,
                department_id=seat_departments[seq],
                assignee=redo_assignee if seq == redo_seq else None,
                state=TaskState.WAITING if waiting else TaskState.PENDING,
                created_at=at,
            )
        )
    prepared.insert_many(tasks)
    moves.event(case, action="step_start", actor=actor, at=at, from_state=case.state, step=step,
                note=_("%(name)s（第%(n)s轮）") % {"name": step.name, "n": round_no})  # fmt: skip
    return step


@functools.lru_cache(maxsize=4)
def _cancel_open_sql(vendor: str) -> str:
    quote, meta = connection.ops.quote_name, StepTask._meta
    state, step = quote(meta.get_field("state").column), quote(meta.get_field("step").column)
    marks = ", ".join(["%s"] * len(OPEN_TASK_STATES))
    return f"UPDATE {quote(meta.db_table)} SET {state} = %s WHERE {step} = %s AND {state} IN ({marks})"  # noqa: S608


def end_step(step: CaseStep, state: str, at, outcome: str = "", *, cancel: bool = True) -> None:
    """Close a round (passed, rejected, returned, withdrawn, cancelled) and cancel its open tasks
    (``cancel=False``: the caller knows none is open)."""
    step.state, step.outcome, step.finished_at = state, outcome, at
    prepared.update(step, ["state", "outcome", "finished_at"])
    if cancel:
        with connection.cursor() as cursor:
            cursor.execute(
                _cancel_open_sql(connection.vendor), [TaskState.CANCELLED, step.pk, *OPEN_TASK_STATES]
            )


def steps_start(*, case: Case, at, actor) -> CaseStep | None:
    """Activate round 1 of the first processing step (inside the acceptance transaction).

    A flow without processing steps decides the case "approve" at once and returns None.
    """
    flow = processing_flow(case)
    if not flow:
        decide(case, Decision.APPROVE, at=at, actor=actor, note=_("无审批环节，受理即作出准予决定"))
        return None
    return start_round(case, flow[0], round_no=1, at=at, actor=actor)


def steps_cancel(*, case: Case, at) -> int:
    """Close the case's active round (the case ended early: withdrawn, revoked, concluded …).

    Not atomic: call it inside the service's transaction, holding the case's row lock.
    """
    count = 0
    for step in CaseStep.objects.filter(case=case, state=StepState.ACTIVE):
        end_step(step, StepState.CANCELLED, at)
        count += 1
    return count


def active_step(case: Case) -> CaseStep:
    step = CaseStep.objects.filter(case=case, state=StepState.ACTIVE).order_by("-round").first()
    if step is None:
        raise _not_active(CaseState(case.state).label)
    return step


# --- settling a round ----------------------------------------------------------------------------


def _tidy(step: CaseStep, seats: dict[int, str], tasks) -> None:
    """An undecided round: cancel rejected seats' open tasks, open the tasks whose turn has come."""
    rejected = {seq for seq, v in seats.items() if v == REJECT}
    sign = [t for t in tasks if t.kind == StepTask.Kind.SIGN]
    stale = {t.pk for t in sign if t.seq in rejected and t.state in OPEN_TASK_STATES}
    ready = seats_ready(tasks, stale)
    if step.mode == CountersignMode.SEQUENTIAL:
        ready |= next_in_sequence(seats, tasks, ready)
    if stale:
        StepTask.objects.filter(pk__in=stale).update(state=TaskState.CANCELLED)
    if ready:
        StepTask.objects.filter(pk__in=ready).update(state=TaskState.PENDING)


def lock_round(task: StepTask) -> tuple[Case, StepTask, list[StepTask]]:
    """lock_task, but with every task of the round in the same query (a signature settles the
    round right after, so reading the round once saves a query on the hottest path)."""
    case = lock_case(task.case_id)
    tasks = ROUND_FOR_UPDATE.all(task.step_id)
    mine = next((t for t in tasks if t.pk == task.pk), None)
    if mine is None:
        raise StepTask.DoesNotExist(task.pk)
    step = mine.step
    for t in tasks:
        StepTask.step.field.set_cached_value(t, step)  # one step object for the whole round
    if step.state != StepState.ACTIVE:
        raise _not_active(StepState(step.state).label)
    return case, mine, tasks


def settle(case: Case, step: CaseStep, *, at, actor, task=None, tasks=None) -> str | None:
    """Re-evaluate a round after a change; pass or reject it and move the case on if decided.

    ``tasks``: the round's tasks as they now are, when the caller holds them (lock_round).
    """
    tasks = tasks if tasks is not None else list(StepTask.objects.filter(step=step))
    seats = seat_states(tasks)
    result = verdict(step, seats)
    inspecting = any(t.kind == StepTask.Kind.INSPECT and t.state in OPEN_TASK_STATES for t in tasks)
    if result is None or (result == APPROVE and inspecting):
        _tidy(step, seats, tasks)
        return None
    still_open = any(t.state in OPEN_TASK_STATES for t in tasks)
    end_step(step, StepState.PASSED if result == APPROVE else StepState.REJECTED, at, outcome=result,
             cancel=still_open)  # fmt: skip
    following = _next_flow_step(case, step.flow_order) if result == APPROVE else None
    if following is not None:
        start_round(case, following, round_no=step.round + 1, at=at, actor=actor)
    else:
        decide(case, Decision.APPROVE if result == APPROVE else Decision.REJECT, at=at, actor=actor,
               step=step, task=task)  # fmt: skip
    return result


def decide(case: Case, decision: str, *, at, actor, step=None, task=None, note: str = "") -> Case:
    def set_decision(c, when):
        c.decision, c.decided_at = decision, when
        if decision == Decision.APPROVE:  # 行政许可法 Art. 44
            c.delivery_due_at = workdays.due_instant(when, DELIVERY_WORKDAYS, "workday")

    return moves.move(case, action=Action.DECIDE, actor=actor, at=at, clock_step=set_decision,
                      note=note or str(Decision(decision).label), step=step, task=task)  # fmt: skip


# --- opening and completing -----------------------------------------------------------------------


@transaction.atomic(durable=True)
def task_open(*, task: StepTask, actor) -> StepTask:
    """The holder opens a pending task ("touched": the previous step can no longer be withdrawn).

    A department task (assignee NULL) is claimed by whoever opens it first.
    """
    case, task = lock_task(task)
    require_state(task, TaskState.PENDING)
    require_holder(task, actor)
    if task.opened_at is not None and task.assignee_id == actor.pk:
        return task
    at = timezone.now()
    task.opened_at = task.opened_at or at
    task.assignee_id = task.assignee_id or actor.pk
    task.save(update_fields=["opened_at", "assignee"])
    record(case, "open", actor=actor, at=at, step=task.step, task=task)
    return task


def _chief_delegation(case: Case, task: StepTask, actor, at):
    """A chief step's signature rests on the actor's "decide" delegation (not a delegate's opinion)."""
    if task.step.role != Role.CHIEF or task.relation == DELEGATE:
        return None
    return seals.chief_delegation(actor=actor, department=case.item.department, power="decide", at=at)


def _delegate_back(task: StepTask, actor) -> None:
    """A delegate's opinion goes back to the owner, whose task is pending again."""
    parent = StepTask.objects.get(pk=task.parent_id)
    name = getattr(staff_of(actor), "name", "") or actor.get_username()
    line = _("委派意见（%(who)s）：%(op)s。%(c)s") % {
        "who": name, "op": _("同意") if task.opinion == APPROVE else _("不同意"), "c": task.comment,
    }  # fmt: skip
    parent.comment = f"{parent.comment}\n{line}".strip()
    parent.state = TaskState.PENDING
    parent.save(update_fields=["comment", "state"])


@transaction.atomic(durable=True)
def task_complete(*, task: StepTask, opinion: str, comment: str = "", actor) -> StepTask:
    """Sign a pending task (approve / reject) and settle its round (module docstring)."""
    if opinion not in OPINIONS:
        raise ValidationFailed(
            _("办理意见只能是“同意”或“不同意”。"), code="cases.bad_opinion", field="opinion"
        )
    case, task, round_tasks = lock_round(task)
    require_state(task, TaskState.PENDING)
    if task.kind != StepTask.Kind.SIGN:
        raise ValidationFailed(_("踏勘任务请提交踏勘结果。"), code="cases.not_sign_task")
    require_holder(task, actor)
    at = timezone.now()
    chief = _chief_delegation(case, task, actor, at)
    task.state, task.opinion, task.comment = TaskState.DONE, opinion, (comment or "").strip()
    task.done_at, task.done_by, task.opened_at = at, actor, task.opened_at or at
    task.assignee_id = task.assignee_id or actor.pk  # a department's task is claimed by its signer
    prepared.update(task, ["state", "opinion", "comment", "done_at", "done_by", "opened_at", "assignee"])
    if task.relation == DELEGATE:
        _delegate_back(task, actor)
    record(case, "complete", actor=actor, at=at, note=task.comment, step=task.step, task=task,
           detail={"opinion": opinion})  # fmt: skip
    if task.relation != DELEGATE:
        settle(case, task.step, at=at, actor=actor, task=task, tasks=round_tasks)
    if chief is not None and case.state == CaseState.DECIDED:
        use = seals.seal_record_if_granted(
            case=case, document=DECISION_DOCUMENTS[case.decision], actor=actor, at=at
        )
        if use is None:  # decide power without the seal: the department seals the document itself
            record(case, "seal_at_department", actor=actor, at=at, step=task.step, task=task,
                   note=_("首席代表未获印章使用授权，决定文书须回部门加盖印章。"))  # fmt: skip
    return task


def __getattr__(name: str):
    """STEP_ACTIONS and the operations of ``step_ops``, looked up on first use (PEP 562).

    ``step_ops`` builds on this module, so importing it here at load time would be circular.
    """
    from govhall.cases import step_ops

    if name == "STEP_ACTIONS" or name in step_ops.OPERATIONS:
        return getattr(step_ops, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
