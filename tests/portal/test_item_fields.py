"""The filing form built from the item's own fields (catalog form_fields), checked on the server."""

import re
from decimal import Decimal

import pytest

from govhall.cases.models import Case, CaseDraft, CaseFile
from govhall.catalog.services import item_update
from tests.cases import factories as f
from tests.org import factories as org
from tests.portal.conftest import a_pdf

pytestmark = pytest.mark.django_db
SCRIPT = '<script>alert("x")</script>'
SPOUSE_ID = f.ric("44030819900101123")
FIELDS = [
    {"key": "spouse_name", "label": "对方姓名", "help": "与身份证一致"},
    {"key": "spouse_id", "label": "对方身份证号", "type": "id_number"},
    {"key": "wedding", "label": "登记日期", "type": "date", "required": False},
    {"key": "capital", "label": "资金数额（万元）", "type": "number", "required": False},
    {"key": "form", "label": "组成形式", "type": "choice", "choices": ["个人经营", "家庭经营"]},
    {"key": "mobile", "label": "联系电话", "type": "mobile", "required": False},
    {"key": "note", "label": "补充说明", "type": "textarea", "required": False},
]
GOOD = {"f_spouse_name": "李四", "f_spouse_id": SPOUSE_ID, "f_wedding": "2026-05-20", "f_capital": "3.50",
        "f_form": "家庭经营", "f_mobile": "139 1234 5678", "f_note": "无"}  # fmt: skip


@pytest.fixture
def item(db):
    org.centre()
    return f.item(pre_review_limit=Decimal("2"), form_fields=FIELDS)


def _token(client, url: str) -> str:
    return re.search(r'name="token" value="([^"]+)"', client.get(url).content.decode()).group(1)


def _post(client, item, action="submit", **overrides):
    token = _token(client, f"/file/{item.code}/")
    materials = list(item.materials.all())
    data = {"address": "七里市人民路1号", "description": "", "token": token, "action": action, **GOOD,
            f"m{materials[0].pk}": a_pdf(), f"m{materials[1].pk}": a_pdf("营业执照.pdf")}  # fmt: skip
    data.update(overrides)
    return client.post(f"/file/{item.code}/", {k: v for k, v in data.items() if v is not None})


def counts() -> tuple:
    return Case.objects.count(), CaseDraft.objects.count(), CaseFile.objects.count()


def test_the_form_renders_every_field_with_its_label_type_help_and_required_mark(client, zhang_san, item):
    client.force_login(zhang_san)
    page = client.get(f"/file/{item.code}/").content.decode()
    assert "申请表" in page
    for spec in FIELDS:
        assert f'<label for="id_f_{spec["key"]}">{spec["label"]}' in page
    assert re.search(r'<label for="id_f_spouse_name">对方姓名 <span class="required-mark"', page)
    assert not re.search(r'<label for="id_f_wedding">登记日期 <span class="required-mark"', page)
    assert 'id="id_f_spouse_name_helptext">与身份证一致<' in page
    assert 'aria-describedby="id_f_spouse_name_helptext"' in page
    assert re.search(r'type="date"[^>]*id="id_f_wedding"|id="id_f_wedding"[^>]*type="date"', page) or (
        'type="date" name="f_wedding"' in page
    )
    assert 'type="number" name="f_capital"' in page and 'type="tel" name="f_mobile"' in page
    assert '<select name="f_form"' in page and '<option value="家庭经营">家庭经营</option>' in page
    assert '<textarea name="f_note"' in page
    # The generic fields stay.
    assert 'name="address"' in page and 'name="email"' in page


def test_a_missing_required_field_is_shown_next_to_it_and_nothing_is_saved(client, zhang_san, item):
    client.force_login(zhang_san)
    before = counts()
    response = _post(client, item, f_spouse_name="", f_form=None)
    page = response.content.decode()
    assert response.status_code == 400
    assert re.search(r'id="id_f_spouse_name_error">.*请填写“对方姓名”。', page, re.S)
    assert "请填写“组成形式”。" in page
    assert counts() == before
    response = _post(client, item, action="save", f_spouse_name="")  # a draft needs them too
    assert response.status_code == 400 and counts() == before


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("f_spouse_id", "110105194912310021", "身份证号码有误"),
        ("f_spouse_id", "11010519491231", "身份证号码有误：长度应为18位"),
        ("f_mobile", "12345", "手机号码有误"),
        ("f_wedding", "明天", "请按“年-月-日”填写日期"),
        ("f_capital", "三万", "请填写数字。"),
        ("f_form", "合伙经营", "请从列表中选择“组成形式”。"),
    ],
)
def test_bad_values_are_refused_with_a_chinese_message(client, zhang_san, item, field, value, message):
    client.force_login(zhang_san)
    before = counts()
    response = _post(client, item, **{field: value})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert counts() == before


def test_values_are_saved_in_the_draft_and_shown_back(client, zhang_san, item):
    client.force_login(zhang_san)
    assert _post(client, item, action="save").status_code == 302
    draft = CaseDraft.objects.get(applicant=zhang_san)
    fields = {r["key"]: r for r in draft.data["fields"]}
    assert fields["spouse_id"] == {"key": "spouse_id", "label": "对方身份证号", "type": "id_number",
                                   "value": SPOUSE_ID}  # fmt: skip
    assert fields["capital"]["value"] == "3.5" and fields["wedding"]["value"] == "2026-05-20"
    assert fields["mobile"]["value"] == "13912345678"
    assert draft.data["联系地址"] == "七里市人民路1号"  # the generic fields keep working
    page = client.get(f"/file/{item.code}/").content.decode()
    assert 'value="李四"' in page and f'value="{SPOUSE_ID}"' in page and 'value="2026-05-20"' in page
    assert '<option value="家庭经营" selected>' in page


def test_a_filed_case_shows_the_values_on_the_applicants_case_page(client, zhang_san, item):
    client.force_login(zhang_san)
    assert _post(client, item).status_code == 200
    case = Case.objects.get(applicant=zhang_san)
    assert [r["label"] for r in case.form_data["fields"]][:2] == ["对方姓名", "对方身份证号"]
    page = client.get(f"/me/cases/{case.number}/").content.decode()
    assert "申请表内容" in page and "对方姓名" in page and "李四" in page and "家庭经营" in page
    assert SPOUSE_ID not in page and "139****5678" in page  # ID and mobile masked
    assert "七里市人民路1号" in page


def test_an_old_case_keeps_the_fields_of_its_version(client, zhang_san, item):
    client.force_login(zhang_san)
    assert _post(client, item).status_code == 200
    case = Case.objects.get(applicant=zhang_san)
    assert case.item_version.version == 1
    new_fields = [{"key": "premises", "label": "经营场所"}]
    item = item_update(item=item, changes={"form_fields": new_fields}, actor=None, note="改表")
    assert item.version == 2
    page = client.get(f"/me/cases/{case.number}/").content.decode()
    assert "对方姓名" in page and "经营场所" not in page
    case.refresh_from_db()
    assert [x["key"] for x in case.item_version.snapshot["form_fields"]][0] == "spouse_name"
    form = client.get(f"/file/{item.code}/").content.decode()  # a new filing gets the new form
    assert 'name="f_premises"' in form and 'name="f_spouse_name"' not in form


def test_script_in_a_field_is_inert(client, zhang_san, db):
    org.centre()
    item = f.item(form_fields=[{"key": "x", "label": SCRIPT, "help": SCRIPT}])
    client.force_login(zhang_san)
    page = client.get(f"/file/{item.code}/").content.decode()
    assert SCRIPT not in page and "&lt;script&gt;" in page
    token = _token(client, f"/file/{item.code}/")
    materials = list(item.materials.all())
    data = {"address": "七里市人民路1号", "token": token, "action": "submit", "f_x": SCRIPT,
            f"m{materials[0].pk}": a_pdf(), f"m{materials[1].pk}": a_pdf()}  # fmt: skip
    assert client.post(f"/file/{item.code}/", data).status_code == 200
    case = Case.objects.get(applicant=zhang_san)
    detail = client.get(f"/me/cases/{case.number}/").content.decode()
    assert SCRIPT not in detail and "&lt;script&gt;" in detail


def test_an_item_without_fields_keeps_the_generic_form(client, zhang_san, db):
    org.centre()
    item = f.item()
    client.force_login(zhang_san)
    page = client.get(f"/file/{item.code}/").content.decode()
    assert 'name="address"' in page and 'name="f_' not in page and "<h2>申请表</h2>" not in page


def test_an_agent_fills_in_the_items_fields_for_the_villager(client, item):
    agent, _station = f.agent()
    client.force_login(agent)
    url = f"/me/filings/new/{item.code}/"
    page = client.get(url).content.decode()
    assert '<label for="id_f_spouse_id">对方身份证号' in page
    materials = list(item.materials.all())
    base = {"applicant_kind": "person", "applicant_name": "王小明", "applicant_id_number": f.ric(),
            "consent": "on", **GOOD}  # fmt: skip
    bad = client.post(url, base | {"token": _token(client, url), "f_spouse_id": "123"})
    assert bad.status_code == 400 and "身份证号码有误" in bad.content.decode()
    assert Case.objects.count() == 0
    files = {f"m{materials[0].pk}": a_pdf(), f"m{materials[1].pk}": a_pdf("执照.pdf")}
    client.post(url, base | files | {"token": _token(client, url)})
    case = Case.objects.get(agent=agent)
    assert {r["key"]: r["value"] for r in case.form_data["fields"]}["spouse_id"] == SPOUSE_ID
