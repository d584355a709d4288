"""End to end in Chromium: an applicant registers with an SMS code; a staff login locks out."""

import re

import pytest

from tests.api.accounts_helpers import PASSWORD, ZHANG_SAN_ID, make_staff

MOBILE = "13800138000"


def test_applicant_registers_with_an_sms_code_and_sees_the_masked_name(page, read_sms):
    page.goto("/accounts/register/")
    page.get_by_label("账号类型").select_option("person")
    page.get_by_label("手机号码").fill(MOBILE)
    page.get_by_role("button", name="获取验证码").click()
    page.wait_for_url("**/accounts/register/details/")
    assert "138****8000" in page.content()

    texts = read_sms(MOBILE)
    assert len(texts) == 1
    code = re.search(r"\d{6}", texts[0]).group(0)
    page.get_by_label("短信验证码").fill(code)
    page.get_by_label("用户名").fill("zhangsan")
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_label("确认密码").fill(PASSWORD)
    page.get_by_label("真实姓名").fill("张三")
    page.get_by_label("居民身份证号码").fill(ZHANG_SAN_ID)
    page.get_by_role("button", name="注册", exact=True).click()
    page.wait_for_url(re.compile(r"/$"))
    assert "注册成功" in page.content()

    # Sign out and back in: the header shows the real name masked, never whole.
    page.get_by_role("button", name="退出").click()
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill("zhangsan")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/$"))
    header = page.locator("header").inner_text()
    assert "张*" in header and "张三" not in header
    assert ZHANG_SAN_ID not in page.content()


def test_registration_with_a_wrong_code_shows_the_error_next_to_the_field(page, read_sms):
    page.goto("/accounts/register/")
    page.get_by_label("手机号码").fill(MOBILE)
    page.get_by_role("button", name="获取验证码").click()
    page.wait_for_url("**/accounts/register/details/")
    code = re.search(r"\d{6}", read_sms(MOBILE)[0]).group(0)
    page.get_by_label("短信验证码").fill("000000" if code != "000000" else "111111")
    page.get_by_label("用户名").fill("zhangsan")
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_label("确认密码").fill(PASSWORD)
    page.get_by_label("真实姓名").fill("张三")
    page.get_by_label("居民身份证号码").fill(ZHANG_SAN_ID)
    page.get_by_role("button", name="注册", exact=True).click()
    assert "验证码错误，还可尝试4次" in page.locator(".errorlist").first.inner_text()


@pytest.mark.parametrize("attempts", [5])
def test_staff_login_locks_after_five_bad_passwords(page, attempts):
    make_staff("clerk")
    for _ in range(attempts):
        page.goto("/accounts/login/")
        page.get_by_label("用户名").fill("clerk")
        page.get_by_label("密码").fill("Wrong#Pass1")
        page.get_by_role("button", name="登录").click()
    assert "账号已临时锁定" in page.content() and "5分钟" in page.content()

    # The right password does not help while locked.
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill("clerk")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    assert "账号已临时锁定" in page.content()
