"""The processing engine: rounds from the case's flow, signing, deciding, chief steps, step clocks."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from govhall.cases import clocks, processing
from govhall.cases.models import CaseEvent, CaseStep, SealUse, StepTask
from govhall.cases.processing import STEP_ACTIONS, steps_cancel, task_complete, task_open
from govhall.cases.selectors import case_steps, tasks_for
from govhall.cases.services import case_request_supplement, case_supplement_received
from govhall.cases.step_ops import step_return
from govhall.catalog.services import item_update
from govhall.core import workdays
from govhall.core.errors import DomainError
from govhall.core.models import AuditEvent
from govhall.org.models import Role, Staff
from tests.cases import flow_factories as ff
from tests.org import factories as org

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def w():
    return ff.world()


def _audited(case, action) -> AuditEvent:
    return AuditEvent.objects.filter(action=f"cases.{action}", object_id=str(case.pk)).latest("id")


def test_acceptance_opens_round_one_of_the_first_processing_step(w):
    case = w.case()
    step = ff.active(case)
    assert (step.round, step.flow_order, step.name, step.role) == (1, 2, "承办", "approver")
    assert step.department == w.department and step.limit == Decimal("1")
    clock = clocks.step_clock(case, step)
    assert (step.due_at, step.warn_at) == (clock.due_at, clock.warn_at)
    assert step.started_at == case.accepted_at
    (task,) = ff.tasks(step)
    assert (task.state, task.assignee, task.department, task.kind) == ("pending", None, w.department, "sign")
    assert CaseEvent.objects.filter(case=case, action="step_start", step=step).count() == 1


def test_a_flow_without_processing_steps_is_decided_at_acceptance():
    w = ff.world(chief=False, handle=False)
    case = w.case()
    assert (case.state, case.decision, case.report_status) == ("decided", "approve", 8)
    assert case.decided_at == case.accepted_at
    assert case.delivery_due_at == workdays.due_instant(case.decided_at, 10, "workday")  # Art. 44
    assert not CaseStep.objects.filter(case=case).exists()


def test_handle_then_chief_approves_decides_approve_and_records_the_seal(w):
    case = w.case()
    done = task_complete(task=ff.pending(case), opinion="approve", comment="材料齐全", actor=w.handler)
    assert (done.state, done.opinion, done.done_by, done.comment) == (
        "done",
        "approve",
        w.handler,
        "材料齐全",
    )
    first = CaseStep.objects.get(pk=done.step_id)
    assert (first.state, first.outcome) == ("passed", "approve")
    step = ff.active(case)
    assert (step.round, step.name, step.role) == (2, "批准", "chief")
    assert ff.fresh(case).state == "accepted"
    task_complete(task=ff.pending(case), opinion="approve", actor=w.chief)
    case = ff.fresh(case)
    assert (case.state, case.decision, case.report_status) == ("decided", "approve", 8)
    assert case.delivery_due_at == workdays.due_instant(case.decided_at, 10, "workday")
    seal = SealUse.objects.get(case=case)
    assert (seal.document, seal.staff.user, seal.department) == ("准予行政许可决定书", w.chief, w.department)
    decide = CaseEvent.objects.get(case=case, action="decide")
    assert (decide.from_state, decide.to_state, decide.actor, decide.step_id) == (
        "accepted",
        "decided",
        w.chief,
        step.pk,
    )
    assert _audited(case, "step_complete").detail["opinion"] == "approve"
    assert AuditEvent.objects.filter(action="cases.decide", object_id=str(case.pk)).count() == 1


def test_a_reject_at_a_non_final_step_decides_reject(w):
    case = w.case()
    task_complete(task=ff.pending(case), opinion="reject", comment="不符合条件", actor=w.handler)
    case = ff.fresh(case)
    assert (case.state, case.decision, case.delivery_due_at) == ("decided", "reject", None)
    assert CaseStep.objects.get(case=case).state == "rejected"
    assert not SealUse.objects.filter(case=case).exists()  # no chief signed: sealed at conclusion


def test_the_chief_rejecting_seals_the_refusal_decision(w):
    case = w.case()
    task_complete(task=ff.pending(case), opinion="approve", actor=w.handler)
    task_complete(task=ff.pending(case), opinion="reject", comment="选址不符", actor=w.chief)
    assert ff.fresh(case).decision == "reject"
    assert SealUse.objects.get(case=case).document == "不予行政许可决定书"


def test_the_chief_with_an_expired_delegation_cannot_decide(w):
    case = w.case()
    task_complete(task=ff.pending(case), opinion="approve", actor=w.handler)
    task = ff.pending(case)
    before = ff.counts()
    with time_machine.travel(dt.datetime.now(TZ) + dt.timedelta(days=400)):
        with pytest.raises(DomainError) as err:
            task_complete(task=task, opinion="approve", actor=w.chief)
    assert err.value.code == "cases.delegation_missing" and "授权" in err.value.message
    assert ff.counts() == before
    assert StepTask.objects.get(pk=task.pk).state == "pending" and ff.fresh(case).state == "accepted"


def test_a_chief_with_decide_but_not_seal_power_decides_and_the_department_seals():
    w = ff.world(delegation=False)
    today = dt.date.today()
    org.delegation(Staff.objects.get(user=w.chief), valid_from=today, valid_to=today + dt.timedelta(days=30),
                   powers=("decide",))  # fmt: skip
    case = w.case()
    task_complete(task=ff.pending(case), opinion="approve", actor=w.handler)
    task_complete(task=ff.pending(case), opinion="approve", actor=w.chief)
    case = ff.fresh(case)
    assert (case.state, case.decision) == ("decided", "approve")
    assert not SealUse.objects.filter(case=case).exists()
    note = CaseEvent.objects.get(case=case, action="step_seal_at_department").note
    assert "回部门加盖印章" in note


def test_a_chief_without_any_delegation_cannot_decide():
    w = ff.world(delegation=False)
    case = w.case()
    task_complete(task=ff.pending(case), opinion="approve", actor=w.handler)
    before = ff.counts()
    with pytest.raises(DomainError) as err:
        task_complete(task=ff.pending(case), opinion="approve", actor=w.chief)
    assert err.value.code == "cases.delegation_missing"
    assert ff.counts() == before


@pytest.mark.parametrize("opinion", ["", "maybe", None])
def test_a_bad_opinion_changes_nothing(w, opinion):
    case = w.case()
    before = ff.counts()
    with pytest.raises(DomainError) as err:
        task_complete(task=ff.pending(case), opinion=opinion, actor=w.handler)
    assert err.value.code == "cases.bad_opinion" and "意见" in err.value.message
    assert ff.counts() == before


def test_a_countersign_department_gone_from_the_register_is_named_and_nothing_changes():
    """The flow names departments by code; one that no longer resolves stops the step from
    starting with a clear message (the signature that would start it changes nothing)."""
    w = ff.world(mode="all")
    case = w.case()
    w.departments[1].code = "CS2-OLD"
    w.departments[1].save(update_fields=["code"])
    before = ff.counts()
    with pytest.raises(DomainError) as err:
        task_complete(task=ff.pending(case), opinion="approve", actor=w.handler)
    assert err.value.code == "cases.flow_department_missing" and "CS2" in err.value.message
    assert ff.counts() == before and ff.pending(case).state == "pending"


@pytest.mark.parametrize("who", ["other_department", "clerk", "chief", "applicant"])
def test_someone_else_cannot_complete_the_task(w, who):
    case = w.case()
    actor = {
        "other_department": ff.approver(org.department()),
        "clerk": w.clerk,
        "chief": w.chief,
        "applicant": org.applicant("zhang_san"),
    }[who]
    before = ff.counts()
    with pytest.raises(DomainError) as err:
        task_complete(task=ff.pending(case), opinion="approve", actor=actor)
    assert err.value.code == "cases.not_your_task"
    assert ff.counts() == before


def test_a_done_task_cannot_be_completed_again(w):
    case = w.case()
    task = ff.pending(case)
    task_complete(task=task, opinion="approve", actor=w.handler)
    before = ff.counts()
    with pytest.raises(DomainError) as err:
        task_complete(task=task, opinion="reject", actor=w.handler)
    assert err.value.code == "cases.step_not_active"  # its round has passed
    assert ff.counts() == before


def test_no_step_operation_while_the_case_is_in_supplement(w):
    case = w.case()
    case_request_supplement(case=case, materials=["营业执照复印件"], actor=w.clerk)
    before = ff.counts()
    with pytest.raises(DomainError) as err:
        task_complete(task=ff.pending(case), opinion="approve", actor=w.handler)
    assert err.value.code == "cases.step_not_active" and err.value.http_status == 409
    assert ff.counts() == before


def test_opening_claims_a_department_task_and_my_tasks_follow(w):
    case = w.case()
    colleague = ff.approver(w.department, "周同事")
    task = ff.pending(case)
    assert list(tasks_for(user=w.handler)) == [task]
    assert list(tasks_for(user=colleague)) == [task]
    assert list(tasks_for(user=w.chief)) == [] and list(tasks_for(user=w.clerk)) == []
    opened = task_open(task=task, actor=w.handler)
    assert opened.assignee == w.handler and opened.opened_at is not None
    assert list(tasks_for(user=colleague)) == []
    assert CaseEvent.objects.filter(case=case, action="step_open", task=task).count() == 1
    task_open(task=task, actor=w.handler)  # opening again records nothing
    assert CaseEvent.objects.filter(case=case, action="step_open").count() == 1
    with pytest.raises(DomainError) as err:
        task_open(task=task, actor=colleague)
    assert err.value.code == "cases.not_your_task"


def test_my_tasks_are_ordered_by_time_left(w):
    first, second = w.case(), w.case()
    CaseStep.objects.filter(pk=ff.active(first).pk).update(
        due_at=ff.active(second).due_at + dt.timedelta(hours=1)
    )
    assert [t.case_id for t in tasks_for(user=w.handler)] == [second.pk, first.pk]


def test_a_case_keeps_its_flow_after_the_item_changes(w):
    case = w.case()
    new_flow = ff.flow(chief=False)  # 受理 → 承办 only: 承办 would now decide
    w.item = item_update(item=w.item, changes={"flow": new_flow}, actor=None, note="简化流程")
    task_complete(task=ff.pending(case), opinion="approve", actor=w.handler)
    assert ff.fresh(case).state == "accepted" and ff.active(case).name == "批准"  # the old version's step
    newer = w.case()
    assert newer.item_version.version == 2
    task_complete(task=ff.pending(newer), opinion="approve", actor=w.handler)
    assert ff.fresh(newer).state == "decided"


def test_step_clocks_pause_with_a_supplement_after_acceptance(w):
    monday = dt.datetime(2026, 11, 16, 9, tzinfo=TZ)
    with time_machine.travel(monday, tick=False):
        case = w.case()
    step = ff.active(case)
    assert step.due_at == workdays.due_instant(monday, 1, "workday")
    with time_machine.travel(monday + dt.timedelta(hours=2), tick=False):
        case_request_supplement(case=case, materials=["营业执照复印件"], actor=w.clerk)
    with time_machine.travel(monday + dt.timedelta(days=2, hours=2), tick=False):  # Wednesday 11:00
        case_supplement_received(case=case, actor=w.clerk)
    step.refresh_from_db()
    # The limit counts from Tuesday 0:00 (the start day is not counted), so the pause moves the
    # deadline by its working time after that: Tue 0:00 → Wed 11:00, from Wed 0:00 to Thu 11:00.
    assert step.due_at == dt.datetime(2026, 11, 19, 11, tzinfo=TZ)
    assert step.due_at == clocks.step_clock(ff.fresh(case), step).due_at
    with time_machine.travel(monday + dt.timedelta(days=2, hours=3), tick=False):
        task_complete(task=ff.pending(case), opinion="approve", actor=w.handler)
    nxt = ff.active(case)
    assert nxt.due_at == workdays.due_instant(nxt.started_at, 1, "workday")  # the pause was before it


def test_steps_cancel_closes_the_active_round(w):
    case = w.case()
    with transaction.atomic():
        assert steps_cancel(case=case, at=case.accepted_at) == 1
    step = CaseStep.objects.get(case=case)
    assert step.state == "cancelled" and ff.tasks(step)[0].state == "cancelled"


def test_step_actions_name_every_operation():
    assert set(STEP_ACTIONS) == {
        "complete", "return", "withdraw_step", "transfer", "delegate", "add_signers", "remove_signer",
        "urge", "copy", "inspection_add", "inspection_report",
    }  # fmt: skip
    assert STEP_ACTIONS["complete"] is task_complete and processing.step_return is step_return
    assert processing.STEP_ACTIONS is STEP_ACTIONS


def test_case_steps_lists_every_round_with_its_tasks(w, django_assert_num_queries):
    case = w.case()
    task_complete(task=ff.pending(case), opinion="approve", actor=w.handler)
    with django_assert_num_queries(2):
        rounds = case_steps(case=case)
        assert [[t.state for t in s.tasks.all()] for s in rounds] == [["done"], ["pending"]]


def _complete_queries(case, actor) -> int:
    with CaptureQueriesContext(connection) as ctx:
        task_complete(task=ff.pending(case), opinion="approve", actor=actor)
    return len(ctx.captured_queries)


def test_the_cost_of_an_action_stays_flat_as_history_grows(w):
    """Ten returns later, passing a step costs the same number of queries as the first time."""
    case = w.case()
    first = _complete_queries(case, w.handler)  # 承办 passes, 批准 opens
    for _ in range(10):
        step_return(task=ff.pending(case), to_flow_order=2, reason="补充审查意见", actor=w.chief)
        later = _complete_queries(case, w.handler)
    assert ff.active(case).round == 22
    assert later == first
    assert CaseStep.objects.filter(case=case).count() == 22
    assert Role.CHIEF == ff.active(case).role
