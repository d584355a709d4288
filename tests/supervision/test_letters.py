"""The supervision recommendation letter (监察建议书): only for a unit graded 不合格, by a supervisor,
audited, and its PDF read back with pdftotext (unit, period, figures, deficiencies, rectification,
reply deadline)."""

import subprocess

import pytest
import time_machine
from django.conf import settings

from govhall.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from govhall.core.models import AuditEvent
from govhall.org.models import Role
from govhall.supervision import letters
from tests.catalog import factories as cat
from tests.org import factories as org
from tests.supervision.test_grading import at, build_graded

pytestmark = pytest.mark.django_db


@pytest.fixture
def graded(db):
    return build_graded()


@pytest.fixture
def supervisor(db):
    return org.staff(role=Role.SUPERVISOR, dept=cat.department("JCS", "监察室"), name="周监察").user


def pdf_text(pdf: bytes, tmp_path) -> str:
    assert pdf.startswith(b"%PDF-")
    path = tmp_path / "letter.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout
    return "".join(text.split())


def issue(graded, supervisor, level="department", unit_id=None):
    with time_machine.travel(at(12, 1, 9), tick=False):  # Tue 1 Dec; + 10 working days → Tue 15 Dec
        unit_id = unit_id if unit_id is not None else graded.a.department.pk
        return letters.letter_issue(period="2026Q4", level=level, unit_id=unit_id, actor=supervisor)


def test_the_letter_prints_unit_period_figures_deficiencies_rectification_and_deadline(
    graded, supervisor, tmp_path
):
    letter = issue(graded, supervisor)
    text = pdf_text(letters.letter_pdf(letter), tmp_path)
    expected = [
        settings.GOVHALL_CENTRE_NAME, "监察建议书", f"监建〔2026Q4〕BM{graded.a.department.pk:03d}号",
        "甲局：", "2026年第四季度", "2026年10月1日至2026年12月31日",
        "办结件数3", "按时办结率66.67%（超期办结1件）", "4.50个工作日（承诺时限平均5.00个工作日）",
        "黄牌/红牌0/0", "52.7/不合格", "合格线60分",
        "按时办结率66.67%，超承诺时限办结1件。", "平均办理用时4.50个工作日，承诺时限平均5.00个工作日，提速不足。",
        "逐件核查超期和预警办件的原因", "10个工作日内，将整改措施和整改结果书面回复中心电子监察室",
        "请于2026年12月15日前书面回复整改情况", "2026年12月1日", "电子监察室",
    ]  # fmt: skip
    missing = [word for word in expected if word not in text]
    assert not missing, (missing, text)
    assert letter.reply_due_at == at(12, 16)  # 24:00 of Tue 15 Dec
    assert letter.filename == f"jianchajianyi-2026Q4-department-{graded.a.department.pk}.pdf"


def test_issuing_is_audited_with_the_figures(graded, supervisor):
    letter = issue(graded, supervisor)
    event = AuditEvent.objects.get(action="supervision.letter_issue")
    assert (event.actor_id, event.object_id, event.success) == (
        supervisor.pk,
        str(graded.a.department.pk),
        True,
    )
    assert event.detail["number"] == letter.number and event.after["score"] == "52.7"


def test_the_reply_deadline_is_a_setting(graded, supervisor, settings):
    settings.GOVHALL_GRADE_LETTER_REPLY_WORKDAYS = 5
    letter = issue(graded, supervisor)
    assert letter.reply_due_at == at(12, 9)  # 24:00 of Tue 8 Dec
    assert letter.rectification[-1].startswith("自收到本建议书之日起5个工作日内")


def test_a_unit_that_passed_gets_no_letter(graded, supervisor):
    before = AuditEvent.objects.filter(action="supervision.letter_issue").count()
    with pytest.raises(Conflict) as err:
        issue(graded, supervisor, unit_id=graded.b.department.pk)
    assert err.value.code == "supervision.letter_not_failing" and "优秀" in err.value.message
    assert AuditEvent.objects.filter(action="supervision.letter_issue").count() == before


def test_an_ungraded_unit_or_a_person_gets_no_letter(graded, supervisor):
    with pytest.raises(NotFound):
        issue(graded, supervisor, unit_id=999_999)
    with pytest.raises(ValidationFailed) as err:
        issue(graded, supervisor, level="person", unit_id=graded.a.approver.pk)
    assert err.value.code == "supervision.letter_level"
    with pytest.raises(ValidationFailed) as err:
        letters.letter_issue(period="2026Q9", level="department", unit_id=1, actor=supervisor)
    assert err.value.code == "supervision.bad_period"
    assert not AuditEvent.objects.filter(action="supervision.letter_issue", success=True).exists()


@pytest.mark.parametrize("role", [Role.CLERK, Role.MANAGER, Role.APPROVER])
def test_only_a_supervisor_issues_letters(graded, role):
    other = org.staff(role=role).user
    with pytest.raises(PermissionDenied):
        issue(graded, other)
    assert not AuditEvent.objects.filter(action="supervision.letter_issue", success=True).exists()


def test_a_failing_window_letter_goes_to_its_department(graded, supervisor, tmp_path):
    letter = issue(graded, supervisor, level="window", unit_id=graded.window.pk)
    assert letter.addressee.startswith("甲局（") and "A1号窗口" in letter.addressee
    text = pdf_text(letters.letter_pdf(letter), tmp_path)
    assert f"监建〔2026Q4〕CK{graded.window.pk:03d}号" in text and "窗口绩效考核得分52.7分" in text
