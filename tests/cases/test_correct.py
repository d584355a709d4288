"""当场更正 (行政许可法 Art. 32(3)): an error corrected on the spot keeps the case received."""

import pytest

from govhall.cases.models import Case, CaseEvent
from govhall.cases.permissions import case_allowed_actions
from govhall.cases.services import case_accept, case_correct
from govhall.core.errors import DomainError
from govhall.core.models import AuditEvent
from tests.cases import factories as f
from tests.org import factories as org


def test_a_correction_is_recorded_and_the_case_stays_received(received, clerk):
    deadline = received.acceptance_deadline
    case = case_correct(case=received, corrections="申请表联系电话笔误，申请人当场改正并签名", actor=clerk)
    assert (case.state, case.report_status, case.acceptance_deadline) == ("submitted", 1, deadline)
    event = CaseEvent.objects.get(case=case, action="correct")
    assert (event.from_state, event.to_state, event.actor) == ("submitted", "submitted", clerk)
    assert "笔误" in event.note
    assert AuditEvent.objects.filter(action="cases.correct", object_id=str(case.pk)).count() == 1
    assert "correct" in case_allowed_actions(case=case, user=clerk)


def test_a_corrected_applicant_name_is_saved_and_audited_masked(received, clerk):
    case_correct(case=received, corrections="姓名错字", applicant_name="张叁", actor=clerk)
    assert Case.objects.get(pk=received.pk).applicant_name == "张叁"
    audit = AuditEvent.objects.get(action="cases.correct_applicant_name")
    assert (audit.before, audit.after) == ({"applicant_name": "张*"}, {"applicant_name": "张*"})


@pytest.mark.parametrize("kwargs", [{"corrections": "  "}, {"corrections": "改", "applicant_name": " "}])
def test_a_correction_without_content_changes_nothing(received, clerk, kwargs):
    before = f.counts()
    with pytest.raises(DomainError) as err:
        case_correct(case=received, actor=clerk, **kwargs)
    assert err.value.http_status == 400 and err.value.code.startswith("cases.")
    assert f.counts() == before and Case.objects.get(pk=received.pk).applicant_name == "张三"


def test_after_acceptance_a_correction_is_an_illegal_move(received, clerk):
    case_accept(case=received, actor=clerk)
    before = f.counts()
    with pytest.raises(DomainError) as err:
        case_correct(case=received, corrections="改", actor=clerk)
    assert err.value.code == "cases.illegal_transition" and f.counts() == before


def test_only_window_staff_correct(received):
    applicant = org.applicant("li_si")
    before = f.counts()
    with pytest.raises(DomainError) as err:
        case_correct(case=received, corrections="改", actor=applicant)
    assert err.value.http_status == 403 and f.counts() == before
