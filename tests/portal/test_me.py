"""我的: the applicant's case page (supplement and pre-review return answered online, notices,
timeline), my messages (SMS at acceptance, supplement, conclusion), and other people's numbers."""

import pytest

from govhall.cases import decisions, online, services
from govhall.cases.models import CaseFile
from govhall.cases.states import CaseState
from govhall.core.models import OutboxMessage
from tests.portal.conftest import a_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def filed(zhang_san, item):
    draft = online.draft_save(applicant=zhang_san, item=item, data={"联系地址": "人民路1号"}, actor=zhang_san)
    return online.draft_submit(draft=draft, actor=zhang_san)


def main(response) -> str:
    page = response.content.decode()
    return page[page.index("<main") : page.index("</main>")]


def sms_texts(mobile: str) -> list[str]:
    rows = OutboxMessage.objects.filter(kind="sms", payload__mobile=mobile).order_by("id")
    return [r.payload["text"] for r in rows]


def test_supplement_answered_online_then_accepted_and_concluded_with_sms(client, zhang_san, clerk, filed):
    case = online.case_pre_review(case=filed, passed=True, actor=clerk)
    case = services.case_request_supplement(case=case, materials=["营业执照复印件"], actor=clerk)
    client.force_login(zhang_san)
    page = client.get(f"/me/cases/{case.number}/").content.decode()
    assert "补正材料" in page and "营业执照复印件" in page and 'for="s0"' in page

    response = client.post(f"/me/cases/{case.number}/supplement/", {"f0": a_pdf("执照.pdf")})
    assert response.status_code == 302
    assert CaseFile.objects.filter(case=case, material_name="营业执照复印件").count() == 1
    assert "补正材料已提交" in client.get(f"/me/cases/{case.number}/").content.decode()

    case = services.case_supplement_received(case=case, actor=clerk)
    case = services.case_accept(case=case, actor=clerk)
    case = decisions.case_conclude(case=case, result_code=4, reason="转报省厅办理", actor=clerk)
    texts = sms_texts("13800138000")
    assert any("需补正材料" in t for t in texts)
    assert any("已受理" in t for t in texts)
    assert any("已办结" in t for t in texts)

    page = client.get(f"/me/cases/{case.number}/").content.decode()
    assert case.get_state_display() in page and "转报办结" in page
    assert "受理通知书" in page and "一次性告知书" in page and "办结通知书" in page
    notice = case.notices.get(kind="conclusion")
    pdf = client.get(f"/cases/{case.number}/notices/{notice.number}.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"

    messages = client.get("/me/messages/").content.decode()
    assert "已受理" in messages and "已办结" in messages


def test_a_supplement_post_without_a_file_or_with_a_forged_one_stores_nothing(
    client, zhang_san, clerk, filed
):
    case = online.case_pre_review(case=filed, passed=True, actor=clerk)
    case = services.case_request_supplement(case=case, materials=["营业执照复印件"], actor=clerk)
    client.force_login(zhang_san)
    client.post(f"/me/cases/{case.number}/supplement/", {})
    forged = a_pdf("执照.pdf")
    forged.file.write(b"")  # keep the name, replace the content below
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.post(f"/me/cases/{case.number}/supplement/",
                {"f0": SimpleUploadedFile("执照.pdf", b"GIF89a....", content_type="application/pdf")})  # fmt: skip
    assert not CaseFile.objects.filter(case=case).exists()
    page = client.get(f"/me/cases/{case.number}/").content.decode()
    assert "请选择要上传的文件" in page and "仅接受" in page


def test_a_pre_review_return_is_answered_by_resubmitting(client, zhang_san, clerk, filed):
    case = online.case_pre_review(case=filed, passed=False, reasons="申请书未签字", actor=clerk)
    client.force_login(zhang_san)
    page = client.get(f"/me/cases/{case.number}/").content.decode()
    assert "申请书未签字" in page and "重新提交" in page
    client.post(f"/me/cases/{case.number}/resubmit/", {"f0": a_pdf("已签字.pdf")})
    case.refresh_from_db()
    assert case.state == CaseState.PRE_REVIEW
    assert CaseFile.objects.filter(case=case, name="已签字.pdf").exists()
    assert any("预审退回" in t for t in sms_texts("13800138000"))


def test_another_persons_case_is_not_found_like_an_unknown_number(client, li_si, filed):
    client.force_login(li_si)
    theirs = client.get(f"/me/cases/{filed.number}/")
    unknown = client.get("/me/cases/QL20990101000001/")
    assert theirs.status_code == unknown.status_code == 404
    assert main(theirs) == main(unknown)  # the same answer: no existence oracle
    assert filed.item.name not in theirs.content.decode()
    before = CaseFile.objects.count()
    assert client.post(f"/me/cases/{filed.number}/supplement/", {"f0": a_pdf()}).status_code == 404
    assert client.post(f"/me/cases/{filed.number}/resubmit/", {}).status_code == 404
    assert CaseFile.objects.count() == before
    assert client.get(f"/cases/{filed.number}/").status_code == 404


def test_my_pages_list_own_cases_drafts_and_messages_only(client, zhang_san, li_si, item, filed):
    online.draft_save(applicant=li_si, item=item, data={"联系地址": "李四的地址"}, actor=li_si)
    client.force_login(zhang_san)
    hub = client.get("/me/").content.decode()
    assert filed.number in hub and "李四的地址" not in hub
    listing = client.get("/me/cases/").content.decode()
    assert filed.number in listing


def test_verification_codes_never_show_in_my_messages(client, zhang_san):
    from govhall.core import accounts

    accounts.sms_code_send(mobile="13800138000", purpose="login")
    client.force_login(zhang_san)
    page = client.get("/me/messages/").content.decode()
    assert "登录验证码为" not in page and "暂无消息" in page


def test_the_hub_needs_a_login(client):
    assert client.get("/me/").status_code == 302
    assert client.get("/me/cases/X/").status_code == 302
