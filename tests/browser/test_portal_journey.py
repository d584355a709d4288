"""The online hall's main journey in Chromium: register with an SMS code → file online with uploads →
answer a supplement → see the conclusion → rate; and filing works without JavaScript."""

import re
from decimal import Decimal

import pytest

from govhall.cases import decisions, online, services
from govhall.cases.models import Case, CaseFile
from govhall.core.models import User
from govhall.org.models import Role
from tests.api.accounts_helpers import PASSWORD, ZHANG_SAN_ID
from tests.cases import factories as f
from tests.core.test_uploads import pdf
from tests.org import factories as org

MOBILE = "13800138000"


@pytest.fixture
def item(live_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    org.centre()
    return f.item(pre_review_limit=Decimal("2"))


@pytest.fixture
def clerk(item):
    return org.staff(role=Role.CLERK, dept=item.department).user


def register(page, read_sms) -> None:
    page.goto("/accounts/register/")
    page.get_by_label("账号类型").select_option("person")
    page.get_by_label("手机号码").fill(MOBILE)
    page.get_by_role("button", name="获取验证码").click()
    page.wait_for_url("**/accounts/register/details/")
    code = re.search(r"\d{6}", read_sms(MOBILE)[0]).group(0)
    page.get_by_label("短信验证码").fill(code)
    page.get_by_label("用户名").fill("zhangsan")
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_label("确认密码").fill(PASSWORD)
    page.get_by_label("真实姓名").fill("张三")
    page.get_by_label("居民身份证号码").fill(ZHANG_SAN_ID)
    page.get_by_role("button", name="注册", exact=True).click()
    page.wait_for_url(re.compile(r"/$"))


def file_online(page, item) -> str:
    page.goto(f"/file/{item.code}/")
    page.get_by_label("联系地址").fill("七里市人民路1号")
    page.get_by_label("申请说明").fill("开一家便利店")
    materials = list(item.materials.all())
    page.get_by_label(f"选择文件：{materials[0].name}").set_input_files(
        files=[{"name": "申请书.pdf", "mimeType": "application/pdf", "buffer": pdf(2)}]
    )
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_url(f"**/file/{item.code}/")
    assert "草稿已保存" in page.content() and "申请书.pdf" in page.content()
    page.get_by_label(f"选择文件：{materials[1].name}").set_input_files(
        files=[{"name": "营业执照.pdf", "mimeType": "application/pdf", "buffer": pdf(1)}]
    )
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_selector("[data-query-password]")
    return page.locator("[data-case-number]").inner_text()


def test_register_file_supplement_conclude_and_rate(page, read_sms, item, clerk):
    register(page, read_sms)
    number = file_online(page, item)
    case = Case.objects.get(number=number)
    assert case.state == "pre_review" and CaseFile.objects.filter(case=case).count() == 2

    # The window: pre-review passes, the one-time notice asks for one more material.
    case = online.case_pre_review(case=case, passed=True, actor=clerk)
    services.case_request_supplement(case=case, materials=["营业执照复印件"], actor=clerk)
    assert any("需补正材料" in t for t in read_sms(MOBILE))

    page.goto("/me/")
    page.get_by_role("link", name=item.name).first.click()
    page.wait_for_url(f"**/me/cases/{number}/")
    page.get_by_label("营业执照复印件").set_input_files(
        files=[{"name": "执照副本.png", "mimeType": "image/png", "buffer": _png()}]
    )
    page.get_by_role("button", name="提交补正材料").click()
    assert "补正材料已提交" in page.content()
    assert CaseFile.objects.filter(case=case, material_name="营业执照复印件").count() == 2

    case = services.case_supplement_received(case=Case.objects.get(number=number), actor=clerk)
    case = services.case_accept(case=case, actor=clerk)
    decisions.case_conclude(case=case, result_code=4, reason="转报省厅办理", actor=clerk)
    assert any("已办结" in t for t in read_sms(MOBILE))

    page.reload()
    assert "已办结" in page.content() and "办结通知书" in page.content()
    with page.expect_response(lambda r: r.url.endswith(".pdf")) as pdf_response:
        page.goto(page.locator("a[data-notice]").last.get_attribute("href"))
    assert pdf_response.value.headers["content-type"] == "application/pdf"
    page.goto(f"/me/cases/{number}/")
    page.get_by_role("link", name="评价本次服务").click()
    page.get_by_label("非常满意").check()
    page.get_by_role("button", name="提交评价").click()
    assert "感谢您的评价" in page.content()

    page.goto("/me/messages/")
    assert "已受理" in page.content() and "已办结" in page.content()


def _png() -> bytes:
    from tests.core.test_uploads import image

    return image("PNG")


def test_filing_and_lookup_work_without_javascript(browser, live_server, item):
    user = User.objects.create_user(username="nojs", password=PASSWORD, kind="person", real_name="张三")
    from govhall.core.personal import user_set_identity

    user_set_identity(user=user, real_name="张三", id_number=ZHANG_SAN_ID, mobile=MOBILE)
    context = browser.new_context(locale="zh-CN", base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto("/accounts/login/?next=/me/")
        page.get_by_label("用户名").fill("nojs")
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url("**/me/")
        page.goto(f"/file/{item.code}/")
        page.get_by_label("联系地址").fill("人民路2号")
        for material in list(item.materials.all())[:2]:
            page.get_by_label(f"选择文件：{material.name}").set_input_files(
                files=[{"name": "a.pdf", "mimeType": "application/pdf", "buffer": pdf(1)}]
            )
        page.get_by_role("button", name="提交申请").click()
        password = page.locator("[data-query-password]").inner_text()
        number = page.locator("[data-case-number]").inner_text()
        # Lookup without login (a fresh context, still without JavaScript).
        anonymous = browser.new_context(locale="zh-CN", base_url=live_server.url, java_script_enabled=False)
        lookup = anonymous.new_page()
        lookup.goto("/cases/lookup/")
        lookup.get_by_label("办件编号").fill(number)
        lookup.get_by_label("查询密码").fill(password)
        lookup.get_by_role("button", name="查询").click()
        assert item.name in lookup.content() and "网上预审中" in lookup.content()
        anonymous.close()
    finally:
        context.close()
