"""Notices (告知书 / 回执): issued as frozen rows, rendered to PDF on demand and read back with pdftotext."""

import datetime as dt
import subprocess
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.template.loader import render_to_string

from govhall.cases.models import Case, Notice
from govhall.cases.notices import lookup_url, notice_context, notice_filename, notice_issue, notice_pdf
from govhall.cases.services import case_accept, case_submit
from tests.cases import factories as f

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
SEAL = "市场监督管理局行政审批专用章"
# Accepted Monday 2026-11-23: the promised 5 and legal 20 working days end at 24:00 of these days.
PROMISED_DUE = "2026年11月30日"
LEGAL_DUE = "2026年12月21日"


@pytest.fixture
def received(clerk, item):
    with time_machine.travel(dt.datetime(2026, 11, 20, 10, tzinfo=TZ), tick=False):  # a Friday
        return case_submit(**f.submit_kwargs(item, clerk))


@pytest.fixture
def accepted(received, clerk):
    with time_machine.travel(dt.datetime(2026, 11, 23, 9, 30, tzinfo=TZ), tick=False):
        case = case_accept(case=received, actor=clerk)
    assert case.promised_due_at == dt.datetime(2026, 12, 1, tzinfo=TZ)  # 24:00 of 11-30
    assert case.legal_due_at == dt.datetime(2026, 12, 22, tzinfo=TZ)  # 24:00 of 12-21
    return case


def issue(case, kind, data=None, clerk=None):
    return notice_issue(
        case=case, kind=kind, actor=clerk, data=data, at=dt.datetime(2026, 11, 26, 15, tzinfo=TZ)
    )


def pdf_text(pdf: bytes, tmp_path) -> str:
    """The PDF's text with all white space removed (table cells and wrapped lines rejoin)."""
    assert pdf.startswith(b"%PDF-")
    path = tmp_path / "notice.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout
    return "".join(text.split())


def assert_common(text: str, notice: Notice, case: Case, *, due: bool = True) -> None:
    expected = [
        settings.GOVHALL_CENTRE_NAME,
        str(Notice.Kind(notice.kind).label),
        notice.number,
        case.number,
        "食品经营许可证核发",
        "张三",
        "2026年11月20日",  # received
        SEAL,
        "2026年11月26日",  # issued: beside the seal
        lookup_url(case),
    ]
    if due:
        expected += ["2026年11月23日", PROMISED_DUE, LEGAL_DUE]
    for value in expected:
        assert value in text, value


def test_tolerant_acceptance_notice(accepted, clerk, tmp_path):
    data = {"acceptance_mode": "tolerant", "owed": ["食品安全管理制度文本"],
            "undertaking_deadline": dt.datetime(2026, 11, 28, tzinfo=TZ).isoformat()}  # fmt: skip
    notice = issue(accepted, Notice.Kind.ACCEPTANCE, data, clerk)
    assert notice.number.startswith(f"{accepted.number}-SL")
    pdf = notice_pdf(notice=notice)
    text = pdf_text(pdf, tmp_path)
    assert_common(text, notice, accepted)
    assert "决定予以受理" in text and "5个工作日" in text and "20个工作日" in text
    assert "容缺受理" in text and "食品安全管理制度文本" in text and "2026年11月27日" in text
    # The QR code to the public lookup is an embedded image.
    path = tmp_path / "qr.pdf"
    path.write_bytes(pdf)
    images = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, check=True, text=True)
    assert len(images.stdout.strip().splitlines()) >= 3  # two header lines + at least one image


def test_supplement_notice_lists_every_material_and_the_deadline(received, clerk, tmp_path):
    materials = ["营业执照复印件", {"name": "食品安全管理制度文本", "note": "加盖公章"}, "法定代表人身份证明"]
    notice = issue(
        received, Notice.Kind.SUPPLEMENT, {"materials": materials, "deadline": "2026-12-04"}, clerk
    )
    assert notice.number == f"{received.number}-BZ01"
    text = pdf_text(notice_pdf(notice=notice), tmp_path)
    assert_common(text, notice, received, due=False)
    for name in ("营业执照复印件", "食品安全管理制度文本", "加盖公章", "法定代表人身份证明"):
        assert name in text, name
    assert "请于2026年12月4日前补正" in text and "一次性告知" in text


def test_refusal_notice_gives_reason_and_remedies(received, clerk, tmp_path):
    notice = issue(received, Notice.Kind.REFUSAL, {"reason": "申请事项不属于本机关职权范围"}, clerk)
    text = pdf_text(notice_pdf(notice=notice), tmp_path)
    assert_common(text, notice, received, due=False)
    assert "申请事项不属于本机关职权范围" in text and "不予受理" in text
    assert "六十日内" in text and "行政复议" in text and "六个月内" in text and "行政诉讼" in text


def test_special_procedure_notice(accepted, clerk, tmp_path):
    data = {"special_kind": "expert_review", "special_kind_label": "专家评审", "reason": "涉及新型食品工艺",
            "announced_workdays": "10", "started_at": dt.datetime(2026, 11, 26, 15, tzinfo=TZ).isoformat(),
            "announced_end_at": dt.datetime(2026, 12, 11, tzinfo=TZ).isoformat()}  # fmt: skip
    notice = issue(accepted, Notice.Kind.SPECIAL, data, clerk)
    text = pdf_text(notice_pdf(notice=notice), tmp_path)
    assert_common(text, notice, accepted)
    assert "专家评审" in text and "涉及新型食品工艺" in text and "10个工作日" in text
    assert "第四十五条" in text and "不计算在行政许可期限内" in text and "2026年12月10日" in text


def test_extension_notice(accepted, clerk, tmp_path):
    # As decisions.case_extend issues it: the extended clocks' dues override the base facts.
    legal, promised = dt.datetime(2027, 1, 6, tzinfo=TZ), dt.datetime(2026, 12, 15, tzinfo=TZ)
    data = {"workdays": "10", "reason": "需要现场核查多个经营场所", "approver": "chief01",
            "legal_due_at": legal.isoformat(), "promised_due_at": promised.isoformat()}  # fmt: skip
    notice = issue(accepted, Notice.Kind.EXTENSION, data, clerk)
    text = pdf_text(notice_pdf(notice=notice), tmp_path)
    assert_common(text, notice, accepted, due=False)
    assert "需要现场核查多个经营场所" in text and "延长10个工作日" in text and "第四十二条" in text
    assert "2027年1月5日" in text and "2026年12月14日" in text  # 24:00 of those days
    assert "chief01" not in text  # a login name is not for the applicant


def test_conclusion_notice_with_certificate(accepted, clerk, tmp_path):
    data = {"result_code": 0, "result_label": "出证办结", "certificate_no": "JY15101000012345",
            "certificate_valid_until": "2031-11-25"}  # fmt: skip
    notice = issue(accepted, Notice.Kind.CONCLUSION, data, clerk)
    text = pdf_text(notice_pdf(notice=notice), tmp_path)
    assert_common(text, notice, accepted)
    assert "出证办结" in text and "JY15101000012345" in text and "2031年11月25日" in text
    assert "行政复议" not in text


def test_delivery_receipt_by_post(accepted, clerk, tmp_path):
    data = {"method": "post", "tracking_no": "SF1234567890123", "recipient_name": "王五"}
    notice = issue(accepted, Notice.Kind.DELIVERY, data, clerk)
    text = pdf_text(notice_pdf(notice=notice), tmp_path)
    assert_common(text, notice, accepted)
    assert "邮寄送达" in text and "SF1234567890123" in text and "王五" in text


def test_public_copy_masks_applicant_and_recipient(accepted, clerk, tmp_path):
    data = {"method": "post", "tracking_no": "SF1234567890123", "recipient_name": "王五"}
    notice = issue(accepted, Notice.Kind.DELIVERY, data, clerk)
    text = pdf_text(notice_pdf(notice=notice, public=True), tmp_path)
    assert "张*" in text and "王*" in text
    assert "张三" not in text and "王五" not in text
    assert notice.number in text and accepted.number in text and SEAL in text


# --- without rendering ---------------------------------------------------------------------------


def test_numbering_counts_per_kind(accepted, clerk):
    data = {"kind_label": "听证", "reason": "涉及他人重大利益", "announced_workdays": "10"}
    first = issue(accepted, Notice.Kind.SPECIAL, data, clerk)
    second = issue(accepted, Notice.Kind.SPECIAL, data, clerk)
    other = issue(accepted, Notice.Kind.EXTENSION, {"workdays": "10", "reason": "x"}, clerk)
    assert (first.number, second.number, other.number) == (
        f"{accepted.number}-TB01",
        f"{accepted.number}-TB02",
        f"{accepted.number}-YC01",
    )
    assert notice_filename(second) == f"{accepted.number}-TB02.pdf"


def test_reprint_uses_frozen_facts_not_the_live_case(accepted, clerk):
    notice = issue(accepted, Notice.Kind.ACCEPTANCE, clerk=clerk)
    before = notice_context(Notice.objects.get(pk=notice.pk))
    Case.objects.filter(pk=accepted.pk).update(
        applicant_name="李四", legal_due_at=dt.datetime(2027, 3, 1, tzinfo=TZ), promised_due_at=None
    )
    after = notice_context(Notice.objects.get(pk=notice.pk))
    assert after == before
    assert (after["applicant"], after["legal_due"], after["promised_due"]) == (
        "张三",
        LEGAL_DUE,
        PROMISED_DUE,
    )


def test_refused_conclusion_prints_reason_and_remedies(accepted, clerk):
    notice = issue(accepted, Notice.Kind.CONCLUSION, {"result_code": 1, "reason": "场所不符合要求"}, clerk)
    context = notice_context(notice)
    assert context["k"]["result_label"] == "不予许可" and context["k"]["remedies"] is True
    assert context["k"]["certificate"] is False


def test_enterprise_applicant_is_not_masked(item, clerk):
    with time_machine.travel(dt.datetime(2026, 11, 20, 10, tzinfo=TZ), tick=False):
        case = case_submit(
            **f.submit_kwargs(item, clerk, applicant_name="七里市鲜味餐饮有限公司",
                              applicant_id_number="91510100MA6123456W", applicant_kind="enterprise")
        )  # fmt: skip
    notice = issue(case, Notice.Kind.REFUSAL, {"reason": "不属于本机关职权范围"}, clerk)
    assert notice_context(notice, public=True)["applicant"] == "七里市鲜味餐饮有限公司"


def test_older_key_spellings_are_read_too(accepted, clerk):
    special = issue(
        accepted, Notice.Kind.SPECIAL, {"kind_label": "听证", "reason": "r", "announced_workdays": "5"}
    )
    extension = issue(accepted, Notice.Kind.EXTENSION, {"workdays": "10", "reason": "r",
                                                        "new_due_at": "2027-01-06T00:00:00+08:00"})  # fmt: skip
    tolerant = issue(accepted, Notice.Kind.ACCEPTANCE, {"acceptance_mode": "tolerant", "owed": ["x"],
                                                        "owed_deadline": "2026-12-01"})  # fmt: skip
    assert notice_context(special)["k"]["kind_label"] == "听证"
    assert notice_context(extension)["k"]["new_due"] == "2027年1月5日"
    assert notice_context(tolerant)["k"]["owed_deadline"] == "2026年12月1日"


def test_deemed_and_commitment_acceptance_wording(accepted, clerk):
    deemed = issue(accepted, Notice.Kind.ACCEPTANCE, {"acceptance_mode": "normal", "deemed": True})
    commitment = issue(
        accepted, Notice.Kind.ACCEPTANCE, {"acceptance_mode": "commitment", "commitment": "场所符合要求"}
    )
    html = render_to_string("cases/notices/acceptance.html", notice_context(deemed))
    assert "自收到申请材料之日起即为受理" in html and "决定予以受理" not in html
    html = render_to_string("cases/notices/acceptance.html", notice_context(commitment))
    assert "告知承诺" in html and "场所符合要求" in html and "决定予以受理" in html
