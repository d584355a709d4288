"""Cases in Chromium: a clerk accepts a received case from the workbench (htmx, with confirmation)
and sees it in the timeline; the public looks the case up with its number and query password."""

import re

import pytest
from playwright.sync_api import expect

from govhall.cases.services import case_submit
from govhall.org.models import Role
from tests.browser.conftest import login
from tests.cases import factories as f
from tests.org import factories as org


@pytest.fixture
def received(live_db):
    item = f.item()
    clerk = org.staff(role=Role.CLERK, dept=item.department, username="chuangkou", name="王窗口")
    case = case_submit(**f.submit_kwargs(item, clerk.user))
    return clerk, case


def _login(page, username: str) -> None:
    login(page, username, "/cases/work/")


def test_clerk_accepts_from_the_workbench_then_the_public_looks_it_up(page, received):
    clerk, case = received
    _login(page, clerk.user.username)
    row = page.locator(f'tr[data-number="{case.number}"]')
    expect(row).to_contain_text("受理决定")
    expect(row.locator(".status")).to_have_text("正常")  # a text label beside the colour

    row.get_by_role("link", name=case.number).click()
    page.wait_for_url(re.compile(rf"/cases/{case.number}/$"))
    form = page.locator('details[data-action="accept"]')
    form.locator("summary").click()
    form.get_by_label("备注").fill("材料齐全，当场受理")
    form.get_by_label("我已核对，确认执行（不可撤销）").check()
    dialogs = []

    def confirm(dialog):
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", confirm)
    with page.expect_response(re.compile(r"/actions/accept/$")) as posted:
        form.get_by_role("button", name="提交受理").click()
    assert posted.value.status == 200 and posted.value.request.headers.get("hx-request") == "true"
    expect(page.locator(".alert.ok")).to_have_text("已完成：受理。")
    assert dialogs == ["确认执行“受理”？此操作不可撤销。"]
    assert page.url.endswith(f"/cases/{case.number}/")  # swapped in place, no page load
    expect(page.locator('[data-state="accepted"]').first).to_be_visible()
    accept_row = page.locator('table.timeline tr[data-action="accept"]')
    expect(accept_row).to_contain_text("王窗口")
    expect(accept_row).to_contain_text("材料齐全，当场受理")
    expect(accept_row).to_contain_text("承诺期限至")

    # The public: no login, the number and the password from the receipt.
    public = page.context.browser.new_context(locale="zh-CN", base_url=page.url.split("/cases/")[0])
    try:
        lookup = public.new_page()
        lookup.goto("/cases/lookup/")
        lookup.get_by_label("办件编号").fill(case.number)
        lookup.get_by_label("查询密码").fill(case.query_password)
        lookup.get_by_role("button", name="查询").click()
        expect(lookup.locator('[data-state="accepted"]')).to_have_text("已受理")
        expect(lookup.locator("table.timeline")).to_contain_text("工作人员")
        assert "王窗口" not in lookup.content()
        link = lookup.get_by_role("link", name="受理通知书")
        expect(link).to_be_visible()
        pdf = lookup.request.get(link.get_attribute("href"))
        assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    finally:
        public.close()
