"""After acceptance: special procedures, the extension, conclusion, delivery, revocation, withdrawal,
what each person is offered (case_allowed_actions), and the races on PostgreSQL."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
import time_machine
from django.db import connections, transaction
from django.utils import timezone

from govhall.cases import decisions, moves, services
from govhall.cases.models import (
    Case,
    CaseEvent,
    CaseStep,
    Extension,
    Notice,
    SealUse,
    SpecialProcedure,
    StepTask,
    Undertaking,
)
from govhall.cases.permissions import case_allowed_actions
from govhall.core import workdays
from govhall.core.errors import DomainError
from govhall.core.models import OutboxMessage
from govhall.core.personal import user_set_identity
from govhall.org.models import Role
from tests.cases import factories as f
from tests.org import factories as org

pytestmark = pytest.mark.django_db
FUTURE = dt.date(2099, 12, 31)


# --- personas and setup ------------------------------------------------------------------------


@pytest.fixture
def item(db):
    return f.item()


@pytest.fixture
def handler(item):
    """A window clerk of the item's department."""
    return org.staff(role=Role.CLERK, dept=item.department).user


@pytest.fixture
def approver(item):
    return org.staff(role=Role.APPROVER, dept=item.department).user


@pytest.fixture
def chief(item):
    staff = org.staff(role=Role.CHIEF, dept=item.department)
    today = timezone.localdate()
    org.delegation(staff, valid_from=today, valid_to=today + dt.timedelta(days=365))
    return staff.user


@pytest.fixture
def zhang_san(db):
    user = org.applicant("zhang_san")
    return user_set_identity(user=user, real_name="张三", id_number=f.ric(), mobile="13800138000")


@pytest.fixture
def accepted(item, handler, zhang_san):
    case = services.case_submit(**f.submit_kwargs(item, handler, applicant=zhang_san))
    return services.case_accept(case=case, actor=handler)


def decide(case, decision="approve"):
    """What the engine does when the last step finishes (processing.py): the DECIDE move."""
    with transaction.atomic():
        case = moves.locked(case)
        if case.state == "decided":  # the engine decided it already
            return case

        def step(c, at):
            c.decision, c.decided_at = decision, at
            c.delivery_due_at = workdays.due_instant(at, 10, "workday")

        return moves.move(case, action="decide", actor=None, clock_step=step)


def with_open_work(case):
    """An active step with a pending task (the engine's rows) unless the engine made them already."""
    if not CaseStep.objects.filter(case=case, state="active").exists():
        step = CaseStep.objects.create(case=case, round=99, flow_order=2, name="审核", role="approver",
                                       started_at=timezone.now())  # fmt: skip
        StepTask.objects.create(step=step, case=case, created_at=timezone.now())
    return case


def counts() -> dict:
    models = (Notice, Undertaking, SpecialProcedure, Extension, SealUse, StepTask, OutboxMessage)
    return f.counts() | {m.__name__: m.objects.count() for m in models}


def state_of(case) -> tuple:
    row = Case.objects.get(pk=case.pk)
    return row.state, row.report_status, row.legal_due_at, row.clock_stopped_at, row.extension_workdays


def refused(call, code: str, words: str = "", *, case=None):
    before, row = counts(), state_of(case) if case else None
    with pytest.raises(DomainError) as err:
        call()
    assert err.value.code == code, (err.value.code, err.value.message)
    assert words in err.value.message, err.value.message
    assert counts() == before
    if case is not None:
        assert state_of(case) == row
    return err.value


def sms(topic: str) -> list[str]:
    return [m.payload["text"] for m in OutboxMessage.objects.filter(kind="sms", topic=topic)]


def notice(case, kind: str) -> Notice:
    return Notice.objects.get(case=case, kind=kind)


# --- the intake notices ----------------------------------------------------------------------------


def test_intake_decisions_issue_their_notices(item, handler, zhang_san):
    accepted = services.case_accept(
        case=services.case_submit(**f.submit_kwargs(item, handler)), actor=handler
    )
    assert notice(accepted, "acceptance").data["acceptance_mode"] == "normal"
    refused_case = services.case_refuse(case=services.case_submit(**f.submit_kwargs(item, handler)),
                                        reason="不属于本机关职权范围", actor=handler)  # fmt: skip
    assert notice(refused_case, "refusal").data["reason"] == "不属于本机关职权范围"
    pending = services.case_request_supplement(case=services.case_submit(**f.submit_kwargs(item, handler)),
                                               materials=["申请书", "营业执照复印件"], actor=handler)  # fmt: skip
    assert notice(pending, "supplement").data["materials"] == ["申请书", "营业执照复印件"]
    assert notice(pending, "supplement").number == f"{pending.number}-BZ01"


# --- special procedures (Art. 45) -----------------------------------------------------------------


def test_special_start_pauses_the_clocks_and_tells_the_applicant(accepted, approver):
    case = decisions.case_special_start(
        case=accepted, kind="expert_review", reason="需组织专家论证", announced_workdays=5, actor=approver
    )
    assert (case.state, case.report_status, case.legal_due_at) == ("suspended", 9, None)
    assert case.clock_pauses[-1]["reason"] == "专家评审" and case.clock_paused_at is not None
    proc = SpecialProcedure.objects.get(case=case)
    assert proc.announced_end_at == workdays.due_instant(proc.started_at, 5, "workday")
    assert (proc.kind, proc.reason, proc.started_by) == ("expert_review", "需组织专家论证", approver)
    facts = notice(case, "special").data
    assert (facts["special_kind_label"], facts["announced_workdays"]) == ("专家评审", "5")
    assert "专家评审" in sms("case_special_start")[0]
    assert CaseEvent.objects.get(case=case, action="special_start").report_status == 9


def test_special_end_resumes_and_moves_due_by_the_paused_time(item, handler, approver):
    tz = timezone.get_current_timezone()
    with time_machine.travel(dt.datetime(2026, 11, 23, 10, tzinfo=tz), tick=False):  # Monday
        case = services.case_accept(
            case=services.case_submit(**f.submit_kwargs(item, handler)), actor=handler
        )
    due_before = case.legal_due_at
    with time_machine.travel(dt.datetime(2026, 11, 25, 10, tzinfo=tz), tick=False):  # Wednesday
        case = decisions.case_special_start(case=case, kind="hearing", reason="听证", announced_workdays=3,
                                            actor=approver)  # fmt: skip
    with time_machine.travel(dt.datetime(2026, 11, 27, 10, tzinfo=tz), tick=False):  # Friday
        case = decisions.case_special_end(case=case, actor=approver)
    assert (case.state, case.report_status, case.clock_paused_at) == ("accepted", 10, None)
    assert workdays.worktime_at(case.legal_due_at) - workdays.worktime_at(due_before) == 2 * workdays.DAY_US
    assert SpecialProcedure.objects.get(case=case).ended_by == approver
    assert CaseEvent.objects.get(case=case, action="special_end").report_status == 10


BAD_SPECIAL = [
    ("kind", {"kind": "lottery"}, "cases.special_kind", "特别程序种类"),
    ("reason", {"reason": "  "}, "cases.reason_required", "理由"),
    ("zero days", {"announced_workdays": 0}, "cases.special_duration", "工作日"),
    ("third of a day", {"announced_workdays": "1.3"}, "cases.special_duration", "半日"),
]


@pytest.mark.parametrize(("label", "change", "code", "words"), BAD_SPECIAL, ids=[b[0] for b in BAD_SPECIAL])
def test_bad_special_start_changes_nothing(accepted, approver, label, change, code, words):
    kwargs = {"kind": "testing", "reason": "检测", "announced_workdays": 2} | change
    refused(lambda: decisions.case_special_start(case=accepted, actor=approver, **kwargs), code, words,
            case=accepted)  # fmt: skip


def test_special_start_outside_scope_or_by_the_applicant_changes_nothing(accepted, zhang_san):
    stranger = org.staff(role=Role.APPROVER).user  # another department
    for actor, code in ((stranger, "cases.out_of_scope"), (zhang_san, "org.forbidden")):
        refused(lambda a=actor: decisions.case_special_start(case=accepted, kind="testing", reason="检测",
                announced_workdays=2, actor=a), code, case=accepted)  # fmt: skip


def test_special_start_before_acceptance_is_illegal(item, handler):
    case = services.case_submit(**f.submit_kwargs(item, handler))
    err = refused(lambda: decisions.case_special_start(case=case, kind="testing", reason="检测",
                  announced_workdays=2, actor=handler), "cases.illegal_transition", case=case)  # fmt: skip
    assert err.http_status == 409


# --- extension (Art. 42 / Art. 26) ------------------------------------------------------------------


def test_extend_by_ten_working_days(accepted, handler, chief):
    due = accepted.legal_due_at
    case = decisions.case_extend(case=accepted, workdays=10, reason="情况复杂", approver=chief, actor=handler)
    assert (case.state, case.report_status, case.extension_workdays) == ("accepted", 3, Decimal("10"))
    assert workdays.worktime_at(case.legal_due_at) - workdays.worktime_at(due) == 10 * workdays.DAY_US
    ext = Extension.objects.get(case=case)
    assert (ext.workdays, ext.approved_by, ext.requested_by, ext.reason) == (10, chief, handler, "情况复杂")
    facts = notice(case, "extension").data
    assert (facts["workdays"], facts["approver_name"], facts["legal_due_at"]) == (
        "10", "李四", case.legal_due_at.isoformat()
    )  # fmt: skip
    assert "情况复杂" in sms("case_extended")[0]
    assert (
        CaseEvent.objects.get(case=case, action="extend").clock_effect["legal_due_at"]
        == case.legal_due_at.isoformat()
    )


def test_joint_items_extend_by_fifteen():
    joint = f.item(code="11510100MB0000001X-045", name="联合审批事项", legal_limit=Decimal("45"),
                   promised_limit=Decimal("30"))  # fmt: skip
    manager = org.staff(role=Role.MANAGER).user
    clerk = org.staff(role=Role.CLERK, dept=joint.department).user
    case = services.case_accept(case=services.case_submit(**f.submit_kwargs(joint, clerk)), actor=clerk)
    refused(lambda: decisions.case_extend(case=case, workdays=10, reason="联合审查", approver=manager, actor=clerk),
            "cases.extension_workdays", "15", case=case)  # fmt: skip
    case = decisions.case_extend(case=case, workdays=15, reason="联合审查", approver=manager, actor=clerk)
    assert case.extension_workdays == 15


def test_second_extension_is_a_conflict(accepted, handler, chief):
    decisions.case_extend(case=accepted, workdays=10, reason="情况复杂", approver=chief, actor=handler)
    refused(lambda: decisions.case_extend(case=accepted, workdays=10, reason="再延", approver=chief, actor=handler),
            "cases.already_extended", "已延长", case=accepted)  # fmt: skip


BAD_EXTEND = [
    ("fifteen", {"workdays": 15}, "cases.extension_workdays", "10"),
    ("junk", {"workdays": "ten"}, "cases.extension_workdays", "10"),
    ("no reason", {"reason": ""}, "cases.reason_required", "理由"),
]


@pytest.mark.parametrize(("label", "change", "code", "words"), BAD_EXTEND, ids=[b[0] for b in BAD_EXTEND])
def test_bad_extension_changes_nothing(accepted, handler, chief, label, change, code, words):
    kwargs = {"workdays": 10, "reason": "情况复杂", "approver": chief} | change
    refused(lambda: decisions.case_extend(case=accepted, actor=handler, **kwargs), code, words, case=accepted)


def test_extension_approver_must_be_a_head(accepted, handler, approver):
    other_chief = org.staff(role=Role.CHIEF).user  # a chief of another department
    for who in (approver, handler, other_chief):
        refused(lambda w=who: decisions.case_extend(case=accepted, workdays=10, reason="复杂", approver=w,
                actor=handler), "cases.extension_approver", "批准", case=accepted)  # fmt: skip
    duty = org.staff(role=Role.DUTY_LEADER).user
    assert decisions.case_extend(case=accepted, workdays=10, reason="复杂", approver=duty, actor=handler)


# --- conclusion ------------------------------------------------------------------------------------------


def test_conclude_approved_with_a_certificate(accepted, handler):
    case = decide(with_open_work(accepted))
    case = decisions.case_conclude(case=case, result_code=0, certificate_no="JY15101000001",
                                   certificate_valid_until=FUTURE, actor=handler)  # fmt: skip
    assert (case.state, case.report_status, case.result_code) == ("concluded", 11, 0)
    assert (case.certificate_no, case.certificate_valid_until, case.concluded_by) == (
        "JY15101000001",
        FUTURE,
        handler,
    )
    assert case.clock_stopped_at == case.concluded_at and case.warn_at is None
    assert not CaseStep.objects.filter(case=case, state="active").exists()
    assert not StepTask.objects.filter(case=case, state__in=("pending", "waiting", "delegated")).exists()
    assert CaseStep.objects.filter(case=case, state="cancelled").exists()
    assert notice(case, "conclusion").data["certificate_no"] == "JY15101000001"
    assert not SealUse.objects.filter(case=case).exists()  # a clerk seals nothing
    assert "已办结" in sms("case_concluded")[0]
    assert CaseEvent.objects.get(case=case, action="conclude").report_status == 11


def test_conclude_not_permitted_after_a_reject_decision(accepted, approver):
    case = decisions.case_conclude(case=decide(accepted, "reject"), result_code=1, reason="不符合条件",
                                   actor=approver)  # fmt: skip
    assert (case.state, case.report_status, case.result_reason) == ("concluded", 13, "不符合条件")


def test_conclude_forwarded_while_suspended_closes_the_pause(accepted, approver):
    case = decisions.case_special_start(case=accepted, kind="publicity", reason="公示", announced_workdays=5,
                                        actor=approver)  # fmt: skip
    case = decisions.case_conclude(case=case, result_code=4, reason="转报省厅", actor=approver)
    assert (case.state, case.report_status, case.clock_paused_at) == ("concluded", 13, None)
    assert case.clock_pauses[-1]["end"] is not None
    assert SpecialProcedure.objects.get(case=case).ended_at == case.concluded_at


def test_a_chief_concluding_records_the_seal(accepted, chief):
    case = decisions.case_conclude(case=decide(accepted), result_code=0, certificate_no="X1",
                                   certificate_valid_until=FUTURE, actor=chief)  # fmt: skip
    use = SealUse.objects.get(case=case)
    assert (use.document, use.notice, use.staff.user) == ("办结通知书", notice(case, "conclusion"), chief)


def test_a_chief_without_a_seal_grant_concludes_nothing(accepted, item):
    staff = org.staff(role=Role.CHIEF, dept=item.department)
    today = timezone.localdate()
    org.delegation(staff, valid_from=today, valid_to=today + dt.timedelta(days=30), powers=("decide",))
    case = decide(accepted)
    refused(lambda: decisions.case_conclude(case=case, result_code=0, certificate_no="X1",
            certificate_valid_until=FUTURE, actor=staff.user), "cases.delegation_missing", "印章", case=case)  # fmt: skip


BAD_CONCLUDE = [
    ("unknown code", {"result_code": 9}, "cases.result_code", "无效"),
    ("no certificate", {"result_code": 0, "certificate_no": ""}, "cases.certificate_no", "证照编号"),
    ("expired validity", {"result_code": 0, "certificate_valid_until": dt.date(2000, 1, 1)},
     "cases.certificate_valid_until", "有效期"),
    ("void without reason", {"result_code": 2}, "cases.reason_required", "理由"),
    ("not permitted without reason", {"result_code": 1}, "cases.reason_required", "理由"),
]  # fmt: skip


@pytest.mark.parametrize(("label", "change", "code", "words"), BAD_CONCLUDE, ids=[b[0] for b in BAD_CONCLUDE])
def test_bad_conclusion_changes_nothing(accepted, handler, label, change, code, words):
    case = decide(accepted)
    kwargs = {"result_code": 0, "certificate_no": "X1", "certificate_valid_until": FUTURE} | change
    refused(lambda: decisions.case_conclude(case=case, actor=handler, **kwargs), code, words, case=case)


def test_results_must_match_the_decision(accepted, handler):
    refused(lambda: decisions.case_conclude(case=accepted, result_code=0, certificate_no="X1",
            certificate_valid_until=FUTURE, actor=handler), "cases.decision_mismatch", "准予", case=accepted)  # fmt: skip
    case = decide(accepted, "approve")
    refused(lambda: decisions.case_conclude(case=case, result_code=1, reason="不符", actor=handler),
            "cases.decision_mismatch", "不予", case=case)  # fmt: skip


def test_conclusion_by_someone_out_of_scope_changes_nothing(accepted, zhang_san):
    case = decide(accepted)
    for actor, code in (
        (org.staff(role=Role.CLERK).user, "cases.out_of_scope"),
        (zhang_san, "org.forbidden"),
    ):
        refused(lambda a=actor: decisions.case_conclude(case=case, result_code=2, reason="作废", actor=a), code,
                case=case)  # fmt: skip


# --- delivery and revocation ----------------------------------------------------------------------------


@pytest.fixture
def concluded(accepted, handler):
    return decisions.case_conclude(case=decide(accepted), result_code=0, certificate_no="X1",
                                   certificate_valid_until=FUTURE, actor=handler)  # fmt: skip


def test_deliver_at_the_window(concluded, handler):
    case = decisions.case_deliver(case=concluded, method="window", recipient_name=" 张三 ", actor=handler)
    assert (case.state, case.report_status, case.recipient_name, case.delivery_method) == (
        "delivered",
        11,
        "张三",
        "window",
    )
    assert case.delivered_at is not None and notice(case, "delivery").data["recipient_name"] == "张三"
    assert sms("case_delivered")


def test_deliver_by_post(concluded, handler):
    case = decisions.case_deliver(case=concluded, method="post", tracking_no="SF1234567890", actor=handler)
    assert (case.state, case.tracking_no, case.recipient_name) == ("delivered", "SF1234567890", "")


BAD_DELIVERY = [
    ("window without recipient", {"method": "window"}, "cases.recipient_required", "签收人"),
    (
        "post without tracking",
        {"method": "post", "recipient_name": "张三"},
        "cases.tracking_required",
        "快递单号",
    ),
    ("pigeon", {"method": "pigeon", "recipient_name": "张三"}, "cases.delivery_method", "送达方式"),
]


@pytest.mark.parametrize(("label", "kwargs", "code", "words"), BAD_DELIVERY, ids=[b[0] for b in BAD_DELIVERY])
def test_bad_delivery_changes_nothing(concluded, handler, label, kwargs, code, words):
    refused(
        lambda: decisions.case_deliver(case=concluded, actor=handler, **kwargs), code, words, case=concluded
    )


def test_delivery_before_conclusion_is_illegal(accepted, handler):
    refused(lambda: decisions.case_deliver(case=accepted, method="window", recipient_name="张三", actor=handler),
            "cases.illegal_transition", case=accepted)  # fmt: skip


def test_revoke_a_delivered_case(concluded, handler, approver):
    case = decisions.case_deliver(case=concluded, method="window", recipient_name="张三", actor=handler)
    refused(
        lambda: decisions.case_revoke(case=case, reason="以欺骗手段取得", actor=handler),
        "org.forbidden",
        case=case,
    )
    refused(
        lambda: decisions.case_revoke(case=case, reason=" ", actor=approver),
        "cases.reason_required",
        case=case,
    )
    case = decisions.case_revoke(case=case, reason="以欺骗手段取得", actor=approver)
    assert (case.state, case.report_status) == ("revoked", 15)
    assert "撤销" in sms("case_revoked")[0]


# --- withdrawal after acceptance ------------------------------------------------------------------------


def test_withdrawal_after_acceptance_stops_the_clock_and_cancels_open_work(accepted, zhang_san):
    case = services.case_withdraw(case=with_open_work(accepted), actor=zhang_san, reason="不再需要")
    assert (case.state, case.report_status) == ("withdrawn", 14)
    assert case.clock_stopped_at is not None and case.warn_at is None
    assert set(CaseStep.objects.filter(case=case).values_list("state", flat=True)) == {"cancelled"}
    assert set(StepTask.objects.filter(case=case).values_list("state", flat=True)) == {"cancelled"}


# --- what each person is offered --------------------------------------------------------------------------


def test_allowed_actions_follow_the_item_the_role_and_the_facts(item, handler, zhang_san, chief):
    case = services.case_submit(**f.submit_kwargs(item, handler, applicant=zhang_san))
    assert case_allowed_actions(case=case, user=handler) == [
        "accept",
        "refuse",
        "correct",
        "request_supplement",
        "withdraw",
    ]
    assert case_allowed_actions(case=case, user=zhang_san) == ["withdraw"]
    assert case_allowed_actions(case=case, user=org.applicant("li_si")) == []
    tolerant = f.item(code="11510100MB0000001X-077", name="容缺事项", tolerant=True, commitment=True)
    other = services.case_submit(**f.submit_kwargs(tolerant, handler))
    assert {"accept_tolerant", "accept_commitment"} <= set(case_allowed_actions(case=other, user=handler))
    case = services.case_accept(case=case, actor=handler)
    offered = case_allowed_actions(case=case, user=handler)
    assert {"special_start", "extend", "conclude", "withdraw"} <= set(offered) and "revoke" not in offered
    assert "revoke" in case_allowed_actions(case=case, user=chief)
    assert case_allowed_actions(case=case, user=org.staff(role=Role.CLERK).user) == [
        "request_supplement",
        "withdraw",
    ]
    decisions.case_extend(case=case, workdays=10, reason="复杂", approver=chief, actor=handler)
    assert "extend" not in case_allowed_actions(case=case, user=handler)
    for user in (handler, chief, zhang_san):
        assert not {"decide", "expire", "deem_accept"} & set(
            case_allowed_actions(case=decide(case), user=user)
        )


# --- races (PostgreSQL row locks) -------------------------------------------------------------------------


def _race(calls) -> tuple[list, list]:
    barrier = threading.Barrier(len(calls))
    results, errors = [], []

    def run(call):
        try:
            barrier.wait()
            results.append(call())
        except Exception as error:  # noqa: BLE001 - reported by the assertions
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_clerks_conclude_at_once_one_wins(postgres_only, accepted, handler, item):
    case = decide(accepted)
    other = org.staff(role=Role.CLERK, dept=item.department).user
    calls = [lambda a=a: decisions.case_conclude(case=case, result_code=2, reason=f"作废{a.pk}", actor=a)
             for a in (handler, other)]  # fmt: skip
    results, errors = _race(calls)
    assert len(results) == 1 and [e.code for e in errors] == ["cases.illegal_transition"]
    assert CaseEvent.objects.filter(case=case, action="conclude").count() == 1
    assert Notice.objects.filter(case=case, kind="conclusion").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_extensions_at_once_one_wins(postgres_only, accepted, handler, chief, approver):
    calls = [lambda a=a: decisions.case_extend(case=accepted, workdays=10, reason="复杂", approver=chief, actor=a)
             for a in (handler, approver)]  # fmt: skip
    results, errors = _race(calls)
    assert len(results) == 1 and [e.code for e in errors] == ["cases.already_extended"]
    assert Extension.objects.filter(case=accepted).count() == 1
    assert Case.objects.get(pk=accepted.pk).extension_workdays == 10
