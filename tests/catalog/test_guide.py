"""Public guide pages, the one-sheet notice PDF (read back with pdftotext) and the API."""

import subprocess
from datetime import date

import pytest
from ninja.testing import TestClient

from govhall.catalog.api import router
from govhall.catalog.services import item_cancel, item_set_windows, item_update, precondition_add
from govhall.core.errors import NotFound
from tests.catalog import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def item(manager):
    licence = f.make_item(manager, code="YYZZ-1", name="营业执照核发", with_parts=False)
    food = f.make_item(manager, code="SPJY-1", themes=[f.theme()])
    precondition_add(item=food, required_item=licence, actor=manager)
    item_set_windows(item=food, windows=[f.window(food.department, "B07")], actor=manager)
    return food


def test_guide_page_shows_every_field_without_login(client, item):
    page = client.get("/guide/SPJY-1/").content.decode()
    for text in [
        "食品经营许可证核发", "《中华人民共和国食品安全法》第三十五条", "有与经营的食品品种",
        "申请—受理—审查—决定—送达", "食品经营许可申请书", "营业执照复印件", "工本费", "川发改价格〔2020〕100号",
        "20 个工作日", "5 个工作日", "0.5 个工作日", "到办事现场次数", "网上办理", "市政务服务中心二楼B区",
        "工作日 9:00-12:00", "0838-2222333", "0838-12315", "个体户需要办理吗？", "营业执照核发",
        "B07号窗口", "企业开办", "自然人、企业法人", "承诺件", "行政许可",
    ]:  # fmt: skip
        assert text in page, text


def test_cancelled_item_shows_date_and_reason(client, item, manager):
    item_cancel(item=item, on=date(2026, 4, 1), reason="改为备案管理", actor=manager)
    page = client.get("/guide/SPJY-1/").content.decode()
    assert "本事项已于 2026年4月1日 取消（改为备案管理）" in page


def test_unknown_guide_is_404(client, item):
    assert client.get("/guide/NOPE/").status_code == 404


def test_search_page_filters_and_htmx_partial(client, item):
    page = client.get("/guide/", {"q": "spjy"}).content.decode()
    assert "食品经营许可证核发" in page and "营业执照核发" not in page
    assert "<form" in page and 'name="department"' in page
    partial = client.get("/guide/", {"q": "营业执照"}, HTTP_HX_REQUEST="true").content.decode()
    assert "营业执照核发" in partial and "<html" not in partial
    by_theme = client.get("/guide/", {"theme": "kaiban"}).content.decode()
    assert "食品经营许可证核发" in by_theme and "YYZZ-1" not in by_theme


def test_one_sheet_notice_pdf_reads_back(client, item, tmp_path, manager):
    item_update(item=item, changes={"consult_phone": "0838-8886666"}, actor=manager, note="")
    response = client.get("/guide/SPJY-1/sheet.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "sheet.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True, text=True
    ).stdout
    for expected in [
        "食品经营许可证核发",
        "一单告知",
        "营业执照复印件",
        "工本费",
        "每证 10 元",
        "0838-8886666",
        "5 个工作日",
        "营业执照核发",
    ]:
        assert expected in text, expected
    assert "/guide/SPJY-1/" in text  # the QR code's target is printed too


def test_api_search_and_detail(item):
    api = TestClient(router)
    page = api.get("/items?q=spjy").json()
    assert page["total"] == 1 and page["items"][0]["code"] == "SPJY-1"
    assert page["items"][0]["department_name"] == "市场监督管理局"
    detail = api.get("/items/SPJY-1").json()
    assert detail["materials"][1]["name"] == "营业执照复印件" and detail["fees"][0]["legal_basis"]
    assert detail["preconditions"] == ["YYZZ-1"] and detail["themes"] == ["kaiban"]
    with pytest.raises(NotFound) as exc:
        api.get("/items/NOPE")
    assert exc.value.code == "catalog.item_not_found"


def test_mounted_api_answers_json_and_chinese_404(client, item):
    listing = client.get("/api/v1/catalog/items", {"q": "营业执照"}).json()
    assert [i["code"] for i in listing["items"]] == ["YYZZ-1"]
    missing = client.get("/api/v1/catalog/items/NOPE")
    assert missing.status_code == 404
    assert missing.json() == {"code": "catalog.item_not_found", "message": "未找到编码为 NOPE 的事项"}


def test_admin_change_page_shows_the_item_with_its_inlines(client, item, manager):
    manager.is_staff = manager.is_superuser = True
    manager.save()
    client.force_login(manager)
    page = client.get(f"/admin/catalog/serviceitem/{item.pk}/change/")
    assert page.status_code == 200 and "食品经营许可申请书" in page.content.decode()
