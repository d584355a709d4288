"""Anomalies: every builtin rule fires on a case built to break it and not on a clean one; a
configured event rule and a configured rate rule fire without code; evidence resolves; re-runs
raise nothing twice; a supervisor confirms or dismisses (with a reason)."""

import datetime as dt
import threading

import pytest
from django.db import connections
from django.utils import timezone

from govhall.cases import clocks, decisions, moves, services
from govhall.cases.models import Case, CaseEvent, CaseStep, SpecialProcedure
from govhall.cases.processing import task_complete
from govhall.cases.states import StepState
from govhall.catalog.services import item_create
from govhall.core import audit
from govhall.core.errors import Conflict, PermissionDenied, ValidationFailed
from govhall.core.models import AuditEvent
from govhall.org.models import Role
from govhall.supervision import anomalies as rules
from govhall.supervision import sweep, sweep_anomalies
from govhall.supervision.anomalies import (
    anomaly_confirm,
    anomaly_dismiss,
    anomaly_evidence,
    anomaly_rule_create,
)
from govhall.supervision.models import Anomaly, AnomalyRule, AnomalyScan
from tests.cases import factories as f
from tests.catalog import factories as cat
from tests.org import factories as org
from tests.supervision import factories as sf
from tests.supervision.factories import at

pytestmark = pytest.mark.django_db
FUTURE = dt.date(2099, 12, 31)
MINUTE = dt.timedelta(minutes=1)


def found(case, code: str) -> list[Anomaly]:
    return list(Anomaly.objects.filter(case=case, rule__code=code).order_by("id"))


def codes(case) -> list[str]:
    return sorted(Anomaly.objects.filter(case=case).values_list("rule__code", flat=True))


def submit(w, when, **extra):
    with sf.time_machine.travel(when, tick=False):
        return services.case_submit(**f.submit_kwargs(w.item, w.clerk, **extra))


def act(when, fn, **kwargs):
    with sf.time_machine.travel(when, tick=False):
        return fn(**kwargs)


def conclude_void(w, case, when):
    """Results 2–6 conclude an accepted case directly (states.TRANSITIONS)."""
    return act(
        when, decisions.case_conclude, case=case, result_code=2, reason="申请人重复申报", actor=w.approver
    )


def snapshot() -> dict[str, int]:
    return {"anomalies": Anomaly.objects.count(), "rules": AnomalyRule.objects.count(),
            "audit": AuditEvent.objects.filter(success=True).count()}  # fmt: skip


# --- the rules as data --------------------------------------------------------------------------------


def test_every_anomaly_rules_md_lists_is_a_builtin_rule_seeded_by_migration():
    builtin = AnomalyRule.objects.filter(kind="builtin")
    assert (
        set(builtin.values_list("code", flat=True))
        == set(rules.BUILTIN_CODES)
        == set(sweep_anomalies.BUILTIN)
    )
    assert len(rules.BUILTIN_CODES) == 9
    assert all(r.enabled and r.name and r.description for r in builtin)
    fee = builtin.get(code=rules.FEE_OFF_SCHEDULE)
    assert "尚未上线" in fee.description and "暂不产生异常" in fee.description
    assert rules.rules_seed() == 0  # idempotent


# --- overdue and step overdue ---------------------------------------------------------------------


def test_an_overdue_case_raises_one_anomaly_with_its_evidence_and_a_case_in_time_none(w):
    late = w.accept(at(9, 23, 10))
    on_time = w.accept(at(10, 8, 10))
    due = Case.objects.get(pk=late.pk).promised_due_at
    first = sf.sweep_at(due - 10 * MINUTE)
    assert first.phases["anomalies"]["full"] == 1 and found(late, rules.OVERDUE) == []
    report = sf.sweep_at(due + MINUTE)  # incremental: the deadline fell in (last run, now]
    assert report.phases["anomalies"]["full"] == 0
    (anomaly,) = found(late, rules.OVERDUE)
    assert (anomaly.department, anomaly.severity, anomaly.state, anomaly.key) == (
        w.department,
        "high",
        "open",
        0,
    )
    assert late.number in anomaly.summary and "超过承诺时限" in anomaly.summary
    evidence = anomaly_evidence(anomaly)
    assert [e.action for e in evidence["case_events"]] == ["accept"]
    assert [(a.action, a.object_id) for a in evidence["audit_events"]] == [("cases.accept", str(late.pk))]
    assert found(on_time, rules.OVERDUE) == []
    sf.sweep_at(due + 2 * MINUTE)
    sf.sweep_at(due + dt.timedelta(hours=2))  # a full run again: still one
    assert len(found(late, rules.OVERDUE)) == 1


def test_a_case_concluded_after_its_deadline_is_overdue_too(w):
    case = w.accept(at(9, 23, 10))
    due = Case.objects.get(pk=case.pk).promised_due_at
    conclude_void(w, case, due + dt.timedelta(hours=3))  # no sweep saw it open and overdue
    sf.sweep_at(due + dt.timedelta(hours=4))
    (anomaly,) = found(case, rules.OVERDUE)
    assert [e.action for e in anomaly_evidence(anomaly)["case_events"]] == ["accept", "conclude"]


def test_an_overdue_step_raises_one_anomaly_per_step(w):
    case = w.accept(at(9, 23, 10))
    step = sf.step_of(case)
    sf.sweep_at(step.due_at - MINUTE)
    assert found(case, rules.STEP_OVERDUE) == []
    sf.sweep_at(step.due_at + MINUTE)
    (anomaly,) = found(case, rules.STEP_OVERDUE)
    assert (anomaly.key, anomaly.department) == (step.pk, w.department)
    assert "审核" in anomaly.summary
    assert [e.action for e in anomaly_evidence(anomaly)["case_events"]] == ["step_start"]
    sf.sweep_at(step.due_at + dt.timedelta(hours=3))
    assert len(found(case, rules.STEP_OVERDUE)) == 1


def test_a_step_done_in_time_raises_nothing(w):
    case = w.accept(at(9, 23, 10))
    step = sf.step_of(case)
    act(at(9, 24, 9), task_complete, task=step.tasks.get(), opinion="approve", actor=w.approver)
    sf.sweep_at(step.due_at + MINUTE)
    # 批准 (1 working day from 24 Sep) is late by then, 审核 was done in time.
    assert [a.key for a in found(case, rules.STEP_OVERDUE)] == [sf.step_of(case).pk]


# --- refused without reason ----------------------------------------------------------------------------


def test_a_refusal_whose_reason_is_blank_raises_an_anomaly_and_a_reasoned_one_none(w):
    blank = act(
        at(9, 23, 10), services.case_refuse, case=submit(w, at(9, 23, 9)), reason="材料不全", actor=w.clerk
    )
    fine = act(at(9, 23, 10), services.case_refuse, case=submit(w, at(9, 23, 9)), reason="不属于本机关职权范围",
               actor=w.clerk)  # fmt: skip
    # The service refuses a refusal without a reason; a bypass (a script, an import) blanks it.
    CaseEvent.objects.filter(case=blank, action="refuse").update(note="  ")
    sf.sweep_at(at(9, 23, 11))
    (anomaly,) = found(blank, rules.REFUSED_NO_REASON)
    assert [e.action for e in anomaly_evidence(anomaly)["case_events"]] == ["refuse"]
    assert [a.action for a in anomaly_evidence(anomaly)["audit_events"]] == ["cases.refuse"]
    assert found(fine, rules.REFUSED_NO_REASON) == []


def test_a_conclusion_not_permitted_without_a_reason_raises_an_anomaly(w):
    case = w.accept(at(9, 23, 10))
    conclude_void(w, case, at(9, 24, 10))
    Case.objects.filter(pk=case.pk).update(result_reason="")
    sf.sweep_at(at(9, 24, 11))
    assert len(found(case, rules.REFUSED_NO_REASON)) == 1


# --- accepted late (行政许可法 Art. 32) -------------------------------------------------------------------


def test_acceptance_after_five_working_days_raises_an_anomaly_and_within_them_none(w):
    late = submit(w, at(9, 14, 10))
    deadline = clocks.acceptance_deadline(at(9, 14, 10))  # 24:00 of 21 Sep (the 5th working day)
    act(deadline + dt.timedelta(hours=9), services.case_accept, case=late, actor=w.clerk)
    fine = submit(w, at(9, 14, 10))
    act(deadline - dt.timedelta(hours=9), services.case_accept, case=fine, actor=w.clerk)
    sf.sweep_at(deadline + dt.timedelta(hours=10))
    (anomaly,) = found(late, rules.ACCEPTED_LATE)
    assert "超过5个工作日才受理" in anomaly.summary
    assert [e.action for e in anomaly_evidence(anomaly)["case_events"]] == ["submit", "accept"]
    assert found(fine, rules.ACCEPTED_LATE) == []


def test_a_deemed_acceptance_is_an_anomaly(w):
    case = submit(w, at(9, 14, 10))
    report = sf.sweep_at(clocks.acceptance_deadline(at(9, 14, 10)) + MINUTE)
    assert report.phases["deem_accept"] == {"accepted": 1}  # the same sweep, an earlier phase
    (anomaly,) = found(case, rules.ACCEPTED_LATE)
    assert "视为受理" in anomaly.summary
    assert [e.action for e in anomaly_evidence(anomaly)["case_events"]] == ["submit", "deem_accept"]


def test_a_one_time_notice_restarts_the_five_days(w):
    case = submit(w, at(9, 14, 10))
    act(
        at(9, 15, 10),
        services.case_request_supplement,
        case=case,
        materials=["营业执照复印件"],
        actor=w.clerk,
    )
    act(at(9, 28, 10), services.case_supplement_received, case=case, actor=w.clerk)
    act(at(10, 9, 10), services.case_accept, case=case, actor=w.clerk)  # 4 working days after the supplement
    sf.sweep_at(at(10, 9, 11))
    assert found(case, rules.ACCEPTED_LATE) == []


# --- special procedures beyond their announced duration (Art. 45) ----------------------------------------


def test_a_special_procedure_beyond_its_announced_end_raises_an_anomaly(w):
    case = w.accept(at(9, 23, 10))
    act(at(9, 24, 10), decisions.case_special_start, case=case, kind="expert_review", reason="组织专家评审",
        announced_workdays=2, actor=w.approver)  # fmt: skip
    procedure = SpecialProcedure.objects.get(case=case)
    sf.sweep_at(procedure.announced_end_at - MINUTE)
    assert found(case, rules.SUSPENSION_OVERRUN) == []
    sf.sweep_at(procedure.announced_end_at + MINUTE)
    (anomaly,) = found(case, rules.SUSPENSION_OVERRUN)
    assert anomaly.key == procedure.pk and "专家评审" in anomaly.summary
    assert [e.action for e in anomaly_evidence(anomaly)["case_events"]] == ["special_start"]


def test_a_special_procedure_ended_in_time_raises_nothing_and_one_ended_late_does(w):
    fine, late = w.accept(at(9, 23, 10)), w.accept(at(9, 23, 10))
    for case in (fine, late):
        act(at(9, 24, 10), decisions.case_special_start, case=case, kind="testing", reason="检测",
            announced_workdays=1, actor=w.approver)  # fmt: skip
    end = SpecialProcedure.objects.get(case=fine).announced_end_at
    act(end - dt.timedelta(hours=1), decisions.case_special_end, case=fine, actor=w.approver)
    act(end + dt.timedelta(hours=1), decisions.case_special_end, case=late, actor=w.approver)
    sf.sweep_at(end + dt.timedelta(hours=2))  # the first sweep: the late end is in the timeline
    assert found(fine, rules.SUSPENSION_OVERRUN) == []
    assert [e.action for e in anomaly_evidence(found(late, rules.SUSPENSION_OVERRUN)[0])["case_events"]] == [
        "special_start", "special_end",
    ]  # fmt: skip


def when(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def test_time_based_anomalies_are_worded_and_evidenced_by_the_database_as_by_python(w):
    case = w.accept(at(9, 23, 10))
    step = sf.step_of(case)
    steps = sf.sweep_at(step.due_at + MINUTE)
    act(step.due_at + 2 * MINUTE, decisions.case_special_start, case=case, kind="expert_review",
        reason="组织专家评审", announced_workdays=2, actor=w.approver)  # fmt: skip
    procedure = SpecialProcedure.objects.get(case=case)
    special = sf.sweep_at(procedure.announced_end_at + MINUTE)
    ids = dict(CaseEvent.objects.filter(case=case).values_list("action", "id"))
    expected = {
        rules.STEP_OVERDUE: (steps, step.pk, [ids["step_start"]],
                             f"办件{case.number}的“{step.name}”环节（第{step.round}轮）超时（{when(step.due_at)}到期）"),
        rules.SUSPENSION_OVERRUN: (special, procedure.pk, [ids["special_start"]],
                                   f"办件{case.number}的专家评审程序超过告知时长（应于{when(procedure.announced_end_at)}结束）"),
    }  # fmt: skip
    for code, (report, key, events, summary) in expected.items():
        (anomaly,) = found(case, code)
        assert (anomaly.key, anomaly.summary, anomaly.measure, anomaly.run) == (key, summary, {}, report.run)
        assert anomaly.evidence == {"case_events": events, "audit_events": []}
        assert (anomaly.detected_at, anomaly.severity, anomaly.department) == (
            report.now, anomaly.rule.severity, w.department,
        )  # fmt: skip
        assert report.phases["anomalies"]["raised"] == 1


def test_an_overdue_case_is_worded_with_its_local_deadline_and_cites_its_last_events(w, monkeypatch):
    case = w.accept(at(9, 23, 10))
    due = Case.objects.get(pk=case.pk).promised_due_at
    conclude_void(w, case, due + dt.timedelta(hours=3))
    monkeypatch.setattr(rules, "EVIDENCE_MAX", 1)  # the last row only
    report = sf.sweep_at(due + dt.timedelta(hours=4))
    (anomaly,) = found(case, rules.OVERDUE)
    assert anomaly.summary == f"办件{case.number}超过承诺时限（{when(due)}到期）"
    assert anomaly.evidence == {
        "case_events": [CaseEvent.objects.get(case=case, action="conclude").pk], "audit_events": [],
    }  # fmt: skip
    assert report.phases["anomalies"]["raised"] == Anomaly.objects.count()


def test_only_the_first_overdue_step_of_a_case_is_raised_while_its_anomaly_is_open(w):
    case = w.accept(at(9, 23, 10))
    first = sf.step_of(case)
    second = CaseStep.objects.create(
        case=case, round=first.round + 1, flow_order=first.flow_order, name="复核", role=first.role,
        state=StepState.ACTIVE, started_at=first.started_at, due_at=first.due_at, warn_at=first.warn_at,
    )  # fmt: skip
    report = sf.sweep_at(first.due_at + MINUTE)
    assert [a.key for a in found(case, rules.STEP_OVERDUE)] == [first.pk]
    assert report.phases["anomalies"]["raised"] == Anomaly.objects.count()
    anomaly_dismiss(
        anomaly=found(case, rules.STEP_OVERDUE)[0], reason="系统故障导致超期，已核实", actor=w.supervisor
    )
    sf.sweep_at(first.due_at + dt.timedelta(hours=2))  # a full run: the next fact of the case
    assert [a.key for a in found(case, rules.STEP_OVERDUE)] == [first.pk, second.pk]


# --- concluded without a required step ----------------------------------------------------------------------


def test_a_certificate_issued_while_a_flow_step_never_passed_raises_an_anomaly(w):
    case = w.accept(at(9, 23, 10))
    act(at(9, 24, 10), task_complete, task=sf.step_of(case).tasks.get(), opinion="approve", actor=w.approver)
    # 批准 is now active; a bypass marks the case decided and drops the step (no service does this).
    CaseStep.objects.filter(case=case, state=StepState.ACTIVE).update(state=StepState.CANCELLED)
    Case.objects.filter(pk=case.pk).update(state="decided", decision="approve")
    act(at(9, 24, 11), decisions.case_conclude, case=case, result_code=0, certificate_no="JY001",
        certificate_valid_until=FUTURE, actor=w.approver)  # fmt: skip
    sf.sweep_at(at(9, 24, 12))
    (anomaly,) = found(case, rules.MISSING_STEP)
    assert "批准" in anomaly.summary and "审核" not in anomaly.summary
    assert [e.action for e in anomaly_evidence(anomaly)["case_events"]] == ["conclude"]


def test_a_certificate_after_every_step_passed_raises_nothing():
    w = sf.world(chief_limit=None)  # 受理 → 审核: the approver's signature decides
    case = w.accept(at(9, 23, 10))
    act(at(9, 24, 10), task_complete, task=sf.step_of(case).tasks.get(), opinion="approve", actor=w.approver)
    act(at(9, 24, 11), decisions.case_conclude, case=case, result_code=0, certificate_no="JY002",
        certificate_valid_until=FUTURE, actor=w.approver)  # fmt: skip
    sf.sweep_at(at(9, 24, 12))
    assert codes(case) == []


# --- fees (not built yet) ------------------------------------------------------------------------------


def test_the_fee_rule_is_a_documented_no_op_until_the_fees_context_lands(w):
    case = w.accept(at(9, 23, 10))
    assert sweep_anomalies.BUILTIN[rules.FEE_OFF_SCHEDULE](None, None, None) == []
    sf.sweep_at(at(9, 23, 11))
    assert not Anomaly.objects.filter(rule__code=rules.FEE_OFF_SCHEDULE).exists() and codes(case) == []


# --- an item that should be online handled offline ----------------------------------------------------


def test_a_fully_online_item_filed_at_the_window_raises_an_anomaly(w):
    data = cat.item_data(code="11510100MB0000001X-901", name="个体工商户名称变更", department=w.department,
                         visits=0, online=True)  # fmt: skip
    online_item = item_create(
        data=data, materials=cat.materials(), fees=cat.fees(), flow=cat.flow(), actor=None
    )
    offline = act(at(9, 23, 9), services.case_submit, **f.submit_kwargs(online_item, w.clerk))
    posted = act(at(9, 23, 9), services.case_submit, **f.submit_kwargs(online_item, w.clerk, channel="post"))
    ordinary = submit(w, at(9, 23, 9))  # visits 1: the window is the way
    sf.sweep_at(at(9, 23, 10))
    assert [a.summary.split("：")[1] for a in found(offline, rules.OFFLINE_ONLY)] == [
        "可全程网办的事项经窗口收件"
    ]
    assert len(found(posted, rules.OFFLINE_ONLY)) == 1
    assert found(ordinary, rules.OFFLINE_ONLY) == []


# --- edited after conclusion --------------------------------------------------------------------------


def test_a_timeline_row_after_conclusion_raises_an_anomaly_and_delivery_none(w):
    edited, delivered = w.accept(at(9, 23, 10)), w.accept(at(9, 23, 10))
    for case in (edited, delivered):
        conclude_void(w, case, at(9, 24, 10))
    act(
        at(9, 24, 11),
        decisions.case_deliver,
        case=delivered,
        method="window",
        recipient_name="张三",
        actor=w.clerk,
    )
    with sf.time_machine.travel(at(9, 24, 12), tick=False):
        row = moves.event(Case.objects.get(pk=edited.pk), action="extend", actor=w.approver, at=at(9, 24, 12),
                          from_state="concluded", note="补录延期")  # fmt: skip
    sf.sweep_at(at(9, 24, 13))
    (anomaly,) = found(edited, rules.EDITED_AFTER_CONCLUSION)
    assert anomaly.key == row.pk and "extend" in anomaly.summary
    assert [e.pk for e in anomaly_evidence(anomaly)["case_events"]] == [row.pk]
    assert found(delivered, rules.EDITED_AFTER_CONCLUSION) == []


def test_an_audit_event_on_a_concluded_case_outside_the_cases_services_raises_an_anomaly(w):
    case = w.accept(at(9, 23, 10))
    conclude_void(w, case, at(9, 24, 10))
    with sf.time_machine.travel(at(9, 24, 12), tick=False):
        event = audit.record(
            action="admin.case_change", actor=w.supervisor, obj=case, detail={"field": "applicant_name"}
        )
    sf.sweep_at(at(9, 24, 13))
    (anomaly,) = found(case, rules.EDITED_AFTER_CONCLUSION)
    assert anomaly.key == -event.pk
    assert list(anomaly_evidence(anomaly)["audit_events"]) == [event]


# --- configured rules (no code) -----------------------------------------------------------------------


def test_a_configured_event_rule_fires_on_matching_events_only(w):
    rule = anomaly_rule_create(data={
        "kind": "event", "code": "void_or_deleted", "name": "作废或删除办件", "severity": "high",
        "event_action": "conclude", "conditions": [{"field": "case.result_code", "op": "in", "value": [2, 3]},
                                                   {"field": "note", "op": "!=", "value": ""}],
    }, actor=w.supervisor)  # fmt: skip
    voided, returned = w.accept(at(9, 23, 10)), w.accept(at(9, 23, 10))
    conclude_void(w, voided, at(9, 24, 10))
    act(
        at(9, 24, 10),
        decisions.case_conclude,
        case=returned,
        result_code=5,
        reason="申请人放弃",
        actor=w.approver,
    )
    sf.sweep_at(at(9, 24, 11))
    (anomaly,) = found(voided, "void_or_deleted")
    assert (anomaly.rule, anomaly.severity, anomaly.summary) == (
        rule,
        "high",
        f"作废或删除办件：办件{voided.number}",
    )
    assert [(e.action, e.case_id) for e in anomaly_evidence(anomaly)["case_events"]] == [
        ("conclude", voided.pk)
    ]
    assert [a.action for a in anomaly_evidence(anomaly)["audit_events"]] == ["cases.conclude"]
    assert found(returned, "void_or_deleted") == []
    sf.sweep_at(at(9, 24, 12))
    assert len(found(voided, "void_or_deleted")) == 1


@pytest.mark.parametrize(
    ("conditions", "fires"),
    [
        ([{"field": "hour", "op": ">=", "value": 20}], True),  # a refusal at night
        ([{"field": "hour", "op": "<", "value": 20}], False),
        ([{"field": "note", "op": "contains", "value": "口头"}], True),
        ([{"field": "case.channel", "op": "=", "value": "online"}], False),
        (
            [
                {"field": "actor_role", "op": "=", "value": "clerk"},
                {"field": "report_status", "op": "=", "value": 4},
            ],
            True,
        ),
        ([{"field": "weekday", "op": "in", "value": [6, 7]}], False),  # 23 Sep 2026 is a Wednesday
    ],
)
def test_event_rule_conditions_over_the_events_fields(w, conditions, fires):
    anomaly_rule_create(data={"kind": "event", "code": "r1", "name": "夜间拒件", "event_action": "refuse",
                              "conditions": conditions}, actor=w.supervisor)  # fmt: skip
    case = act(at(9, 23, 21), services.case_refuse, case=submit(w, at(9, 23, 20)), reason="口头告知材料不全",
               actor=w.clerk)  # fmt: skip
    sf.sweep_at(at(9, 23, 22))
    assert len(found(case, "r1")) == int(fires)


def _refused(w, item, n: int, refused: int, when):
    for i in range(n):
        case = act(when, services.case_submit, **f.submit_kwargs(item, w.clerk))
        if i < refused:
            act(when, services.case_refuse, case=case, reason="不符合受理条件", actor=w.clerk)


def test_a_configured_rate_rule_fires_per_department_above_its_threshold(w):
    other = cat.department("ZJJ", "住房和城乡建设局")
    data = cat.item_data(code="11510100MB0000001X-902", name="建筑工程施工许可", department=other)
    other_item = item_create(
        data=data, materials=cat.materials(), fees=cat.fees(), flow=cat.flow(), actor=None
    )
    anomaly_rule_create(data={"kind": "rate", "code": "refusals", "name": "不予受理率偏高", "rate_metric": "refused",
                              "rate_window_days": 30, "rate_threshold": "0.3", "rate_min_cases": 3},
                        actor=w.supervisor)  # fmt: skip
    _refused(w, w.item, 4, 2, at(9, 21, 10))  # 50 % > 30 %
    _refused(w, other_item, 4, 1, at(9, 21, 10))  # 25 %
    report = sf.sweep_at(at(9, 23, 10))
    assert report.phases["anomalies"]["full"] == 1
    (anomaly,) = Anomaly.objects.filter(rule__code="refusals")
    assert (anomaly.case, anomaly.department) == (None, w.department)
    assert (
        anomaly.measure["numerator"] == 2
        and anomaly.measure["denominator"] == 4
        and anomaly.measure["rate"] == 0.5
    )
    assert "50.0%" in anomaly.summary and "30.0%" in anomaly.summary
    assert sorted(c.state for c in anomaly_evidence(anomaly)["cases"]) == ["refused", "refused"]
    sf.sweep_at(at(9, 23, 12))  # a full run in the same window: nothing new
    assert Anomaly.objects.filter(rule__code="refusals").count() == 1


def test_a_rate_rule_needs_its_minimum_number_of_cases(w):
    anomaly_rule_create(data={"kind": "rate", "code": "refusals", "name": "不予受理率偏高", "rate_metric": "refused",
                              "rate_window_days": 30, "rate_threshold": "0.3", "rate_min_cases": 5},
                        actor=w.supervisor)  # fmt: skip
    _refused(w, w.item, 4, 4, at(9, 21, 10))
    sf.sweep_at(at(9, 23, 10))
    assert not Anomaly.objects.filter(rule__code="refusals").exists()


def test_a_disabled_rule_raises_nothing(w):
    rule = AnomalyRule.objects.get(code=rules.OVERDUE)
    rules.anomaly_rule_set_enabled(rule=rule, enabled=False, actor=w.supervisor)
    case = w.accept(at(9, 23, 10))
    sf.sweep_at(at(10, 12))
    assert found(case, rules.OVERDUE) == [] and found(case, rules.STEP_OVERDUE) != []
    assert AuditEvent.objects.filter(action="supervision.rule_disable", object_id=str(rule.pk)).exists()


# --- rule validation (bad input changes nothing) --------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "code", "field"),
    [
        ({"kind": "builtin"}, "supervision.rule_kind", "kind"),
        ({"code": "has space"}, "supervision.rule_code", "code"),
        ({"code": ""}, "supervision.rule_text", "code"),
        ({"name": ""}, "supervision.rule_text", "name"),
        ({"severity": "fatal"}, "supervision.rule_severity", "severity"),
        ({"event_action": "delete_everything"}, "supervision.rule_action", "event_action"),
        ({"conditions": [{"field": "password", "op": "=", "value": "x"}]}, "supervision.rule_field", "conditions"),
        ({"conditions": [{"field": "note", "op": "like", "value": "x"}]}, "supervision.rule_op", "conditions"),
        ({"conditions": [{"field": "note", "op": ">", "value": "x"}]}, "supervision.rule_op", "conditions"),
        ({"conditions": [{"field": "report_status", "op": "contains", "value": 1}]}, "supervision.rule_op",
         "conditions"),
        ({"conditions": [{"field": "report_status", "op": "=", "value": "4"}]}, "supervision.rule_value",
         "conditions"),
        ({"conditions": [{"field": "note", "op": "in", "value": []}]}, "supervision.rule_value", "conditions"),
        ({"conditions": [{"field": "note", "op": "=", "value": "x", "sql": "1=1"}]}, "supervision.rule_condition",
         "conditions"),
        ({"conditions": "note = x"}, "supervision.rule_condition", "conditions"),
    ],
)  # fmt: skip
def test_a_bad_event_rule_is_refused_and_nothing_changes(w, data, code, field):
    base = {"kind": "event", "code": "r1", "name": "规则", "event_action": "refuse", "conditions": []}
    before = snapshot()
    with pytest.raises(ValidationFailed) as raised:
        anomaly_rule_create(data=base | data, actor=w.supervisor)
    assert (raised.value.code, raised.value.field) == (code, field)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"rate_metric": "salary"}, "supervision.rule_metric"),
        ({"rate_window_days": 0}, "supervision.rule_window"),
        ({"rate_window_days": "30"}, "supervision.rule_window"),
        ({"rate_threshold": "1.5"}, "supervision.rule_threshold"),
        ({"rate_threshold": "abc"}, "supervision.rule_threshold"),
        ({"rate_threshold": "0.12345"}, "supervision.rule_threshold"),
        ({"rate_min_cases": 0}, "supervision.rule_min_cases"),
    ],
)
def test_a_bad_rate_rule_is_refused_and_nothing_changes(w, data, code):
    base = {"kind": "rate", "code": "r2", "name": "规则", "rate_metric": "refused", "rate_window_days": 30,
            "rate_threshold": "0.2"}  # fmt: skip
    before = snapshot()
    with pytest.raises(ValidationFailed) as raised:
        anomaly_rule_create(data=base | data, actor=w.supervisor)
    assert raised.value.code == code and snapshot() == before


def test_rule_codes_are_unique_and_only_supervisors_and_the_manager_add_rules(w):
    data = {"kind": "event", "code": "overdue", "name": "重复", "event_action": "refuse"}
    before = snapshot()
    with pytest.raises(Conflict) as raised:
        anomaly_rule_create(data=data, actor=w.supervisor)
    assert raised.value.code == "supervision.rule_exists"
    for actor in (w.clerk, w.chief, None):
        with pytest.raises(PermissionDenied):
            anomaly_rule_create(data=data | {"code": "new"}, actor=actor)
    assert snapshot() == before
    manager = org.staff(role=Role.MANAGER).user
    rule = anomaly_rule_create(data=data | {"code": "new"}, actor=manager)
    event = AuditEvent.objects.get(action="supervision.rule_create")
    assert (event.actor, event.after["code"], rule.created_by) == (manager, "new", manager)


# --- idempotence --------------------------------------------------------------------------------------


def test_re_runs_and_a_sweep_after_the_overlap_raise_nothing_twice(w):
    case = w.accept(at(9, 23, 10))
    conclude_void(w, case, at(10, 12, 10))  # overdue, concluded late, edited afterwards
    with sf.time_machine.travel(at(10, 12, 11), tick=False):
        moves.event(Case.objects.get(pk=case.pk), action="extend", actor=None, at=at(10, 12, 11),
                    from_state="concluded", note="")  # fmt: skip
    sf.sweep_at(at(10, 12, 12))
    raised = codes(case)
    assert raised == sorted([rules.OVERDUE, rules.STEP_OVERDUE, rules.EDITED_AFTER_CONCLUSION])
    for when in (at(10, 12, 12, 1), at(10, 12, 12, 2), at(10, 12, 12, 30), at(10, 13, 9)):
        report = sf.sweep_at(when)
        assert report.phases["anomalies"]["raised"] == 0
    assert codes(case) == raised
    assert AnomalyScan.objects.count() == 5


def test_a_dismissed_anomaly_is_not_raised_again(w):
    case = w.accept(at(9, 23, 10))
    sf.sweep_at(at(10, 12))
    (anomaly,) = found(case, rules.OVERDUE)
    anomaly_dismiss(anomaly=anomaly, reason="系统故障导致超期，已核实", actor=w.supervisor)
    sf.sweep_at(at(10, 12, 2))  # full again
    assert [a.state for a in found(case, rules.OVERDUE)] == ["dismissed"]


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_without_the_lock_raise_each_anomaly_once(postgres_only, monkeypatch):
    w = sf.world()
    cases = [w.accept(at(9, 23, 10)) for _ in range(5)]
    monkeypatch.setattr(sweep, "USE_LOCK", False)
    barrier, errors = threading.Barrier(2), []

    def one():
        try:
            barrier.wait()
            sweep_anomalies.run(now=at(10, 12))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=one) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    for case in cases:
        assert codes(case) == [rules.OVERDUE, rules.STEP_OVERDUE]


# --- a supervisor confirms or dismisses ----------------------------------------------------------------


@pytest.fixture
def anomaly(w):
    case = w.accept(at(9, 23, 10))
    sf.sweep_at(at(10, 12))
    return found(case, rules.OVERDUE)[0]


def test_a_supervisor_confirms_an_anomaly(w, anomaly):
    with sf.time_machine.travel(at(10, 12, 9), tick=False):
        anomaly_confirm(anomaly=anomaly, note=" 已约谈 ", actor=w.supervisor)
    anomaly.refresh_from_db()
    assert (anomaly.state, anomaly.decided_by, anomaly.decided_at, anomaly.decision_note) == (
        "confirmed", w.supervisor, at(10, 12, 9), "已约谈",
    )  # fmt: skip
    event = AuditEvent.objects.get(action="supervision.anomaly_confirm")
    assert (event.actor, event.object_id, event.after) == (
        w.supervisor,
        str(anomaly.pk),
        {"state": "confirmed"},
    )


def test_a_dismissal_needs_a_reason_and_a_decided_anomaly_stays_decided(w, anomaly):
    before = snapshot()
    for reason in ("", "   "):
        with pytest.raises(ValidationFailed) as raised:
            anomaly_dismiss(anomaly=anomaly, reason=reason, actor=w.supervisor)
        assert (raised.value.code, raised.value.field) == ("supervision.reason_required", "reason")
    with pytest.raises(ValidationFailed) as raised:
        anomaly_dismiss(anomaly=anomaly, reason="理" * 201, actor=w.supervisor)
    assert raised.value.code == "supervision.note_too_long"
    assert snapshot() == before
    anomaly_dismiss(anomaly=anomaly, reason="节假日调休期间系统时钟有误", actor=w.supervisor)
    before = snapshot()
    with pytest.raises(Conflict) as raised:
        anomaly_confirm(anomaly=anomaly, actor=w.supervisor)
    assert raised.value.code == "supervision.anomaly_closed"
    anomaly.refresh_from_db()
    assert anomaly.state == "dismissed" and snapshot() == before


@pytest.mark.parametrize("role", [Role.CLERK, Role.CHIEF, Role.APPROVER, Role.MANAGER, Role.DUTY_LEADER])
def test_only_a_supervisor_decides_an_anomaly(anomaly, role):
    actor = org.staff(role=role).user
    before = snapshot()
    for call in (lambda: anomaly_confirm(anomaly=anomaly, actor=actor),
                 lambda: anomaly_dismiss(anomaly=anomaly, reason="无", actor=actor)):  # fmt: skip
        with pytest.raises(PermissionDenied):
            call()
    anomaly.refresh_from_db()
    assert anomaly.state == "open" and snapshot() == before


def test_evidence_survives_rows_that_are_gone_and_pairs_no_audit_event_with_a_raw_row(w):
    case = w.accept(at(9, 23, 10))
    row = CaseEvent.objects.get(case=case, action="accept")
    raw = moves.event(Case.objects.get(pk=case.pk), action="accept", actor=None, at=at(10, 1), from_state="x",
                      note="")  # fmt: skip
    logged = AuditEvent.objects.get(action="cases.accept", object_id=str(case.pk))
    assert rules.audit_pairs([row.pk, raw.pk]) == {row.pk: logged.pk}
    gone = Anomaly(evidence={"case_events": [row.pk, raw.pk, 10**9], "audit_events": [10**9]})
    assert [e.pk for e in anomaly_evidence(gone)["case_events"]] == [row.pk, raw.pk]
    assert list(anomaly_evidence(gone)["audit_events"]) == [logged]
