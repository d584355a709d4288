"""Step operations: return, withdraw, transfer, delegate, add/remove signers, copy, urge, inspection."""

import pytest

from govhall.cases.models import CaseCopy, CaseEvent, CaseFile, CaseStep, StepTask
from govhall.cases.processing import task_complete, task_open
from govhall.cases.selectors import copies_for, tasks_for
from govhall.cases.step_ops import (
    case_copy,
    copy_read,
    inspection_add,
    inspection_report,
    step_return,
    step_withdraw,
    task_add_signers,
    task_delegate,
    task_remove_signer,
    task_transfer,
    task_urge,
)
from govhall.core.errors import DomainError
from govhall.core.models import AuditEvent, OutboxMessage
from govhall.core.personal import user_mobile
from tests.cases import flow_factories as ff
from tests.org import factories as org

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return ff.world()


@pytest.fixture
def colleague(w):
    return ff.approver(w.department, "周同事")


def _refused(code: str, call, **kwargs):
    """``call`` raises ``code`` and writes nothing."""
    before = ff.counts()
    with pytest.raises(DomainError) as err:
        call(**kwargs)
    assert err.value.code == code, err.value.message
    assert ff.counts() == before
    return err.value


def _event(case, action) -> CaseEvent:
    event = CaseEvent.objects.filter(case=case, action=action).latest("id")
    assert AuditEvent.objects.filter(action=f"cases.{action}", object_id=str(case.pk)).exists()
    return event


def _at_chief(w):
    case = w.case()
    task_complete(task=ff.pending(case), opinion="approve", actor=w.handler)
    return case


def _countersigned(mode="all"):
    """承办 and all three 会签 departments approved: 批准 is active."""
    w = ff.world(mode=mode)
    case = w.case()
    task_complete(task=ff.pending(case), opinion="approve", actor=w.handler)
    for dept, signer in zip(w.departments, w.signers, strict=True):
        if ff.active(case).name == "会签":
            task_complete(
                task=ff.pending(case, dept), opinion="approve", comment=f"{dept.code}同意", actor=signer
            )
    assert ff.active(case).name == "批准"
    return w, case


# --- return (退回) ---------------------------------------------------------------------------------


def test_return_to_the_first_processing_step(w):
    case = _at_chief(w)
    chief_round = ff.active(case)
    new = step_return(task=ff.pending(case), to_flow_order=2, reason="请补充现场核查意见", actor=w.chief)
    chief_round.refresh_from_db()
    assert chief_round.state == "returned" and ff.tasks(chief_round)[0].state == "cancelled"
    assert (new.round, new.name, new.state) == (3, "承办", "active")
    assert [(t.state, t.assignee) for t in ff.tasks(new)] == [("pending", None)]
    event = _event(case, "step_return")
    assert (event.note, event.step, event.actor) == ("请补充现场核查意见", chief_round, w.chief)
    assert ff.fresh(case).state == "accepted"
    task_complete(task=ff.pending(case), opinion="approve", actor=w.handler)
    assert (ff.active(case).round, ff.active(case).name) == (4, "批准")


@pytest.mark.parametrize("order", [1, 3, 4, 99, "x", None])
def test_return_only_to_an_earlier_processing_step(w, order):
    case = _at_chief(w)
    err = _refused("cases.bad_return_target", step_return, task=ff.pending(case), to_flow_order=order,
                   reason="退回", actor=w.chief)  # fmt: skip
    assert "之前" in err.message


def test_return_needs_a_reason(w):
    case = _at_chief(w)
    _refused(
        "cases.reason_required",
        step_return,
        task=ff.pending(case),
        to_flow_order=2,
        reason=" ",
        actor=w.chief,
    )


def test_only_the_holder_returns(w):
    case = _at_chief(w)
    _refused("cases.not_your_task", step_return, task=ff.pending(case), to_flow_order=2, reason="退回",
             actor=w.handler)  # fmt: skip


def test_return_one_branch_of_a_countersign_step():
    w, case = _countersigned("all")
    cs2 = w.departments[1]
    new = step_return(task=ff.pending(case), to_flow_order=3, reason="消防意见需复核", branch_department=cs2,
                      actor=w.chief)  # fmt: skip
    assert (new.name, new.round) == ("会签", 4)
    rows = [(t.department.code, t.state, t.relation, t.opinion, t.comment) for t in ff.tasks(new)]
    assert rows == [
        ("CS1", "done", "carried", "approve", "CS1同意"),
        ("CS2", "pending", "", "", ""),
        ("CS3", "done", "carried", "approve", "CS3同意"),
    ]
    carried = ff.tasks(new)[0]
    assert carried.done_by == w.signers[0] and carried.parent.step.round == 2
    task_complete(task=ff.pending(case, cs2), opinion="approve", actor=w.signers[1])
    assert ff.active(case).name == "批准"  # only the branch had to sign again


def test_a_branch_of_an_any_of_step_brings_back_the_unsigned_departments():
    w, case = _countersigned("any")  # CS1 approved, CS2 and CS3 were cancelled
    new = step_return(task=ff.pending(case), to_flow_order=3, reason="复核", branch_department="CS1",
                      actor=w.chief)  # fmt: skip
    assert [(t.department.code, t.state) for t in ff.tasks(new)] == [
        ("CS1", "pending"), ("CS2", "pending"), ("CS3", "pending"),
    ]  # fmt: skip


def test_return_to_a_branch_that_is_not_a_countersign_department(w):
    w2, case = _countersigned("all")
    _refused("cases.bad_branch", step_return, task=ff.pending(case), to_flow_order=3, reason="复核",
             branch_department=w2.department, actor=w2.chief)  # fmt: skip
    _refused("cases.bad_branch", step_return, task=ff.pending(case), to_flow_order=2, reason="复核",
             branch_department="CS1", actor=w2.chief)  # 承办 has no branches  # fmt: skip


# --- withdraw (撤回) -------------------------------------------------------------------------------


def test_the_signer_withdraws_while_the_next_step_is_untouched(w):
    case = _at_chief(w)
    signed = CaseStep.objects.get(case=case, round=1)
    new = step_withdraw(step=signed, actor=w.handler)
    assert CaseStep.objects.get(case=case, round=2).state == "withdrawn"
    assert (new.round, new.name) == (3, "承办")
    assert [(t.state, t.assignee) for t in ff.tasks(new)] == [("pending", w.handler)]
    event = _event(case, "step_withdraw")
    assert event.step.round == 2 and event.actor == w.handler


def test_withdraw_given_the_active_step(w):
    case = _at_chief(w)
    new = step_withdraw(step=ff.active(case), actor=w.handler)
    assert new.name == "承办"


def test_withdraw_is_refused_once_the_next_step_is_opened(w):
    case = _at_chief(w)
    task_open(task=ff.pending(case), actor=w.chief)
    err = _refused("cases.withdraw_refused", step_withdraw, step=CaseStep.objects.get(case=case, round=1),
                   actor=w.handler)  # fmt: skip
    assert err.http_status == 409


def test_withdraw_only_by_the_signer(w, colleague):
    case = _at_chief(w)
    _refused(
        "cases.not_your_task", step_withdraw, step=CaseStep.objects.get(case=case, round=1), actor=colleague
    )


def test_withdraw_of_a_step_not_followed_by_an_active_one(w):
    case = w.case()
    _refused("cases.withdraw_refused", step_withdraw, step=ff.active(case), actor=w.handler)


def test_a_countersigner_withdraws_only_their_branch():
    w, case = _countersigned("all")
    signed = CaseStep.objects.get(case=case, name="会签")
    new = step_withdraw(step=signed, actor=w.signers[1])
    assert [(t.department.code, t.state, t.assignee) for t in ff.tasks(new)] == [
        ("CS1", "done", w.signers[0]), ("CS2", "pending", w.signers[1]), ("CS3", "done", w.signers[2]),
    ]  # fmt: skip


# --- transfer (转办) and delegate (委派) -----------------------------------------------------------


def test_transfer_to_a_person(w, colleague):
    case = w.case()
    original = ff.pending(case)
    new = task_transfer(task=original, to_user=colleague, reason="出差", actor=w.handler)
    original.refresh_from_db()
    assert (original.state, original.comment, original.done_by) == ("transferred", "出差", w.handler)
    assert (new.state, new.assignee, new.parent, new.relation) == ("pending", colleague, original, "transfer")
    assert list(tasks_for(user=colleague)) == [new] and list(tasks_for(user=w.handler)) == []
    assert _event(case, "step_transfer").task == new
    task_complete(task=new, opinion="approve", actor=colleague)
    assert ff.active(case).name == "批准"


def test_transfer_to_another_department(w):
    case = w.case()
    other = org.department()
    outsider = ff.approver(other, "吴外局")
    new = task_transfer(task=ff.pending(case), to_department=other, reason="属该局职责", actor=w.handler)
    assert (new.department, new.assignee) == (other, None)
    assert list(tasks_for(user=outsider)) == [new]


@pytest.mark.parametrize("target", ["none", "both", "self", "applicant", "same_department"])
def test_transfer_needs_one_other_target(w, colleague, target):
    case = w.case()
    kwargs = {
        "none": {},
        "both": {"to_user": colleague, "to_department": w.department},
        "self": {"to_user": w.handler},
        "applicant": {"to_user": org.applicant("zhang_san")},
        "same_department": {"to_department": w.department},
    }[target]
    _refused("cases.bad_transfer_target", task_transfer, task=ff.pending(case), reason="转", actor=w.handler,
             **kwargs)  # fmt: skip


def test_transfer_needs_a_reason(w, colleague):
    case = w.case()
    _refused("cases.reason_required", task_transfer, task=ff.pending(case), to_user=colleague, reason="",
             actor=w.handler)  # fmt: skip


def test_delegate_round_trip(w, colleague):
    case = w.case()
    parent = ff.pending(case)
    child = task_delegate(task=parent, to_user=colleague, note="请核对营业执照", actor=w.handler)
    parent.refresh_from_db()
    assert parent.state == "delegated"
    assert (child.assignee, child.relation, child.parent, child.result) == (
        colleague, "delegate", parent, {"instruction": "请核对营业执照"},
    )  # fmt: skip
    _refused("cases.task_not_pending", task_complete, task=parent, opinion="approve", actor=w.handler)
    task_complete(task=child, opinion="approve", comment="执照有效", actor=colleague)
    parent.refresh_from_db()
    assert parent.state == "pending" and "周同事" in parent.comment and "执照有效" in parent.comment
    assert ff.active(case).name == "承办"  # the delegate's opinion is not a vote
    task_complete(task=parent, opinion="approve", actor=w.handler)
    assert ff.active(case).name == "批准"


def test_a_delegate_who_disagrees_leaves_the_decision_to_the_owner(w, colleague):
    case = w.case()
    parent = ff.pending(case)
    child = task_delegate(task=parent, to_user=colleague, actor=w.handler)
    task_complete(task=child, opinion="reject", comment="有疑问", actor=colleague)
    assert ff.fresh(case).state == "accepted"
    parent.refresh_from_db()
    assert parent.state == "pending" and "不同意" in parent.comment


@pytest.mark.parametrize("target", ["self", "applicant", "none"])
def test_delegate_to_another_staff_member_only(w, target):
    case = w.case()
    to_user = {"self": w.handler, "applicant": org.applicant("zhang_san"), "none": None}[target]
    _refused("cases.bad_delegate", task_delegate, task=ff.pending(case), to_user=to_user, actor=w.handler)


def test_a_delegate_cannot_pass_the_task_on(w, colleague):
    case = w.case()
    child = task_delegate(task=ff.pending(case), to_user=colleague, actor=w.handler)
    _refused("cases.not_seat_task", task_transfer, task=child, to_user=w.clerk, reason="转", actor=colleague)


# --- add and remove signers (加签 / 减签) -----------------------------------------------------------


def test_add_signers_before(w, colleague):
    case = w.case()
    adder = ff.pending(case)
    (added,) = task_add_signers(task=adder, users=[colleague], position="before", actor=w.handler)
    adder.refresh_from_db()
    assert (adder.state, added.state, added.relation, added.assignee) == (
        "waiting", "pending", "add_before", colleague,
    )  # fmt: skip
    _refused("cases.task_not_pending", task_complete, task=adder, opinion="approve", actor=w.handler)
    task_complete(task=added, opinion="approve", actor=colleague)
    adder.refresh_from_db()
    assert adder.state == "pending" and ff.active(case).name == "承办"
    task_complete(task=adder, opinion="approve", actor=w.handler)
    assert ff.active(case).name == "批准"
    assert _event(case, "step_add_signers").task == adder


def test_add_signers_after(w, colleague):
    case = w.case()
    adder = ff.pending(case)
    other = org.department()
    added = task_add_signers(
        task=adder, users=[colleague], departments=[other], position="after", actor=w.handler
    )
    assert [(t.state, t.relation, t.department) for t in added] == [
        ("waiting", "add_after", w.department), ("waiting", "add_after", other),
    ]  # fmt: skip
    task_complete(task=adder, opinion="approve", actor=w.handler)
    assert [StepTask.objects.get(pk=t.pk).state for t in added] == ["pending", "pending"]
    assert ff.active(case).name == "承办"  # the added signers are in the same step
    task_complete(task=added[0], opinion="approve", actor=colleague)
    task_complete(task=added[1], opinion="approve", actor=ff.approver(other))
    assert ff.active(case).name == "批准"


def test_a_signer_added_after_can_reject_the_seat(w, colleague):
    case = w.case()
    adder = ff.pending(case)
    (added,) = task_add_signers(task=adder, users=[colleague], position="after", actor=w.handler)
    task_complete(task=adder, opinion="approve", actor=w.handler)
    task_complete(task=StepTask.objects.get(pk=added.pk), opinion="reject", actor=colleague)
    assert ff.fresh(case).decision == "reject"


@pytest.mark.parametrize("bad", ["position", "nobody", "duplicate", "self", "applicant"])
def test_add_signers_bad_input(w, colleague, bad):
    case = w.case()
    kwargs = {
        "position": ({"users": [colleague], "position": "middle"}, "cases.bad_position"),
        "nobody": ({"position": "before"}, "cases.signers_required"),
        "duplicate": ({"users": [colleague, colleague], "position": "after"}, "cases.bad_signer"),
        "self": ({"users": [w.handler], "position": "after"}, "cases.bad_signer"),
        "applicant": ({"users": [org.applicant("zhang_san")], "position": "after"}, "cases.bad_signer"),
    }
    data, code = kwargs[bad]
    _refused(code, task_add_signers, task=ff.pending(case), actor=w.handler, **data)


def test_an_added_signer_cannot_add_more(w, colleague):
    case = w.case()
    (added,) = task_add_signers(task=ff.pending(case), users=[colleague], position="before", actor=w.handler)
    _refused("cases.not_seat_task", task_add_signers, task=added, users=[w.clerk], position="before",
             actor=colleague)  # fmt: skip


def test_the_adder_removes_an_added_signer(w, colleague):
    case = w.case()
    adder = ff.pending(case)
    (added,) = task_add_signers(task=adder, users=[colleague], position="before", actor=w.handler)
    removed = task_remove_signer(task=added, reason="无需会商", actor=w.handler)
    assert (removed.state, removed.result, removed.comment) == (
        "cancelled",
        {"removed": "无需会商"},
        "无需会商",
    )
    adder.refresh_from_db()
    assert adder.state == "pending"
    assert _event(case, "step_remove_signer").note == "无需会商"


def test_removing_a_department_lets_the_round_pass():
    w = ff.world(mode="all")
    case = w.case()
    task_complete(task=ff.pending(case), opinion="approve", actor=w.handler)
    for i in (0, 1):
        task_complete(task=ff.pending(case, w.departments[i]), opinion="approve", actor=w.signers[i])
    task_remove_signer(task=ff.pending(case, w.departments[2]), reason="不涉及消防", actor=w.chief)
    assert ff.active(case).name == "批准"


def test_removing_the_current_department_of_a_sequence_opens_the_next():
    w = ff.world(mode="sequential")
    case = w.case()
    task_complete(task=ff.pending(case), opinion="approve", actor=w.handler)
    task_remove_signer(task=ff.pending(case, w.departments[0]), reason="不涉及", actor=w.chief)
    assert ff.pending(case).department == w.departments[1]


def test_the_last_signer_cannot_be_removed(w):
    case = w.case()
    _refused("cases.last_signer", task_remove_signer, task=ff.pending(case), reason="减", actor=w.chief)


def test_remove_signer_needs_the_adder_or_the_chief(w, colleague):
    case = w.case()
    (added,) = task_add_signers(task=ff.pending(case), users=[colleague], position="before", actor=w.handler)
    _refused("cases.not_your_task", task_remove_signer, task=added, reason="减", actor=colleague)
    _refused("cases.reason_required", task_remove_signer, task=added, reason="", actor=w.handler)


# --- copy (抄送), urge (催办) ----------------------------------------------------------------------


def test_copy_with_read_receipt(w, colleague):
    case = w.case()
    copies = case_copy(case=case, to_users=[colleague, w.chief], note="请知悉", actor=w.handler)
    assert [(c.to_user, c.read_at, c.step) for c in copies] == [
        (colleague, None, ff.active(case)), (w.chief, None, ff.active(case)),
    ]  # fmt: skip
    assert list(copies_for(user=colleague, unread_only=True)) == [copies[0]]
    again = case_copy(case=case, to_users=[colleague], actor=w.handler)  # once per person and round
    assert again == [copies[0]] and CaseCopy.objects.filter(case=case).count() == 2
    read = copy_read(copy=copies[0], actor=colleague)
    assert read.read_at is not None and list(copies_for(user=colleague, unread_only=True)) == []
    assert _event(case, "step_copy_read").actor == colleague
    copy_read(copy=copies[0], actor=colleague)
    assert CaseEvent.objects.filter(case=case, action="step_copy_read").count() == 1
    assert CaseEvent.objects.filter(case=case, action="step_copy").count() == 1


def test_copy_read_only_by_the_recipient(w, colleague):
    case = w.case()
    (copy,) = case_copy(case=case, to_users=[colleague], actor=w.handler)
    _refused("cases.not_your_copy", copy_read, copy=copy, actor=w.chief)


@pytest.mark.parametrize("bad", ["nobody", "applicant", "long_note"])
def test_copy_bad_input(w, bad):
    case = w.case()
    data = {
        "nobody": {"to_users": []},
        "applicant": {"to_users": [org.applicant("zhang_san")]},
        "long_note": {"to_users": [w.chief], "note": "长" * 201},
    }[bad]
    _refused("cases.copy_recipients", case_copy, case=case, actor=w.handler, **data)


def test_copy_only_by_whoever_works_the_step(w, colleague):
    case = _at_chief(w)
    _refused("cases.not_your_task", case_copy, case=case, to_users=[colleague], actor=w.handler)


def test_urge_sends_an_sms_up_to_the_limit(w, colleague, settings):
    settings.GOVHALL_URGE_LIMIT = 2
    case = w.case()
    task = ff.pending(case)
    task_urge(task=task, note="今日办结", actor=w.clerk)
    sms = OutboxMessage.objects.filter(topic="case_urge")
    mobiles = sorted(m.payload["mobile"] for m in sms)
    assert mobiles == sorted([user_mobile(w.handler), user_mobile(colleague)])  # the unclaimed pool
    assert case.number in sms[0].payload["text"] and "今日办结" in sms[0].payload["text"]
    task_open(task=task, actor=w.handler)
    urged = task_urge(task=task, actor=w.clerk)
    assert urged.urge_count == 2
    assert [m.payload["mobile"] for m in sms.order_by("-id")[:1]] == [
        user_mobile(w.handler)
    ]  # now its holder
    assert _event(case, "step_urge").task == task
    err = _refused("cases.urge_limit", task_urge, task=task, actor=w.clerk)
    assert "2" in err.message


def test_urge_by_staff_only(w):
    case = w.case()
    _refused("org.forbidden", task_urge, task=ff.pending(case), actor=org.applicant("zhang_san"))


def test_the_default_urge_limit_is_three(w):
    case = w.case()
    task = ff.pending(case)
    for _ in range(3):
        task_urge(task=task, actor=w.clerk)
    _refused("cases.urge_limit", task_urge, task=task, actor=w.clerk)


# --- inspection (现场踏勘) -------------------------------------------------------------------------


def test_inspection_with_findings_and_photos(w):
    case = w.case()
    inspection = inspection_add(case=case, inspector=w.inspector, note="核实场所面积", actor=w.handler)
    assert (inspection.kind, inspection.assignee, inspection.state, inspection.comment) == (
        "inspect", w.inspector, "pending", "核实场所面积",
    )  # fmt: skip
    assert inspection in tasks_for(user=w.inspector)
    photos = [ff.photo(case, w.inspector, task=inspection), ff.photo(case, w.inspector)]
    done = inspection_report(
        task=inspection, findings="面积120平方米，符合要求", photos=photos, actor=w.inspector
    )
    assert done.state == "done" and done.result["photos"] == sorted(p.pk for p in photos)
    assert set(CaseFile.objects.filter(task=inspection).values_list("pk", flat=True)) == {
        p.pk for p in photos
    }
    assert _event(case, "step_inspection_report").note == "面积120平方米，符合要求"
    assert ff.active(case).name == "承办"  # the handler has not signed yet


@pytest.mark.parametrize("who", ["approver", "applicant", "none"])
def test_inspection_needs_an_inspector(w, colleague, who):
    case = w.case()
    inspector = {"approver": colleague, "applicant": org.applicant("zhang_san"), "none": None}[who]
    _refused("cases.bad_inspector", inspection_add, case=case, inspector=inspector, actor=w.handler)


def test_inspection_added_only_by_whoever_works_the_step(w):
    case = _at_chief(w)
    _refused("cases.not_your_task", inspection_add, case=case, inspector=w.inspector, actor=w.handler)
    assert inspection_add(case=case, inspector=w.inspector, actor=w.chief).kind == "inspect"


def test_inspection_report_bad_input(w, colleague):
    case = w.case()
    inspection = inspection_add(case=case, inspector=w.inspector, actor=w.handler)
    _refused("cases.findings_required", inspection_report, task=inspection, findings=" ", actor=w.inspector)
    _refused("cases.not_your_task", inspection_report, task=inspection, findings="好", actor=colleague)
    other = ff.photo(w.case(), w.inspector)
    _refused("cases.bad_photo", inspection_report, task=inspection, findings="好", photos=[other],
             actor=w.inspector)  # fmt: skip
    _refused(
        "cases.bad_photo", inspection_report, task=inspection, findings="好", photos=["x"], actor=w.inspector
    )
    _refused("cases.not_inspection", inspection_report, task=ff.pending(case), findings="好", actor=w.handler)


def test_the_chief_cancels_an_open_inspection_and_the_round_may_pass(w):
    case = w.case()
    inspection = inspection_add(case=case, inspector=w.inspector, actor=w.handler)
    task_complete(task=ff.pending(case), opinion="approve", actor=w.handler)
    assert ff.active(case).name == "承办"  # held by the inspection
    _refused("cases.not_your_task", task_remove_signer, task=inspection, reason="无需踏勘", actor=w.handler)
    task_remove_signer(task=inspection, reason="无需踏勘", actor=w.chief)
    assert ff.active(case).name == "批准"


def test_signers_added_after_follow_a_transfer(w, colleague):
    case = w.case()
    adder = ff.pending(case)
    other = ff.approver(org.department(), "郑外局")
    (added,) = task_add_signers(task=adder, users=[other], position="after", actor=w.handler)
    new = task_transfer(task=adder, to_user=colleague, reason="休假", actor=w.handler)
    assert StepTask.objects.get(pk=added.pk).parent_id == new.pk
    task_complete(task=new, opinion="approve", actor=colleague)
    assert StepTask.objects.get(pk=added.pk).state == "pending"
    task_complete(task=added, opinion="approve", actor=other)
    assert ff.active(case).name == "批准"
