"""Consultation and complaint round trips in Chromium: an applicant asks, a duty clerk sees the
question arrive in the polled queue, takes and answers it, and the asker reads the answer; an
applicant complains, the unit's clerk replies, and the complainant reads the reply and rates it."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from govhall.inquiries import services
from govhall.inquiries.models import Complaint, Question
from tests.browser.conftest import login
from tests.inquiries import factories as f


@pytest.fixture
def w(live_db):
    return f.world()


def _second_page(page):
    context = page.context.browser.new_context(locale="zh-CN", base_url=page.url.split("/inquiries/")[0])
    context.set_default_timeout(15_000)
    return context, context.new_page()


def test_ask_then_staff_answer_on_the_duty_page_then_the_asker_sees_the_answer(page, w):
    problems = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.clock.install()  # the page's timers only: htmx's "every 15s" without waiting 15 s
    login(page, w.clerk.username, "/inquiries/duty/")
    expect(page.get_by_role("heading", name="值班咨询台")).to_be_visible()
    expect(page.locator("#duty-queue")).to_contain_text("当前没有待解答的咨询。")

    context, asker = _second_page(page)
    login(asker, w.applicant.username, f"/inquiries/ask/?item={w.item.code}")
    expect(asker.get_by_text(w.item.name).first).to_be_visible()
    asker.get_by_label("您的问题").fill("食品经营许可可以网上办吗？")
    asker.get_by_role("button", name="提交咨询").click()
    asker.wait_for_url(re.compile(r"/inquiries/mine/#q-\d+$"))
    question = Question.objects.get()
    expect(asker.locator(f'article[data-question="{question.pk}"]')).to_have_attribute("data-state", "open")

    with page.expect_response(re.compile(r"/inquiries/duty/queue/$")):
        page.clock.run_for(16_000)  # htmx polls every 15 s: the question arrives without a reload
    row = page.locator(f'tr[data-question="{question.pk}"]')
    expect(row).to_contain_text("食品经营许可可以网上办吗？")
    row.get_by_role("button", name=f"认领咨询 #{question.pk}").click()
    page.wait_for_url(re.compile(rf"/inquiries/questions/{question.pk}/$"))
    page.get_by_label("解答内容").fill("可以，登录网上办事大厅在线申报。")
    page.get_by_role("button", name="发送解答").click()
    page.wait_for_url(re.compile(r"/inquiries/duty/$"))
    expect(page.locator("#duty-queue")).to_contain_text("当前没有待解答的咨询。")

    asker.reload()
    card = asker.locator(f'article[data-question="{question.pk}"]')
    expect(card).to_have_attribute("data-state", "answered")
    expect(card.locator(".iq-answer")).to_contain_text("可以，登录网上办事大厅在线申报。")
    assert problems == []
    context.close()


def test_complain_then_the_unit_replies_then_the_complainant_sees_it(page, w, read_sms):
    login(page, w.applicant.username, "/inquiries/complaints/new/")
    page.get_by_label("投诉对象").select_option("department")
    page.get_by_label("被投诉部门（对象为部门时填写）").select_option(label=w.unit.name)
    page.get_by_label("投诉内容").fill("窗口要求重复提交同一份材料。")
    page.get_by_role("button", name="提交投诉").click()
    page.wait_for_url(re.compile(r"/inquiries/complaints/mine/$"))
    complaint = Complaint.objects.get()
    expect(page.locator(f'article[data-complaint="{complaint.number}"]')).to_have_attribute(
        "data-state", "assigned"
    )

    context, staff = _second_page(page)
    login(staff, w.clerk.username, "/inquiries/complaints/")
    staff.get_by_role("link", name=complaint.number).click()
    staff.wait_for_url(re.compile(rf"/inquiries/complaints/{complaint.pk}/$"))
    staff.get_by_label("答复内容").fill("经核实属实，已当面致歉并一次性告知所需材料。")
    staff.get_by_label("属实", exact=True).check()
    staff.get_by_role("button", name="提交答复").click()
    expect(staff.locator("#c-state")).to_have_text("已答复")
    context.close()

    page.reload()
    card = page.locator(f'article[data-complaint="{complaint.number}"]')
    expect(card).to_have_attribute("data-state", "replied")
    expect(card.locator(".iq-answer")).to_contain_text("经核实属实，已当面致歉")
    texts = read_sms("13912345678")
    assert len(texts) == 2 and complaint.number in texts[1]  # filed, replied: one each
    card.get_by_role("link", name="评价答复").click()
    page.get_by_label("满意", exact=True).check()
    page.get_by_role("button", name="提交评价").click()
    expect(page.locator("#c-state")).to_have_text("已办结")


AXE = Path(__file__).parent / "assets" / "axe.min.js"
AXE_RUN = """async () => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}});
  return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => ({id: v.id, help: v.help, targets: v.nodes.slice(0, 5).map(n => n.target.join(' '))}));
}"""


def test_the_inquiries_pages_have_no_serious_accessibility_violations(page, live_server, w):
    if not AXE.exists():
        pytest.skip("axe-core (tests/browser/assets/axe.min.js) is not there")
    question = services.question_ask(text="需要哪些材料？", item=w.item, actor=w.applicant)
    services.question_answer(question=question, text="见办事指南。", actor=w.clerk)
    complaint = services.complaint_file(
        content="排队太久", subject="department", department=w.unit, actor=w.applicant
    )
    services.first_inquiry_record(
        actor=w.clerk, question="社保在哪办？", outcome="guided", guided_to="社保分中心"
    )
    pages = {
        w.applicant.username: ["/inquiries/", "/inquiries/ask/", "/inquiries/mine/", "/inquiries/complaints/new/",
                               "/inquiries/complaints/mine/", f"/inquiries/complaints/{complaint.pk}/"],
        w.clerk.username: ["/inquiries/duty/", f"/inquiries/questions/{question.pk}/", "/inquiries/complaints/",
                           f"/inquiries/complaints/{complaint.pk}/", "/inquiries/first/"],
    }  # fmt: skip
    found = {}
    for username, paths in pages.items():
        context = page.context.browser.new_context(locale="zh-CN", base_url=live_server.url, bypass_csp=True)
        context.set_default_timeout(15_000)
        tab = context.new_page()
        login(tab, username, paths[0])
        for path in paths:
            tab.goto(path)
            tab.evaluate(AXE.read_text(encoding="utf-8"))
            violations = tab.evaluate(AXE_RUN)
            if violations:
                found[path] = violations
        context.close()
    assert found == {}
