"""Races in processing on PostgreSQL: the case row lock decides, never luck (real threads)."""

import threading

import pytest
from django.db import connections

from govhall.cases.models import CaseEvent, CaseStep, StepTask
from govhall.cases.processing import task_complete
from govhall.core.errors import Conflict
from tests.cases import flow_factories as ff

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(calls) -> tuple[list, list]:
    """Run each call in its own thread, all released at once; (results, errors)."""
    barrier = threading.Barrier(len(calls))
    results: list = []
    errors: list = []

    def run(call):
        try:
            barrier.wait()
            results.append(call())
        except Exception as error:  # noqa: BLE001 - the assertions look at every error
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def test_two_signers_of_an_any_of_step_approve_at_once(postgres_only):
    w = ff.world(mode="any", chief=False, handle=False)  # 受理 → 会签 (any of three): it decides
    case = w.case()
    step = ff.active(case)
    tasks = [ff.pending(case, d) for d in w.departments]
    calls = [lambda i=i: task_complete(task=tasks[i], opinion="approve", actor=w.signers[i]) for i in (0, 1)]
    results, errors = _race(calls)
    assert len(results) == 1 and len(errors) == 1
    assert isinstance(errors[0], Conflict) and errors[0].code == "cases.step_not_active"
    step.refresh_from_db()
    assert (step.state, step.outcome) == ("passed", "approve")
    assert StepTask.objects.filter(step=step, state="done").count() == 1
    assert ff.fresh(case).decision == "approve"
    assert CaseEvent.objects.filter(case=case, action="decide").count() == 1


def test_two_people_complete_the_same_task_at_once(postgres_only):
    w = ff.world()
    case = w.case()
    task = ff.pending(case)  # 承办: any approver of the department may take it
    colleague = ff.approver(w.department, "周同事")
    calls = [
        lambda: task_complete(task=task, opinion="approve", actor=w.handler),
        lambda: task_complete(task=task, opinion="reject", actor=colleague),
    ]
    results, errors = _race(calls)
    assert len(results) == 1 and len(errors) == 1 and isinstance(errors[0], Conflict)
    task.refresh_from_db()
    assert task.state == "done" and task.done_by == (w.handler if task.opinion == "approve" else colleague)
    assert CaseEvent.objects.filter(case=case, action="step_complete").count() == 1


def test_the_last_two_of_an_all_of_step_sign_at_once_and_it_passes_once(postgres_only):
    w = ff.world(mode="all")
    case = w.case()
    task_complete(task=ff.pending(case), opinion="approve", actor=w.handler)
    task_complete(task=ff.pending(case, w.departments[0]), opinion="approve", actor=w.signers[0])
    tasks = [ff.pending(case, d) for d in w.departments[1:]]
    calls = [
        lambda i=i: task_complete(task=tasks[i], opinion="approve", actor=w.signers[i + 1]) for i in (0, 1)
    ]
    results, errors = _race(calls)
    assert errors == [] and len(results) == 2
    assert CaseStep.objects.filter(case=case, name="会签").get().state == "passed"
    assert CaseStep.objects.filter(case=case, name="批准").count() == 1
    assert ff.active(case).name == "批准"
