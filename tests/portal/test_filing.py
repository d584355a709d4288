"""Online filing at /file/<code>/: drafts, checked uploads, submission to pre-review, the receipt."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from govhall.cases.models import Case, CaseDraft, CaseFile
from govhall.cases.states import CaseState
from govhall.core.models import AuditEvent
from tests.portal.conftest import a_pdf

pytestmark = pytest.mark.django_db
SCRIPT = '<script>alert("x")</script>'


def _token(client, code: str) -> str:
    page = client.get(f"/file/{code}/").content.decode()
    return re.search(r'name="token" value="([^"]+)"', page).group(1)


def _fields(item, token: str, action: str = "submit", **overrides) -> dict:
    materials = list(item.materials.all())
    data = {"address": "七里市人民路1号", "description": "开一家便利店", "token": token, "action": action,
            f"m{materials[0].pk}": a_pdf("申请书.pdf"), f"m{materials[1].pk}": a_pdf("营业执照.pdf")}  # fmt: skip
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def counts() -> dict:
    return {
        "cases": Case.objects.count(),
        "files": CaseFile.objects.count(),
        "drafts": CaseDraft.objects.count(),
    }


def test_the_form_lists_every_material_with_a_labelled_file_input(client, zhang_san, item):
    client.force_login(zhang_san)
    page = client.get(f"/file/{item.code}/").content.decode()
    for material in item.materials.all():
        assert material.name in page
        assert f'<label for="m{material.pk}">' in page and f'id="m{material.pk}"' in page
    assert 'enctype="multipart/form-data"' in page and "csrfmiddlewaretoken" in page


def test_a_person_files_with_uploads_and_gets_the_number_and_password_once(client, zhang_san, item):
    client.force_login(zhang_san)
    token = _token(client, item.code)
    response = client.post(f"/file/{item.code}/", _fields(item, token))
    assert response.status_code == 200
    page = response.content.decode()
    case = Case.objects.get(applicant=zhang_san)
    assert case.state == CaseState.PRE_REVIEW and case.channel == "online"
    assert case.number in page and re.search(r"data-query-password>\d{6}<", page)
    assert response["Cache-Control"] == "private, no-store"
    assert sorted(CaseFile.objects.filter(case=case).values_list("material_name", flat=True)) == [
        "营业执照复印件", "食品经营许可申请书"]  # fmt: skip
    assert case.form_data["联系地址"] == "七里市人民路1号"
    # The same form again (a double click): the same case, no second one, no password shown.
    again = client.post(f"/file/{item.code}/", _fields(item, token))
    assert Case.objects.count() == 1 and case.number in again.content.decode()
    assert "data-query-password" not in again.content.decode()


def test_a_draft_is_saved_and_continued(client, zhang_san, item):
    client.force_login(zhang_san)
    token = _token(client, item.code)
    materials = list(item.materials.all())
    response = client.post(
        f"/file/{item.code}/", _fields(item, token, action="save", **{f"m{materials[1].pk}": None})
    )
    assert response.status_code == 302
    draft = CaseDraft.objects.get(applicant=zhang_san)
    assert draft.files.count() == 1 and Case.objects.count() == 0
    page = client.get(f"/file/{item.code}/").content.decode()
    assert "已有草稿" in page and "申请书.pdf" in page and 'value="七里市人民路1号"' in page
    # Submitting without the second required material is refused, naming it.
    response = client.post(f"/file/{item.code}/", _fields(item, token, **{f"m{materials[0].pk}": None,
                                                                          f"m{materials[1].pk}": None}))  # fmt: skip
    assert response.status_code == 400 and "营业执照复印件" in response.content.decode()
    assert Case.objects.count() == 0


@pytest.mark.parametrize(
    ("upload", "words"),
    [
        (
            SimpleUploadedFile("申请书.pdf", b"MZ\x90\x00 this is an exe", content_type="application/pdf"),
            "仅接受",
        ),
        (
            SimpleUploadedFile(
                "申请书.pdf", b"<html><script>alert(1)</script>", content_type="application/pdf"
            ),
            "仅接受",
        ),
        (SimpleUploadedFile("photo.png", b"%PDF-1.7\n%%EOF", content_type="image/png"), ""),
        (SimpleUploadedFile("empty.pdf", b"", content_type="application/pdf"), "文件为空"),
    ],
)
def test_forged_uploads_are_refused_next_to_the_material(client, zhang_san, item, upload, words):
    client.force_login(zhang_san)
    token = _token(client, item.code)
    first = item.materials.all()[0]
    before = counts()
    response = client.post(f"/file/{item.code}/", _fields(item, token, **{f"m{first.pk}": upload}))
    assert response.status_code == 400
    page = response.content.decode()
    assert words in page and "部分文件未通过检查" in page
    assert Case.objects.count() == before["cases"]  # nothing submitted
    assert not CaseFile.objects.filter(material_name=first.name).exists()


def test_an_oversized_upload_is_refused(client, zhang_san, item, settings):
    settings.GOVHALL_UPLOAD_MAX_BYTES = 2048
    client.force_login(zhang_san)
    token = _token(client, item.code)
    first = item.materials.all()[0]
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.7\n" + b"0" * 4096, content_type="application/pdf")
    response = client.post(f"/file/{item.code}/", _fields(item, token, **{f"m{first.pk}": big}))
    assert response.status_code == 400 and "大小上限" in response.content.decode()
    assert Case.objects.count() == 0 and not CaseFile.objects.filter(material_name=first.name).exists()


def test_file_names_are_sanitised(client, zhang_san, item):
    client.force_login(zhang_san)
    token = _token(client, item.code)
    first = item.materials.all()[0]
    evil = a_pdf("../../etc/<img src=x onerror=alert(1)>.pdf")
    client.post(f"/file/{item.code}/", _fields(item, token, action="save", **{f"m{first.pk}": evil}))
    stored = CaseFile.objects.get(material_name=first.name)
    assert "/" not in stored.name and "<" not in stored.name and ".." not in stored.name
    assert "<img src=x" not in client.get(f"/file/{item.code}/").content.decode()


def test_script_in_every_text_field_is_rendered_inert(client, zhang_san, item):
    client.force_login(zhang_san)
    token = _token(client, item.code)
    client.post(
        f"/file/{item.code}/", _fields(item, token, action="save", address=SCRIPT, description=SCRIPT)
    )
    page = client.get(f"/file/{item.code}/").content.decode()
    assert SCRIPT not in page and "&lt;script&gt;" in page
    response = client.post(f"/file/{item.code}/", _fields(item, token, address=SCRIPT, description=SCRIPT))
    case = Case.objects.get(applicant=zhang_san)
    assert case.form_data["联系地址"] == SCRIPT  # stored as typed …
    for url in (f"/me/cases/{case.number}/", "/me/", "/me/cases/", f"/cases/{case.number}/"):
        assert SCRIPT not in client.get(url).content.decode()  # … and shown as text
    assert SCRIPT not in response.content.decode()


def test_staff_and_unauthorised_enterprise_accounts_cannot_file(client, clerk, item):
    client.force_login(clerk)
    response = client.get(f"/file/{item.code}/")
    assert response.status_code == 403 and "申请人账号" in response.content.decode()


def test_an_item_not_online_is_refused(client, zhang_san, item):
    item.online = False
    item.save(update_fields=["online"])
    client.force_login(zhang_san)
    response = client.get(f"/file/{item.code}/")
    assert response.status_code == 404 and "不支持网上申请" in response.content.decode()
    assert client.get("/file/NO-SUCH-ITEM/").status_code == 404


def test_anonymous_visitors_are_sent_to_login(client, item):
    response = client.get(f"/file/{item.code}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_stale_token_changes_nothing(client, zhang_san, item):
    client.force_login(zhang_san)
    before = (counts(), AuditEvent.objects.count())
    response = client.post(f"/file/{item.code}/", _fields(item, "bad token!"))
    assert response.status_code == 400 and "表单已失效" in response.content.decode()
    assert (counts(), AuditEvent.objects.count()) == before
