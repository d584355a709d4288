"""即办件: received, accepted and concluded in one sitting by a clerk or a chief under delegation."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from govhall.cases.models import Case, CaseEvent, CaseStep, Notice, SealUse
from govhall.cases.services import case_handle_instant
from govhall.core.errors import DomainError
from govhall.org.models import Role
from tests.cases import factories as f
from tests.org import factories as org

pytestmark = pytest.mark.django_db
FUTURE = dt.date(2099, 12, 31)


@pytest.fixture
def instant(db):
    return f.item(code="11510100MB0000001X-201", name="个体工商户名称变更登记", case_kind=1,
                  promised_limit=Decimal("0"))  # fmt: skip


@pytest.fixture
def handler(instant):
    return org.staff(role=Role.CLERK, dept=instant.department).user


def chief_of(item, *, days: int = 30):
    staff = org.staff(role=Role.CHIEF, dept=item.department)
    today = timezone.localdate()
    org.delegation(staff, valid_from=today, valid_to=today + dt.timedelta(days=days))
    return staff.user


def kwargs(item, actor, **extra) -> dict:
    data = {"item": item, "site": org.centre(), "applicant_name": "张三", "applicant_id_number": f.ric(),
            "result_code": 0, "certificate_no": "GT2026001", "certificate_valid_until": FUTURE, "actor": actor}  # fmt: skip
    return data | extra


def counts() -> dict:
    return f.counts() | {m.__name__: m.objects.count() for m in (Notice, SealUse, CaseStep)}


def refused(call, code: str, words: str = ""):
    before = counts()
    with pytest.raises(DomainError) as err:
        call()
    assert err.value.code == code, (err.value.code, err.value.message)
    assert words in err.value.message, err.value.message
    assert counts() == before


def test_a_clerk_issues_the_certificate_in_one_sitting(instant, handler):
    case = case_handle_instant(**kwargs(instant, handler))
    assert (case.state, case.report_status, case.decision, case.result_code) == (
        "concluded",
        11,
        "approve",
        0,
    )
    assert case.certificate_no == "GT2026001" and len(case.query_password) == 6
    assert case.accepted_at is not None and case.clock_stopped_at == case.concluded_at
    assert case.delivery_due_at is not None and case.delivery_due_at > case.concluded_at  # 行政许可法 Art. 44
    events = list(CaseEvent.objects.filter(case=case).order_by("id").values_list("action", "report_status"))
    assert events == [("submit", 1), ("accept", 3), ("conclude", 11)]
    assert sorted(Notice.objects.filter(case=case).values_list("kind", flat=True)) == [
        "acceptance",
        "conclusion",
    ]
    assert not CaseStep.objects.filter(case=case).exists()  # decided on the spot: no processing steps


def test_not_permitted_with_a_reason(instant, handler):
    case = case_handle_instant(**kwargs(instant, handler, result_code=1, reason="名称与已登记名称近似"))
    assert (case.state, case.report_status, case.decision, case.result_reason) == (
        "concluded", 13, "reject", "名称与已登记名称近似"
    )  # fmt: skip
    assert case.delivery_due_at is None


def test_a_chief_with_a_decide_delegation_seals_the_conclusion(instant):
    chief = chief_of(instant)
    case = case_handle_instant(**kwargs(instant, chief))
    use = SealUse.objects.get(case=case)
    assert (use.document, use.staff.user, use.notice.kind) == ("办结通知书", chief, "conclusion")


def test_a_chief_with_an_expired_delegation_writes_nothing(instant):
    chief = chief_of(instant, days=10)
    with time_machine.travel(timezone.now() + dt.timedelta(days=20)):
        refused(lambda: case_handle_instant(**kwargs(instant, chief)), "cases.delegation_missing", "授权")
    assert not Case.objects.exists()


def test_a_promised_item_cannot_be_handled_instantly(handler):
    promised = f.item()
    refused(lambda: case_handle_instant(**kwargs(promised, handler)), "cases.not_instant", "承诺件")


BAD = [
    ("no certificate", {"certificate_no": " "}, "cases.certificate_no", "证照编号"),
    (
        "past validity",
        {"certificate_valid_until": dt.date(2020, 1, 1)},
        "cases.certificate_valid_until",
        "有效期",
    ),
    ("refusal without reason", {"result_code": 1}, "cases.reason_required", "理由"),
    ("forwarded", {"result_code": 4, "reason": "转报"}, "cases.result_code", "即办件"),
    ("bad ID", {"applicant_id_number": "110105194912310021"}, "cases.applicant_id", "身份证"),
]


@pytest.mark.parametrize(("label", "change", "code", "words"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_writes_nothing(instant, handler, label, change, code, words):
    refused(lambda: case_handle_instant(**kwargs(instant, handler, **change)), code, words)


def test_only_staff_in_scope(instant):
    outsider = org.staff(role=Role.CLERK).user  # another department's window
    approver = org.staff(role=Role.APPROVER, dept=instant.department).user
    refused(lambda: case_handle_instant(**kwargs(instant, outsider)), "cases.out_of_scope", "范围")
    refused(lambda: case_handle_instant(**kwargs(instant, approver)), "org.forbidden")
    zhang_san = org.applicant("zhang_san")
    refused(lambda: case_handle_instant(**kwargs(instant, zhang_san)), "org.forbidden")


def test_a_window_of_another_site_is_refused(instant, handler):
    window = org.window(site=org.township(), dept=instant.department)
    refused(
        lambda: case_handle_instant(**kwargs(instant, handler, window=window)), "cases.window_site", "窗口"
    )


def test_a_retried_key_returns_the_first_case(instant, handler):
    first = case_handle_instant(**kwargs(instant, handler, idempotency_key="instant-1"))
    again = case_handle_instant(**kwargs(instant, handler, idempotency_key="instant-1"))
    assert again.pk == first.pk and Case.objects.count() == 1
    assert CaseEvent.objects.filter(case=first).count() == 3
