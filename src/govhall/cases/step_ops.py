"""Step operations beyond signing (see ``processing`` for seats, modes and the guards).

- Return (退回) ``step_return``: the holder of a pending seat task sends the case back to an
  earlier processing step (never to the intake step: that is a supplement, not a return) with a
  reason. The current round becomes RETURNED, its open tasks cancelled, and a new round of the
  target step opens. With ``branch_department`` (one of the target's countersign departments)
  only that branch is redone: the new round carries over the other seats' done votes (relation
  "carried", with their opinions) and has a pending task for the branch (and for seats that had no
  done vote, e.g. those cancelled when an any-of step passed).
- Withdraw (撤回) ``step_withdraw``: whoever signed "approve" in a passed round takes it back while
  the next round is untouched (no task of it opened, done, delegated, transferred or removed). The
  next round becomes WITHDRAWN and a new round of the signed step opens: the signer's seat pending
  for the signer, the other seats' done votes carried over as for a branch return.
- Transfer (转办) ``task_transfer``: the pending seat task becomes TRANSFERRED and a task in the
  same seat goes to another person (their department) or to another department's pool (relation
  "transfer", parent = the original); signers waiting after it follow it.
- Delegate (委派) ``task_delegate``: the seat task becomes DELEGATED and a child task (relation
  "delegate") goes to the delegate; when the delegate signs, the parent is pending again for its
  owner with the delegate's opinion appended to its comment. The delegate's opinion is not a vote.
- Add signers (加签) ``task_add_signers``: "before" — the added tasks are pending and the adder's
  task waits until all of them are done; "after" — the added tasks wait and open when the adder
  approves. Both belong to the adder's seat, so each of them must approve for the seat to approve.
- Remove a signer (减签) ``task_remove_signer``: a pending or waiting sign task is cancelled with
  a reason — an added signer by the one who added them, a seat (its open tasks with it) by a chief
  representative of the item's department — never the step's last live seat; the chief may also
  cancel an open inspection this way. Then the round is settled again (it may pass now).
- Tasks of added signers and delegates can only be signed (or removed by whoever added them);
  return, transfer, delegation and adding signers belong to a seat's holder.
- Copy (抄送) ``case_copy`` / ``copy_read``: a copy per person and round, with a read receipt;
  reading works in any case state (it changes nothing of the case).
- Urge (催办) ``task_urge``: any staff member urges a pending task at most GOVHALL_URGE_LIMIT times
  (default 3); each urge queues an SMS to the assignee, or to each active staff member of the
  task's department with the step's role when the task is still unclaimed.
- Inspection (现场踏勘) ``inspection_add`` / ``inspection_report``: a holder of the active round
  (or a chief of the item's department) adds an inspection task for an inspector; the round
  cannot pass while it is open; the report carries findings and the photos (CaseFile rows of the
  case, linked to the task).
"""

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from govhall.cases import processing as engine
from govhall.cases import seats
from govhall.cases.models import Case, CaseCopy, CaseFile, CaseStep, StepTask
from govhall.cases.states import StepState, TaskState
from govhall.core import outbox, prepared
from govhall.core.errors import Conflict, PermissionDenied, ValidationFailed
from govhall.core.personal import user_mobile
from govhall.org.access import require_role, staff_of
from govhall.org.models import Department, Role, Staff

POSITIONS = ("before", "after")


def _held(task: StepTask) -> None:
    """Only a seat's own task can be returned, transferred, delegated or given added signers."""
    if task.kind != StepTask.Kind.SIGN or task.relation not in seats.SEAT_RELATIONS:
        raise ValidationFailed(
            _("加签、委派的任务和踏勘任务只能办理，不能执行此操作。"), code="cases.not_seat_task"
        )


def _lock_held(task: StepTask, actor) -> tuple[Case, StepTask]:
    case, task = engine.lock_task(task)
    engine.require_state(task, TaskState.PENDING)
    _held(task)
    engine.require_holder(task, actor)
    return case, task


def _touch(task: StepTask, at, actor, *fields: str) -> None:
    """The holder has worked the task: opened ("touched") and claimed if it was a department's."""
    task.opened_at = task.opened_at or at
    task.assignee_id = task.assignee_id or actor.pk
    prepared.update(task, ["opened_at", "assignee", *fields])


def _staff_user(user, *, code: str, field: str, actor=None) -> Staff:
    staff = staff_of(user) if user is not None else None
    if staff is None or (actor is not None and user.pk == actor.pk):
        raise ValidationFailed(_("请选择在岗的其他工作人员。"), code=code, field=field)
    return staff


def _is_case_chief(case: Case, actor) -> bool:
    staff = staff_of(actor)
    return staff is not None and staff.role == Role.CHIEF and staff.department_id == case.item.department_id


def _works_on(step: CaseStep, actor) -> bool:
    """Whether the actor may work an open task of the round (one query)."""
    staff = staff_of(actor)
    if staff is None:
        return False
    mine = Q(assignee_id=actor.pk)
    if staff.role == step.role:
        mine |= Q(assignee__isnull=True, department_id=staff.department_id)
    return StepTask.objects.filter(mine, step=step, state__in=seats.OPEN_TASK_STATES).exists()


# --- return and withdraw --------------------------------------------------------------------------


def _return_target(case: Case, step: CaseStep, to_flow_order, branch_department):
    try:
        order = int(to_flow_order)
    except (TypeError, ValueError):
        order = None
    spec = engine.flow_step(case, order) if order is not None else None
    if spec is None or order >= step.flow_order:
        raise ValidationFailed(
            _("只能退回到本环节之前的审批环节。"), code="cases.bad_return_target", field="to_flow_order"
        )
    if branch_department is None:
        return spec, None, None
    code = getattr(branch_department, "code", branch_department)
    seats = engine.seat_codes(spec)
    if code not in seats:
        raise ValidationFailed(
            _("退回的分支部门不是该环节的会签部门。"), code="cases.bad_branch", field="branch_department"
        )
    previous = CaseStep.objects.filter(case=case, flow_order=order).order_by("-round").first()
    return spec, seats.index(code), previous


@transaction.atomic(durable=True)
def step_return(
    *, task: StepTask, to_flow_order: int, reason: str, branch_department=None, actor
) -> CaseStep:
    """退回: the current round ends RETURNED; a new round of the earlier step (or one branch) opens."""
    reason = engine.clean_reason(reason)
    case, task = _lock_held(task, actor)
    step = task.step
    spec, redo_seq, previous = _return_target(case, step, to_flow_order, branch_department)
    at = timezone.now()
    _touch(task, at, actor)
    engine.end_step(step, StepState.RETURNED, at)
    engine.record(case, "return", actor=actor, at=at, note=reason, step=step, task=task,
                  detail={"to_flow_order": int(spec["order"]), "branch": redo_seq})  # fmt: skip
    return engine.start_round(
        case, spec, round_no=step.round + 1, at=at, actor=actor, redo_seq=redo_seq, previous=previous
    )


def _withdraw_pair(case: Case, step: CaseStep) -> tuple[CaseStep | None, CaseStep | None]:
    """(the passed round, the round after it) for ``step`` given as either of them."""
    if step.state == StepState.ACTIVE:
        return CaseStep.objects.filter(case=case, round=step.round - 1).first(), step
    return step, CaseStep.objects.filter(case=case, round=step.round + 1).first()


@transaction.atomic(durable=True)
def step_withdraw(*, step: CaseStep, actor) -> CaseStep:
    """撤回: ``step`` is the round the actor signed (or the active round right after it)."""
    case = engine.lock_case(step.case_id)
    step = CaseStep.objects.select_for_update().get(pk=step.pk)
    signed, current = _withdraw_pair(case, step)
    refused = Conflict(_("下一环节已开始办理，不能撤回。"), code="cases.withdraw_refused")
    if (
        signed is None
        or current is None
        or signed.state != StepState.PASSED
        or current.state != StepState.ACTIVE
    ):
        raise refused
    mine = (
        StepTask.objects.filter(
            step=signed, kind=StepTask.Kind.SIGN, state=TaskState.DONE, done_by_id=getattr(actor, "pk", None)
        )
        .filter(opinion=seats.APPROVE)
        .exclude(relation=seats.DELEGATE)
        .order_by("-done_at", "-id")
        .first()
    )
    if mine is None:
        raise PermissionDenied(_("只有上一环节的签批人可以撤回。"), code="cases.not_your_task")
    touched = Q(opened_at__isnull=False) | ~Q(state__in=(TaskState.PENDING, TaskState.WAITING))
    if StepTask.objects.filter(step=current).filter(touched).exists():
        raise refused
    at = timezone.now()
    engine.end_step(current, StepState.WITHDRAWN, at)
    engine.record(case, "withdraw", actor=actor, at=at, step=current, task=mine)
    spec = engine.flow_step(case, signed.flow_order)
    return engine.start_round(case, spec, round_no=current.round + 1, at=at, actor=actor,
                              redo_seq=mine.seq, redo_assignee=actor, previous=signed)  # fmt: skip


# --- transfer, delegate, add and remove signers ---------------------------------------------------


def _transfer_target(to_user, to_department, actor) -> tuple[int, object]:
    if (to_user is None) == (to_department is None):
        raise ValidationFailed(
            _("请选择转办的人员或部门（二选一）。"), code="cases.bad_transfer_target", field="to_user"
        )
    if to_user is not None:
        staff = _staff_user(to_user, code="cases.bad_transfer_target", field="to_user", actor=actor)
        return staff.department_id, to_user
    if not isinstance(to_department, Department) or not to_department.active:
        raise ValidationFailed(
            _("请选择在驻的部门。"), code="cases.bad_transfer_target", field="to_department"
        )
    return to_department.pk, None


@transaction.atomic(durable=True)
def task_transfer(*, task: StepTask, to_user=None, to_department=None, reason: str, actor) -> StepTask:
    """转办: the task goes to another person or department; the original is TRANSFERRED."""
    reason = engine.clean_reason(reason)
    department_id, assignee = _transfer_target(to_user, to_department, actor)
    case, task = _lock_held(task, actor)
    if assignee is None and department_id == task.department_id and task.assignee_id is None:
        raise ValidationFailed(
            _("不能转办给本部门自己。"), code="cases.bad_transfer_target", field="to_department"
        )
    at = timezone.now()
    task.state, task.comment, task.done_at, task.done_by = TaskState.TRANSFERRED, reason, at, actor
    _touch(task, at, actor, "state", "comment", "done_at", "done_by")
    new = StepTask.objects.create(
        step=task.step, case=case, seq=task.seq, department_id=department_id, assignee=assignee, parent=task,
        relation="transfer", state=TaskState.PENDING, created_at=at,
    )  # fmt: skip
    StepTask.objects.filter(parent=task, relation="add_after", state=TaskState.WAITING).update(parent=new)
    engine.record(case, "transfer", actor=actor, at=at, note=reason, step=task.step, task=new,
                  detail={"from_task": task.pk})  # fmt: skip
    return new


@transaction.atomic(durable=True)
def task_delegate(*, task: StepTask, to_user, note: str = "", actor) -> StepTask:
    """委派: the delegate's opinion comes back to the owner, whose task waits DELEGATED meanwhile."""
    staff = _staff_user(to_user, code="cases.bad_delegate", field="to_user", actor=actor)
    case, task = _lock_held(task, actor)
    at = timezone.now()
    task.state = TaskState.DELEGATED
    _touch(task, at, actor, "state")
    child = StepTask.objects.create(
        step=task.step, case=case, seq=task.seq, department_id=staff.department_id, assignee=to_user, parent=task,
        relation=seats.DELEGATE, state=TaskState.PENDING, result={"instruction": (note or "").strip()},
        created_at=at,
    )  # fmt: skip
    engine.record(case, "delegate", actor=actor, at=at, note=(note or "").strip(), step=task.step, task=child)
    return child


def _signer_rows(users, departments, actor) -> list[tuple[int, object]]:
    rows, seen = [], set()
    for user in users or ():
        staff = _staff_user(user, code="cases.bad_signer", field="users", actor=actor)
        rows.append((staff.department_id, user))
        seen.add(("u", user.pk))
    for dept in departments or ():
        if not isinstance(dept, Department) or not dept.active:
            raise ValidationFailed(_("请选择在驻的部门。"), code="cases.bad_signer", field="departments")
        rows.append((dept.pk, None))
        seen.add(("d", dept.pk))
    if not rows:
        raise ValidationFailed(_("请选择加签的人员或部门。"), code="cases.signers_required", field="users")
    if len(seen) != len(rows):
        raise ValidationFailed(_("加签人员或部门重复。"), code="cases.bad_signer", field="users")
    return rows


@transaction.atomic(durable=True)
def task_add_signers(*, task: StepTask, users=(), departments=(), position: str, actor) -> list[StepTask]:
    """加签 before (the adder waits for them) or after (they sign after the adder approves)."""
    if position not in POSITIONS:
        raise ValidationFailed(
            _("加签位置只能是“前加签”或“后加签”。"), code="cases.bad_position", field="position"
        )
    rows = _signer_rows(users, departments, actor)
    case, task = _lock_held(task, actor)
    at = timezone.now()
    before = position == "before"
    added = [
        StepTask(
            step=task.step,
            case=case,
            seq=task.seq,
            department_id=dept_id,
            assignee=user,
            parent=task,
            relation=f"add_{position}",
            state=TaskState.PENDING if before else TaskState.WAITING,
            created_at=at,
        )
        for dept_id, user in rows
    ]
    StepTask.objects.bulk_create(added)
    if before:
        task.state = TaskState.WAITING
    _touch(task, at, actor, "state")
    engine.record(case, "add_signers", actor=actor, at=at, step=task.step, task=task,
                  detail={"position": position, "count": len(added)})  # fmt: skip
    return added


def _may_remove(case: Case, task: StepTask, actor) -> None:
    if task.relation in engine.ADDED_RELATIONS:
        parent = task.parent
        if parent.done_by_id == actor.pk or engine.may_work(parent, actor, task.step.role):
            return
    if _is_case_chief(case, actor):
        return
    raise PermissionDenied(_("只有加签人或本部门首席代表可以减签。"), code="cases.not_your_task")


@transaction.atomic(durable=True)
def task_remove_signer(*, task: StepTask, reason: str, actor) -> StepTask:
    """减签: cancel a pending or waiting signer (never the last seat) or an open inspection, then
    settle the round."""
    reason = engine.clean_reason(reason)
    case, task = engine.lock_task(task)
    engine.require_state(task, TaskState.PENDING, TaskState.WAITING)
    if task.relation == seats.DELEGATE:
        raise ValidationFailed(_("委派的任务不能减签，待被委派人办理后收回。"), code="cases.not_seat_task")
    _may_remove(case, task, actor)
    step = task.step
    seat = task.kind == StepTask.Kind.SIGN and task.relation not in engine.ADDED_RELATIONS
    live = StepTask.objects.filter(step=step, kind=StepTask.Kind.SIGN).exclude(relation=seats.DELEGATE)
    live = live.exclude(state__in=(TaskState.CANCELLED, TaskState.TRANSFERRED))
    if seat and not live.exclude(seq=task.seq).exists():
        raise ValidationFailed(_("不能减去本环节最后一个签批人。"), code="cases.last_signer")
    at = timezone.now()
    if seat:  # the whole seat goes: its added signers and delegates with it
        StepTask.objects.filter(step=step, seq=task.seq, state__in=seats.OPEN_TASK_STATES).update(
            state=TaskState.CANCELLED
        )
    task.state, task.comment, task.result = TaskState.CANCELLED, reason, {**task.result, "removed": reason}
    task.save(update_fields=["state", "comment", "result"])
    engine.record(case, "remove_signer", actor=actor, at=at, note=reason, step=step, task=task)
    engine.settle(case, step, at=at, actor=actor, task=task)  # an adder waiting for it may go on
    return task


# --- copy, urge, inspection -----------------------------------------------------------------------


@transaction.atomic(durable=True)
def case_copy(*, case: Case, to_users, note: str = "", actor) -> list[CaseCopy]:
    """抄送 the case to staff members (one copy per person and round; a repeat returns the first)."""
    note = (note or "").strip()
    users = list({u.pk: u for u in to_users or ()}.values())
    if not users or len(note) > 200:
        raise ValidationFailed(
            _("请选择抄送人员，备注不超过200字。"), code="cases.copy_recipients", field="to_users"
        )
    for user in users:
        _staff_user(user, code="cases.copy_recipients", field="to_users")
    case = engine.lock_case(case.pk)
    step = engine.active_step(case)
    if not (_works_on(step, actor) or _is_case_chief(case, actor)):
        raise PermissionDenied(_("只有本环节的办理人可以抄送。"), code="cases.not_your_task")
    at = timezone.now()
    existing = {c.to_user_id: c for c in CaseCopy.objects.filter(case=case, step=step, to_user__in=users)}
    new = [CaseCopy(case=case, step=step, to_user=u, by=actor, note=note, sent_at=at) for u in users
           if u.pk not in existing]  # fmt: skip
    if new:
        CaseCopy.objects.bulk_create(new)
        engine.record(case, "copy", actor=actor, at=at, note=note, step=step,
                      detail={"to": [c.to_user_id for c in new]})  # fmt: skip
    made = {c.to_user_id: c for c in new}
    return [existing.get(u.pk) or made[u.pk] for u in users]


@transaction.atomic(durable=True)
def copy_read(*, copy: CaseCopy, actor) -> CaseCopy:
    """The recipient's read receipt (first read only; any case state)."""
    case = engine.lock_case(copy.case_id, require_accepted=False)
    copy = CaseCopy.objects.select_for_update().get(pk=copy.pk)
    if actor is None or copy.to_user_id != actor.pk:
        raise PermissionDenied(_("这不是抄送给您的办件。"), code="cases.not_your_copy")
    if copy.read_at is None:
        copy.read_at = timezone.now()
        copy.save(update_fields=["read_at"])
        engine.record(
            case, "copy_read", actor=actor, at=copy.read_at, step=copy.step, detail={"copy": copy.pk}
        )
    return copy


def _urge_recipients(task: StepTask) -> list:
    if task.assignee_id is not None:
        return [task.assignee]
    staff = Staff.objects.filter(department_id=task.department_id, role=task.step.role, active=True)
    return [s.user for s in staff.select_related("user")]


@transaction.atomic(durable=True)
def task_urge(*, task: StepTask, note: str = "", actor) -> StepTask:
    """催办: at most GOVHALL_URGE_LIMIT times per task; each urge is an SMS through the outbox."""
    require_role(actor)
    case, task = engine.lock_task(task)
    engine.require_state(task, TaskState.PENDING)
    limit = int(getattr(settings, "GOVHALL_URGE_LIMIT", 3))
    if task.urge_count >= limit:
        raise Conflict(_("该任务已催办%(n)s次，达到上限。") % {"n": task.urge_count}, code="cases.urge_limit")
    at = timezone.now()
    task.urge_count += 1
    task.save(update_fields=["urge_count"])
    text = _("办件%(n)s的“%(s)s”环节待您办理，请抓紧。%(note)s") % {
        "n": case.number, "s": task.step.name, "note": (note or "").strip(),
    }  # fmt: skip
    for user in _urge_recipients(task):
        mobile = user_mobile(user) if user.mobile_cipher else ""
        if mobile:
            outbox.enqueue(kind="sms", topic="case_urge", payload={"mobile": mobile, "text": text},
                           dedupe_key=f"case_urge:{task.pk}:{task.urge_count}:{user.pk}")  # fmt: skip
    engine.record(case, "urge", actor=actor, at=at, note=(note or "").strip(), step=task.step, task=task,
                  detail={"count": task.urge_count})  # fmt: skip
    return task


@transaction.atomic(durable=True)
def inspection_add(*, case: Case, inspector, note: str = "", actor) -> StepTask:
    """Add a site-inspection task on the active round; the round cannot pass while it is open."""
    staff = staff_of(inspector) if inspector is not None else None
    if staff is None or staff.role != Role.INSPECTOR:
        raise ValidationFailed(_("请选择在岗的踏勘人员。"), code="cases.bad_inspector", field="inspector")
    case = engine.lock_case(case.pk)
    step = engine.active_step(case)
    if not (_works_on(step, actor) or _is_case_chief(case, actor)):
        raise PermissionDenied(_("只有本环节的办理人可以安排现场踏勘。"), code="cases.not_your_task")
    at = timezone.now()
    task = StepTask.objects.create(
        step=step, case=case, kind=StepTask.Kind.INSPECT, department_id=staff.department_id, assignee=inspector,
        state=TaskState.PENDING, comment=(note or "").strip(), created_at=at,
    )  # fmt: skip
    engine.record(case, "inspection_add", actor=actor, at=at, note=task.comment, step=step, task=task)
    return task


def _photo_ids(case: Case, task: StepTask, photos) -> list[int]:
    """Files of this case, not yet linked to another task (uploading to the task itself is fine)."""
    bad = ValidationFailed(_("踏勘照片须是本办件已上传的文件。"), code="cases.bad_photo", field="photos")
    try:
        ids = sorted({int(getattr(p, "pk", p)) for p in photos or ()})
    except (TypeError, ValueError):
        raise bad from None
    files = CaseFile.objects.filter(Q(task__isnull=True) | Q(task=task), pk__in=ids, case=case)
    found = files.count() if ids else 0
    if found != len(ids):
        raise bad
    return ids


@transaction.atomic(durable=True)
def inspection_report(*, task: StepTask, findings: str, photos=(), actor) -> StepTask:
    """The inspector's findings and photos; the round is settled again (it may pass now)."""
    findings = (findings or "").strip()
    if not findings:
        raise ValidationFailed(_("请填写踏勘结论。"), code="cases.findings_required", field="findings")
    case, task = engine.lock_task(task)
    if task.kind != StepTask.Kind.INSPECT:
        raise ValidationFailed(_("这不是踏勘任务。"), code="cases.not_inspection")
    engine.require_state(task, TaskState.PENDING)
    engine.require_holder(task, actor)
    ids = _photo_ids(case, task, photos)
    at = timezone.now()
    task.state, task.done_at, task.done_by = TaskState.DONE, at, actor
    task.result = {"findings": findings, "photos": ids}
    _touch(task, at, actor, "state", "done_at", "done_by", "result")
    CaseFile.objects.filter(pk__in=ids).update(task=task)
    engine.record(case, "inspection_report", actor=actor, at=at, note=findings, step=task.step, task=task)
    engine.settle(case, task.step, at=at, actor=actor, task=task)
    return task


STEP_ACTIONS = {
    "complete": engine.task_complete,
    "return": step_return,
    "withdraw_step": step_withdraw,
    "transfer": task_transfer,
    "delegate": task_delegate,
    "add_signers": task_add_signers,
    "remove_signer": task_remove_signer,
    "urge": task_urge,
    "copy": case_copy,
    "inspection_add": inspection_add,
    "inspection_report": inspection_report,
}
OPERATIONS = frozenset({f.__name__ for f in STEP_ACTIONS.values()} | {"copy_read"})
