"""Intake decisions (行政许可法 Art. 32): one test per transition and per bad input."""

import pytest

from govhall.cases import clocks
from govhall.cases.models import Case, CaseEvent, SupplementNotice
from govhall.cases.services import (
    case_accept,
    case_refuse,
    case_request_supplement,
    case_supplement_received,
    case_withdraw,
)
from govhall.cases.states import allowed_actions
from govhall.core.errors import DomainError
from govhall.core.models import AuditEvent
from tests.cases import factories as f

pytestmark = pytest.mark.django_db


def _last(case, action):
    event = CaseEvent.objects.filter(case=case, action=action).get()
    audit = AuditEvent.objects.filter(action=f"cases.{action}", object_id=str(case.pk)).get()
    return event, audit


def test_accept_starts_the_clocks(received, clerk):
    case = case_accept(case=received, actor=clerk)
    assert (case.state, case.report_status) == ("accepted", 3)
    assert case.accepted_at is not None and case.acceptance_deadline is None
    assert case.legal_due_at > case.promised_due_at > case.accepted_at
    event, audit = _last(case, "accept")
    assert (event.from_state, event.to_state, event.actor) == ("submitted", "accepted", clerk)
    assert event.clock_effect["legal_due_at"] == case.legal_due_at.isoformat()
    assert audit.before["state"] == "submitted" and audit.after["state"] == "accepted"


def test_refuse_with_reason(received, clerk):
    case = case_refuse(case=received, reason="不属于本机关职权范围", actor=clerk)
    assert (case.state, case.report_status, case.acceptance_deadline) == ("refused", 4, None)
    event, _audit = _last(case, "refuse")
    assert event.note == "不属于本机关职权范围"


def test_refuse_without_reason_changes_nothing(received, clerk):
    before = f.counts()
    with pytest.raises(DomainError) as err:
        case_refuse(case=received, reason="  ", actor=clerk)
    assert err.value.code == "cases.reason_required" and "理由" in err.value.message
    assert f.counts() == before
    assert Case.objects.get(pk=received.pk).state == "submitted"


def test_request_supplement_lists_every_material(received, clerk):
    case = case_request_supplement(
        case=received, materials=["营业执照复印件", " 申请书 ", "申请书"], actor=clerk
    )
    assert (case.state, case.report_status, case.acceptance_deadline) == ("supplement_requested", 6, None)
    assert SupplementNotice.objects.get(case=case).items == ["营业执照复印件", "申请书"]
    _last(case, "request_supplement")


def test_empty_material_list_changes_nothing(received, clerk):
    before = f.counts()
    with pytest.raises(DomainError) as err:
        case_request_supplement(case=received, materials=["", "  "], actor=clerk)
    assert err.value.code == "cases.materials_required" and "材料" in err.value.message
    assert f.counts() == before


def test_second_one_time_notice_is_refused(received, clerk):
    case = case_request_supplement(case=received, materials=["申请书"], actor=clerk)
    case = case_supplement_received(case=case, actor=clerk)
    before = f.counts()
    with pytest.raises(DomainError) as err:
        case_request_supplement(case=case, materials=["身份证复印件"], actor=clerk)
    assert err.value.code == "cases.second_notice" and "一次" in err.value.message
    assert f.counts() == before
    assert Case.objects.get(pk=case.pk).state == "submitted"


def test_supplement_received_restarts_the_acceptance_window(received, clerk):
    case = case_request_supplement(case=received, materials=["申请书"], actor=clerk)
    case = case_supplement_received(case=case, actor=clerk)
    assert (case.state, case.report_status) == ("submitted", 7)
    event, _audit = _last(case, "supplement_received")
    assert case.acceptance_deadline == clocks.acceptance_deadline(event.at)


def test_withdraw_before_acceptance(received, zhang_san, item, clerk):
    case = case_withdraw(case=received, actor=clerk, reason="申请人主动撤回")
    assert (case.state, case.report_status) == ("withdrawn", 2)


def test_withdraw_after_acceptance_by_the_applicant(zhang_san, item, clerk):
    from govhall.cases.online import case_pre_review
    from govhall.cases.services import case_submit
    from tests.org import factories as org

    case = case_submit(**f.submit_kwargs(item, zhang_san, channel="online", applicant=zhang_san))
    reviewer = org.staff(dept=item.department).user  # online filings pass the item's pre-review first
    case = case_pre_review(case=case, passed=True, actor=reviewer)
    case = case_accept(case=case, actor=clerk)
    case = case_withdraw(case=case, actor=zhang_san)
    assert (case.state, case.report_status) == ("withdrawn", 14)
    _last(case, "withdraw")


def test_withdraw_by_a_stranger_changes_nothing(received, zhang_san):
    before = f.counts()
    with pytest.raises(DomainError) as err:
        case_withdraw(case=received, actor=zhang_san)
    assert err.value.code == "cases.forbidden" and "撤回" in err.value.message
    assert f.counts() == before


def test_accepting_twice_is_an_illegal_transition(received, clerk):
    case_accept(case=received, actor=clerk)
    before = f.counts()
    with pytest.raises(DomainError) as err:
        case_accept(case=received, actor=clerk)  # a stale object: the locked row is checked
    assert err.value.code == "cases.illegal_transition" and err.value.http_status == 409
    assert "已受理" in err.value.message and "受理" in err.value.message
    assert err.value.extra["state"] == "accepted"
    assert err.value.extra["allowed_actions"] == allowed_actions("accepted")
    assert f.counts() == before


def test_refused_case_cannot_move(received, clerk):
    case_refuse(case=received, reason="材料虚假", actor=clerk)
    assert allowed_actions("refused") == []
    with pytest.raises(DomainError) as err:
        case_withdraw(case=received, actor=clerk)
    assert err.value.code == "cases.illegal_transition" and "无" in err.value.message


def test_applicant_cannot_accept(received, zhang_san):
    before = f.counts()
    with pytest.raises(DomainError) as err:
        case_accept(case=received, actor=zhang_san)
    assert err.value.code == "org.forbidden"
    assert f.counts() == before


def test_the_system_only_deemed_acceptance_is_never_offered():
    assert "deem_accept" not in allowed_actions("submitted")
    assert "accept" in allowed_actions("submitted")
