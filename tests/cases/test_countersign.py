"""Countersign steps of three departments in each mode: all, any (或签), ratio, sequential."""

from decimal import Decimal

import pytest

from govhall.cases.models import CaseStep, StepTask
from govhall.cases.processing import task_complete
from govhall.cases.step_ops import inspection_add, inspection_report
from govhall.core.errors import DomainError
from tests.cases import flow_factories as ff

pytestmark = pytest.mark.django_db


def _at_countersign(mode: str, ratio=None):
    """A case whose 承办 has passed: the 会签 round of CS1..CS3 is active."""
    w = ff.world(mode=mode, ratio=ratio)
    case = w.case()
    task_complete(task=ff.pending(case), opinion="approve", actor=w.handler)
    step = ff.active(case)
    assert (step.name, step.mode) == ("会签", mode)
    return w, case, step


def _sign(w, case, index: int, opinion: str):
    return task_complete(task=ff.pending(case, w.departments[index]), opinion=opinion, actor=w.signers[index])


def _states(step) -> list[str]:
    return [t.state for t in ff.tasks(step)]


def _passed_to_chief(case, step):
    step.refresh_from_db()
    assert (step.state, step.outcome) == ("passed", "approve")
    assert ff.active(case).name == "批准" and ff.fresh(case).state == "accepted"


def _rejected(case, step):
    step.refresh_from_db()
    assert (step.state, step.outcome) == ("rejected", "reject")
    case = ff.fresh(case)
    assert (case.state, case.decision) == ("decided", "reject")


def test_one_task_per_department_each_open_to_its_approvers():
    w, case, step = _at_countersign("all")
    tasks = ff.tasks(step)
    assert [t.department for t in tasks] == w.departments  # seats in the snapshot's code order
    assert [(t.seq, t.state, t.assignee) for t in tasks] == [(0, "pending", None), (1, "pending", None),
                                                            (2, "pending", None)]  # fmt: skip
    with pytest.raises(DomainError) as err:  # CS2's approver cannot sign for CS1
        task_complete(task=tasks[0], opinion="approve", actor=w.signers[1])
    assert err.value.code == "cases.not_your_task"


def test_all_passes_when_every_department_approves():
    w, case, step = _at_countersign("all")
    _sign(w, case, 0, "approve")
    _sign(w, case, 1, "approve")
    assert ff.active(case) == step
    _sign(w, case, 2, "approve")
    _passed_to_chief(case, step)


def test_all_is_rejected_by_one_reject_and_the_rest_cancelled():
    w, case, step = _at_countersign("all")
    _sign(w, case, 0, "approve")
    _sign(w, case, 1, "reject")
    _rejected(case, step)
    assert _states(step) == ["done", "done", "cancelled"]


def test_a_signed_task_cannot_be_signed_again_while_the_round_runs():
    w, case, step = _at_countersign("all")
    task = _sign(w, case, 0, "approve")
    before = ff.counts()
    with pytest.raises(DomainError) as err:
        task_complete(task=task, opinion="reject", actor=w.signers[0])
    assert err.value.code == "cases.task_not_pending"
    assert ff.counts() == before


def test_any_passes_at_the_first_approval_and_cancels_the_others():
    w, case, step = _at_countersign("any")
    _sign(w, case, 1, "approve")
    _passed_to_chief(case, step)
    assert _states(step) == ["cancelled", "done", "cancelled"]


def test_any_waits_through_rejects_until_one_approves():
    w, case, step = _at_countersign("any")
    _sign(w, case, 0, "reject")
    _sign(w, case, 1, "reject")
    assert ff.active(case) == step
    _sign(w, case, 2, "approve")
    _passed_to_chief(case, step)


def test_any_is_rejected_when_every_department_rejects():
    w, case, step = _at_countersign("any")
    for i in range(3):
        _sign(w, case, i, "reject")
    _rejected(case, step)


def test_ratio_passes_once_the_share_is_reached():
    w, case, step = _at_countersign("ratio", Decimal("0.6"))
    assert step.pass_ratio == Decimal("0.60")
    _sign(w, case, 0, "approve")
    assert ff.active(case) == step  # 1/3 < 0.6
    _sign(w, case, 2, "approve")  # 2/3 ≥ 0.6
    _passed_to_chief(case, step)
    assert _states(step) == ["done", "cancelled", "done"]


def test_ratio_is_rejected_as_soon_as_the_share_cannot_be_reached():
    w, case, step = _at_countersign("ratio", Decimal("0.6"))
    _sign(w, case, 0, "reject")
    assert ff.active(case) == step  # 2 of 3 can still approve
    _sign(w, case, 1, "reject")  # at most 1/3 now
    _rejected(case, step)
    assert _states(step) == ["done", "done", "cancelled"]


def test_ratio_one_is_unanimity():
    w, case, step = _at_countersign("ratio", Decimal("1"))
    _sign(w, case, 0, "approve")
    _sign(w, case, 1, "reject")
    _rejected(case, step)


def test_sequential_opens_one_department_at_a_time():
    w, case, step = _at_countersign("sequential")
    assert _states(step) == ["pending", "waiting", "waiting"]
    with pytest.raises(DomainError) as err:  # CS2 waits for CS1
        task_complete(task=ff.tasks(step)[1], opinion="approve", actor=w.signers[1])
    assert err.value.code == "cases.task_not_pending"
    _sign(w, case, 0, "approve")
    assert _states(step) == ["done", "pending", "waiting"]
    _sign(w, case, 1, "approve")
    assert _states(step) == ["done", "done", "pending"]
    _sign(w, case, 2, "approve")
    _passed_to_chief(case, step)


def test_sequential_stops_at_a_reject():
    w, case, step = _at_countersign("sequential")
    _sign(w, case, 0, "approve")
    _sign(w, case, 1, "reject")
    _rejected(case, step)
    assert _states(step) == ["done", "done", "cancelled"]


def test_an_open_inspection_holds_a_passing_step_until_its_report():
    w, case, step = _at_countersign("any")
    inspection = inspection_add(case=case, inspector=w.inspector, note="核实经营场所", actor=w.signers[0])
    _sign(w, case, 0, "approve")
    assert ff.active(case) == step  # would pass, but the inspection is open
    assert _states(step) == ["done", "pending", "pending", "pending"]
    inspection_report(task=inspection, findings="场所与申报一致", actor=w.inspector)
    _passed_to_chief(case, step)
    assert StepTask.objects.get(pk=inspection.pk).result == {"findings": "场所与申报一致", "photos": []}


def test_an_open_inspection_does_not_hold_a_rejection():
    w, case, step = _at_countersign("all")
    inspection = inspection_add(case=case, inspector=w.inspector, actor=w.signers[0])
    _sign(w, case, 0, "reject")
    _rejected(case, step)
    assert StepTask.objects.get(pk=inspection.pk).state == "cancelled"


def test_countersign_rounds_follow_the_case_flow_order():
    w, case, step = _at_countersign("all")
    assert [s.flow_order for s in CaseStep.objects.filter(case=case).order_by("round")] == [2, 3]
