"""容缺受理 (tolerant acceptance) and 告知承诺 (commitment in lieu of proof): acceptance, keeping or
breaking the undertaking, and the sweep that ends or revokes the case when the deadline passes."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from govhall.cases import decisions, moves, services, undertakings
from govhall.cases.models import Case, CaseEvent, Notice, Undertaking
from govhall.core import workdays
from govhall.core.errors import DomainError
from govhall.core.models import OutboxMessage
from govhall.core.personal import user_set_identity
from govhall.org.models import Role
from tests.cases import factories as f
from tests.org import factories as org

pytestmark = pytest.mark.django_db
TZ = timezone.get_current_timezone()
FUTURE = dt.date(2099, 12, 31)
OPTIONAL = "食品安全管理制度文本"  # a non-main material of the test item (tests/catalog/factories.py)


def at(day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, tzinfo=TZ)  # 2026-11-23 is a Monday


@pytest.fixture
def item(db):
    return f.item(tolerant=True, commitment=True, promised_limit=Decimal("5"))


@pytest.fixture
def handler(item):
    return org.staff(role=Role.CLERK, dept=item.department).user


@pytest.fixture
def zhang_san(db):
    user = org.applicant("zhang_san")
    return user_set_identity(user=user, real_name="张三", id_number=f.ric(), mobile="13800138000")


@pytest.fixture
def received(item, handler, zhang_san):
    with time_machine.travel(at(23), tick=False):
        return services.case_submit(**f.submit_kwargs(item, handler, applicant=zhang_san))


def tolerant(case, handler, *, days=3, when=None):
    with time_machine.travel(when or at(23, 11), tick=False):
        return services.case_accept_tolerant(case=case, owed=[OPTIONAL], undertaking_text="本人承诺3个工作日内补齐",
                                             deadline_workdays=days, actor=handler)  # fmt: skip


def counts() -> dict:
    return f.counts() | {m.__name__: m.objects.count() for m in (Notice, Undertaking, OutboxMessage)}


def refused(call, code: str, words: str = "", *, case):
    before, state = counts(), Case.objects.get(pk=case.pk).state
    with pytest.raises(DomainError) as err:
        call()
    assert err.value.code == code, (err.value.code, err.value.message)
    assert words in err.value.message, err.value.message
    assert counts() == before and Case.objects.get(pk=case.pk).state == state
    return err.value


def decide(case):
    with transaction.atomic():
        case = moves.locked(case)
        return moves.move(
            case, action="decide", actor=None, clock_step=lambda c, when: setattr(c, "decision", "approve")
        )


# --- tolerant acceptance ---------------------------------------------------------------------------


def test_tolerant_acceptance_records_the_undertaking(received, handler):
    case = tolerant(received, handler)
    assert (case.state, case.report_status, case.acceptance_mode) == ("accepted", 3, "tolerant")
    undertaking = Undertaking.objects.get(case=case)
    assert (undertaking.kind, undertaking.owed, undertaking.state) == ("tolerant", [OPTIONAL], "open")
    assert undertaking.deadline == workdays.due_instant(at(23, 11), 3, "workday")
    facts = Notice.objects.get(case=case, kind="acceptance").data
    assert (facts["acceptance_mode"], facts["owed"]) == ("tolerant", [OPTIONAL])
    event = CaseEvent.objects.get(case=case, action="accept_tolerant")
    assert (event.report_status, event.note) == (3, OPTIONAL)


def test_a_main_material_cannot_be_owed(received, handler):
    err = refused(lambda: services.case_accept_tolerant(case=received, owed=[OPTIONAL, "营业执照复印件"],
                  undertaking_text="承诺", deadline_workdays=3, actor=handler), "cases.main_material_owed",
                  "营业执照复印件", case=received)  # fmt: skip
    assert OPTIONAL not in err.message


BAD_TOLERANT = [
    ("no owed", {"owed": [" "]}, "cases.owed_required", "材料"),
    ("no undertaking", {"undertaking_text": ""}, "cases.undertaking_required", "承诺"),
    (
        "beyond the promised limit",
        {"deadline_workdays": 6},
        "cases.undertaking_deadline",
        "承诺时限（5工作日）",
    ),
    ("zero days", {"deadline_workdays": 0}, "cases.undertaking_deadline", "大于0"),
    ("junk days", {"deadline_workdays": "abc"}, "cases.undertaking_deadline", "工作日"),
]


@pytest.mark.parametrize(("label", "change", "code", "words"), BAD_TOLERANT, ids=[b[0] for b in BAD_TOLERANT])
def test_bad_tolerant_acceptance_changes_nothing(received, handler, label, change, code, words):
    kwargs = {"owed": [OPTIONAL], "undertaking_text": "承诺", "deadline_workdays": 3} | change
    refused(
        lambda: services.case_accept_tolerant(case=received, actor=handler, **kwargs),
        code,
        words,
        case=received,
    )


def test_only_tolerant_items_accept_tolerantly(handler):
    plain = f.item(code="11510100MB0000001X-101", name="普通事项")
    case = services.case_submit(**f.submit_kwargs(plain, handler))
    refused(lambda: services.case_accept_tolerant(case=case, owed=[OPTIONAL], undertaking_text="承诺",
            deadline_workdays=1, actor=handler), "cases.not_tolerant", "容缺", case=case)  # fmt: skip
    refused(lambda: services.case_accept_commitment(case=case, undertaking_text="承诺", actor=handler),
            "cases.not_commitment", "告知承诺", case=case)  # fmt: skip


def listed(id_digest: str) -> bool:
    return True  # the test's dishonesty list holds everybody


def test_applicants_on_the_dishonesty_list_are_refused(received, handler, settings):
    settings.GOVHALL_DISHONESTY_CHECK = "tests.cases.test_tolerant.listed"
    refused(lambda: services.case_accept_tolerant(case=received, owed=[OPTIONAL], undertaking_text="承诺",
            deadline_workdays=1, actor=handler), "cases.dishonest", "失信", case=received)  # fmt: skip


def test_an_applicant_cannot_accept_their_own_case(received, zhang_san):
    refused(lambda: services.case_accept_tolerant(case=received, owed=[OPTIONAL], undertaking_text="承诺",
            deadline_workdays=1, actor=zhang_san), "org.forbidden", case=received)  # fmt: skip


# --- keeping the undertaking -------------------------------------------------------------------------


def test_fulfilling_closes_the_undertaking_and_conclusion_reports_11(received, handler):
    case = tolerant(received, handler)
    undertaking = undertakings.undertaking_fulfil(case=case, actor=handler, note="已补交")
    assert (undertaking.state, undertaking.closed_by) == ("fulfilled", handler)
    event = CaseEvent.objects.get(case=case, action="undertaking_fulfil")
    assert (event.from_state, event.to_state, event.report_status) == ("accepted", "accepted", 3)
    refused(
        lambda: undertakings.undertaking_fulfil(case=case, actor=handler),
        "cases.undertaking_closed",
        case=case,
    )
    case = decisions.case_conclude(case=decide(case), result_code=0, certificate_no="X1",
                                   certificate_valid_until=FUTURE, actor=handler)  # fmt: skip
    assert case.report_status == 11


def test_concluding_while_materials_are_owed_reports_12(received, handler):
    case = decisions.case_conclude(case=decide(tolerant(received, handler)), result_code=0, certificate_no="X1",
                                   certificate_valid_until=FUTURE, actor=handler)  # fmt: skip
    assert (case.state, case.report_status) == ("concluded", 12)


def test_fulfil_needs_a_tolerant_undertaking_and_scope(received, handler):
    refused(
        lambda: undertakings.undertaking_fulfil(case=received, actor=handler),
        "cases.no_undertaking",
        case=received,
    )
    case = tolerant(received, handler)
    stranger = org.staff(role=Role.CLERK).user  # a clerk of another department
    refused(
        lambda: undertakings.undertaking_fulfil(case=case, actor=stranger), "cases.out_of_scope", case=case
    )


# --- the sweep: a missed deadline ends or revokes the case ---------------------------------------------


def test_missed_deadline_ends_the_case_with_result_5(received, handler, zhang_san):
    case = tolerant(received, handler)  # deadline: the end of Thursday 26 Nov
    deadline = Undertaking.objects.get(case=case).deadline
    assert undertakings.cases_expire_undertakings(now=deadline - dt.timedelta(minutes=1)) == 0
    with time_machine.travel(deadline + dt.timedelta(minutes=1), tick=False):
        out = StringIO()
        call_command("cases_sweep", stdout=out)
    assert "undertakings expired: 1" in out.getvalue()
    case.refresh_from_db()
    assert (case.state, case.report_status, case.result_code) == ("concluded", 13, 5)
    assert case.clock_stopped_at is not None and "欠交" in case.result_reason
    event = CaseEvent.objects.get(case=case, action="expire")
    assert (event.actor, event.report_status) == (None, 13)
    assert Notice.objects.get(case=case, kind="conclusion").data["result_code"] == 5
    assert Undertaking.objects.get(case=case).state == "expired"
    assert undertakings.cases_expire_undertakings(now=deadline + dt.timedelta(days=9)) == 0  # idempotent


def test_missed_deadline_after_approval_revokes(received, handler):
    case = decisions.case_conclude(case=decide(tolerant(received, handler)), result_code=0, certificate_no="X1",
                                   certificate_valid_until=FUTURE, actor=handler)  # fmt: skip
    assert case.report_status == 12
    deadline = Undertaking.objects.get(case=case).deadline
    assert undertakings.cases_expire_undertakings(now=deadline + dt.timedelta(minutes=1)) == 1
    case.refresh_from_db()
    assert (case.state, case.report_status) == ("revoked", 15)
    assert CaseEvent.objects.get(case=case, action="revoke").actor is None


def test_fulfilled_or_withdrawn_cases_are_left_alone(received, handler, zhang_san):
    case = tolerant(received, handler)
    undertakings.undertaking_fulfil(case=case, actor=handler)
    other = services.case_submit(**f.submit_kwargs(case.item, handler, applicant=zhang_san))
    other = tolerant(other, handler, when=timezone.now())
    services.case_withdraw(case=other, actor=zhang_san)
    assert undertakings.cases_expire_undertakings(now=timezone.now() + dt.timedelta(days=30)) == 0
    assert Case.objects.get(pk=case.pk).state == "accepted"


# --- commitment in lieu of proof ----------------------------------------------------------------------


def test_commitment_acceptance_and_a_true_verification(received, handler):
    case = services.case_accept_commitment(
        case=received, undertaking_text="本人承诺已取得场地使用权", actor=handler
    )
    assert (case.state, case.report_status, case.acceptance_mode) == ("accepted", 3, "commitment")
    undertaking = Undertaking.objects.get(case=case)
    assert (undertaking.kind, undertaking.deadline) == ("commitment", None)
    assert Notice.objects.get(case=case, kind="acceptance").data["commitment"] == "本人承诺已取得场地使用权"
    case = undertakings.commitment_verify(case=case, truthful=True, note="核查属实", actor=handler)
    assert case.state == "accepted" and Undertaking.objects.get(case=case).state == "fulfilled"
    assert CaseEvent.objects.filter(case=case, action="commitment_verify").count() == 1


def test_a_false_commitment_revokes_with_an_sms(received, handler):
    case = services.case_accept_commitment(case=received, undertaking_text="承诺", actor=handler)
    refused(lambda: undertakings.commitment_verify(case=case, truthful=False, note=" ", actor=handler),
            "cases.reason_required", case=case)  # fmt: skip
    case = undertakings.commitment_verify(case=case, truthful=False, note="场地系租赁且已到期", actor=handler)
    assert (case.state, case.report_status) == ("revoked", 15)
    assert case.clock_stopped_at is not None
    assert Undertaking.objects.get(case=case).state == "false"
    sms = OutboxMessage.objects.get(kind="sms", topic="case_revoked")
    assert "场地系租赁且已到期" in sms.payload["text"] and sms.payload["mobile"] == "13800138000"


def test_a_tolerant_undertaking_is_not_a_commitment(received, handler):
    case = tolerant(received, handler)
    refused(lambda: undertakings.commitment_verify(case=case, truthful=True, note="", actor=handler),
            "cases.no_undertaking", case=case)  # fmt: skip
