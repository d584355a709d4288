"""Online filing (drafts → pre-review → received) and market-day batches of agency filings."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from govhall.cases import clocks, online, services
from govhall.cases.models import Case, CaseDraft, CaseEvent, CaseFile
from govhall.core import workdays
from govhall.core.errors import DomainError
from govhall.core.models import OutboxMessage
from govhall.core.personal import user_set_identity
from govhall.org.models import Role
from tests.cases import factories as f
from tests.org import factories as org

pytestmark = pytest.mark.django_db
TZ = timezone.get_current_timezone()
FORM = {"经营场所": "七里市人民路1号", "经营项目": "预包装食品销售"}


@pytest.fixture
def item(db):
    org.centre()  # online filings are received at the centre when no window serves the item
    return f.item(pre_review_limit=Decimal("2"))


@pytest.fixture
def reviewer(item):
    return org.staff(role=Role.CLERK, dept=item.department).user


def person(username: str, body17: str, mobile: str):
    user = org.applicant(username)
    return user_set_identity(user=user, real_name="张三", id_number=f.ric(body17), mobile=mobile)


@pytest.fixture
def zhang_san(db):
    return person("zhang_san", "11010519491231002", "13800138000")


@pytest.fixture
def li_si(db):
    return person("li_si", "44030819900101123", "13912345678")


@pytest.fixture
def draft(zhang_san, item):
    return online.draft_save(applicant=zhang_san, item=item, data=FORM, actor=zhang_san)


@pytest.fixture
def filed(draft, zhang_san):
    with time_machine.travel(dt.datetime(2026, 11, 23, 10, tzinfo=TZ), tick=False):  # Monday
        return online.draft_submit(draft=draft, idempotency_key="web-1", actor=zhang_san)


def counts() -> dict:
    return f.counts() | {m.__name__: m.objects.count() for m in (CaseDraft, CaseFile, OutboxMessage)}


def refused(call, code: str, words: str = ""):
    before = counts()
    with pytest.raises(DomainError) as err:
        call()
    assert err.value.code == code, (err.value.code, err.value.message)
    assert words in err.value.message, err.value.message
    assert counts() == before
    return err.value


# --- drafts ------------------------------------------------------------------------------------------


def test_draft_saved_and_updated_by_its_applicant(draft, zhang_san, item):
    assert (draft.applicant, draft.data, draft.submitted_case) == (zhang_san, FORM, None)
    again = online.draft_save(applicant=zhang_san, item=item, data={"经营场所": "新址"}, draft=draft,
                                actor=zhang_san)  # fmt: skip
    assert again.pk == draft.pk and CaseDraft.objects.get(pk=draft.pk).data == {"经营场所": "新址"}


def test_drafts_belong_to_their_applicant(draft, li_si, item):
    refused(lambda: online.draft_save(applicant=li_si, item=item, data={}, draft=draft, actor=li_si),
            "cases.draft_forbidden", "本人")  # fmt: skip
    refused(lambda: online.draft_submit(draft=draft, actor=li_si), "cases.draft_forbidden", "本人")
    refused(lambda: online.draft_save(applicant=draft.applicant, item=item, data={}, actor=li_si),
            "cases.not_applicant")  # fmt: skip


def test_bad_drafts_change_nothing(zhang_san, item):
    offline = f.item(code="11510100MB0000001X-301", name="线下事项", online=False)
    refused(lambda: online.draft_save(applicant=zhang_san, item=item, data=["x"], actor=zhang_san),
            "cases.form_data", "格式")  # fmt: skip
    refused(lambda: online.draft_save(applicant=zhang_san, item=item, data={"x": "长" * 40000}, actor=zhang_san),
            "cases.form_too_large", "过长")  # fmt: skip
    refused(lambda: online.draft_save(applicant=zhang_san, item=offline, data={}, actor=zhang_san),
            "cases.not_online", "网上")  # fmt: skip


# --- submission ----------------------------------------------------------------------------------------


def test_submitting_a_draft_waits_for_pre_review(filed, draft, zhang_san):
    assert (filed.state, filed.report_status, filed.channel) == ("pre_review", 1, "online")
    assert (filed.applicant, filed.applicant_name, filed.form_data) == (zhang_san, "张三", FORM)
    assert filed.pre_review_due_at == workdays.due_instant(filed.received_at, 2, "workday")
    assert filed.acceptance_deadline is None and filed.accepted_at is None
    assert CaseDraft.objects.get(pk=draft.pk).submitted_case == filed
    event = CaseEvent.objects.get(case=filed)
    assert (event.action, event.to_state, event.report_status) == ("submit", "pre_review", 1)


def test_the_same_key_returns_the_same_case_another_key_is_refused(filed, draft, zhang_san):
    again = online.draft_submit(draft=draft, idempotency_key="web-1", actor=zhang_san)
    assert again.pk == filed.pk and Case.objects.count() == 1
    refused(lambda: online.draft_submit(draft=draft, idempotency_key="web-2", actor=zhang_san),
            "cases.draft_submitted", filed.number)  # fmt: skip
    refused(lambda: online.draft_save(applicant=zhang_san, item=draft.item, data={}, draft=draft, actor=zhang_san),
            "cases.draft_submitted")  # fmt: skip


def test_draft_files_follow_the_draft_into_the_case(draft, zhang_san, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from govhall.cases.files import case_file_attach
    from tests.core.test_uploads import pdf

    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("申请书.pdf", pdf(), content_type="application/pdf")
    row = case_file_attach(
        draft=draft, kind="material", material_name="申请书", upload=upload, actor=zhang_san
    )
    case = online.draft_submit(draft=draft, actor=zhang_san)
    assert CaseFile.objects.get(pk=row.pk).case == case


def test_items_without_pre_review_are_received_at_once(zhang_san):
    org.centre()
    direct = f.item(code="11510100MB0000001X-302", name="无需预审事项", pre_review_limit=Decimal("0"))
    draft = online.draft_save(applicant=zhang_san, item=direct, data={}, actor=zhang_san)
    case = online.draft_submit(draft=draft, actor=zhang_san)
    assert case.state == "submitted" and case.acceptance_deadline == clocks.acceptance_deadline(
        case.received_at
    )


# --- pre-review ------------------------------------------------------------------------------------------


def test_pre_review_pass_opens_the_acceptance_window(filed, reviewer):
    with time_machine.travel(dt.datetime(2026, 11, 24, 15, tzinfo=TZ), tick=False):
        case = online.case_pre_review(case=filed, passed=True, actor=reviewer)
    assert (case.state, case.report_status, case.pre_review_due_at) == ("submitted", 1, None)
    assert case.received_at == filed.received_at  # kept for reporting
    assert case.acceptance_deadline == clocks.acceptance_deadline(dt.datetime(2026, 11, 24, 15, tzinfo=TZ))
    assert OutboxMessage.objects.filter(kind="sms", topic="case_pre_review_passed").exists()


def test_pre_review_return_names_its_reasons(filed, reviewer):
    refused(lambda: online.case_pre_review(case=filed, passed=False, reasons=" ", actor=reviewer),
            "cases.reason_required", "理由")  # fmt: skip
    case = online.case_pre_review(case=filed, passed=False, reasons="营业执照照片不清晰", actor=reviewer)
    assert (case.state, case.report_status, case.pre_review_due_at) == ("pre_review_returned", 1, None)
    assert CaseEvent.objects.get(case=case, action="pre_review_return").note == "营业执照照片不清晰"
    sms = OutboxMessage.objects.get(kind="sms", topic="case_pre_review_returned")
    assert "营业执照照片不清晰" in sms.payload["text"] and sms.payload["mobile"] == "13800138000"


def test_pre_review_only_by_the_items_reviewers(filed, zhang_san):
    stranger = org.staff(role=Role.CLERK).user
    approver = org.staff(role=Role.APPROVER, dept=filed.item.department).user
    refused(
        lambda: online.case_pre_review(case=filed, passed=True, actor=stranger),
        "cases.out_of_scope",
        "范围",
    )
    refused(lambda: online.case_pre_review(case=filed, passed=True, actor=approver), "org.forbidden")
    refused(lambda: online.case_pre_review(case=filed, passed=True, actor=zhang_san), "org.forbidden")


def test_resubmission_by_the_applicant_only(filed, reviewer, zhang_san, li_si):
    case = online.case_pre_review(case=filed, passed=False, reasons="缺少签字", actor=reviewer)
    refused(lambda: online.case_resubmit(case=case, actor=li_si), "cases.not_applicant", "本人")
    refused(lambda: online.case_resubmit(case=case, form_data="x", actor=zhang_san), "cases.form_data")
    with time_machine.travel(dt.datetime(2026, 11, 25, 9, tzinfo=TZ), tick=False):
        case = online.case_resubmit(case=case, form_data=FORM | {"签字": "张三"}, actor=zhang_san)
    assert (case.state, case.report_status, case.form_data["签字"]) == ("pre_review", 1, "张三")
    assert case.pre_review_due_at == workdays.due_instant(
        dt.datetime(2026, 11, 25, 9, tzinfo=TZ), 2, "workday"
    )
    err = refused(lambda: online.case_resubmit(case=case, actor=zhang_san), "cases.illegal_transition")
    assert err.extra["state"] == "pre_review"


def test_the_applicant_may_withdraw_during_pre_review(filed, zhang_san):
    case = services.case_withdraw(case=filed, actor=zhang_san)
    assert (case.state, case.report_status, case.pre_review_due_at) == ("withdrawn", 2, None)


# --- market-day batches of agency filings ---------------------------------------------------------------


def filing(item, station, body17: str, **extra) -> dict:
    return {"item": item, "site": station, "applicant_name": "王五", "applicant_id_number": f.ric(body17),
            "consent_recorded_at": timezone.now()} | extra  # fmt: skip


def test_a_batch_files_every_case_at_once(item):
    agent, station = f.agent()
    batch = [filing(item, station, f"5101051960010100{i}") for i in range(3)]
    cases = services.agency_batch_submit(filings=batch, actor=agent)
    assert [c.state for c in cases] == ["submitted"] * 3 and all(len(c.query_password) == 6 for c in cases)
    assert {(c.agent, c.channel, c.site) for c in cases} == {(agent, "agency", station)}
    assert len({c.number for c in cases}) == 3


def test_one_bad_filing_refuses_the_whole_batch(item):
    agent, station = f.agent()
    batch = [filing(item, station, "51010519600101001"), filing(item, station, "51010519600101002",
             consent_recorded_at=None), filing(item, station, "51010519600101003")]  # fmt: skip
    err = refused(
        lambda: services.agency_batch_submit(filings=batch, actor=agent), "cases.consent_missing", "第2件"
    )
    assert err.extra["index"] == 1


def test_batches_only_by_agents_with_known_fields(item, reviewer):
    agent, station = f.agent()
    refused(lambda: services.agency_batch_submit(filings=[filing(item, station, "51010519600101001")],
            actor=reviewer), "org.forbidden")  # fmt: skip
    refused(lambda: services.agency_batch_submit(filings=[], actor=agent), "cases.batch_size", "1至50")
    refused(lambda: services.agency_batch_submit(filings=[filing(item, station, "51010519600101001", agent=reviewer)],
            actor=agent), "cases.batch_field", "第1件")  # fmt: skip


def test_a_retried_batch_returns_the_same_cases(item):
    agent, station = f.agent()
    batch = [filing(item, station, "51010519600101001", idempotency_key="market-1")]
    first = services.agency_batch_submit(filings=batch, actor=agent)
    again = services.agency_batch_submit(filings=batch, actor=agent)
    assert [c.pk for c in again] == [c.pk for c in first] and Case.objects.count() == 1
