"""Appointments in Chromium: the applicant books (item → day → slot, plain forms), finds the booking
with its check-in code in "my appointments", gets the SMS, and cancels after confirming."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from govhall.hall.models import Appointment, AppointmentState
from tests.browser.conftest import login
from tests.hall import factories as hf


@pytest.fixture
def hall(live_db):
    return hf.world(applicant_username="applicant")


def test_book_see_it_in_mine_and_cancel(page, hall, read_sms):
    login(page, "applicant", "/hall/appointments/")
    expect(page.get_by_role("heading", name="预约办事")).to_be_visible()
    page.get_by_label("办理事项").select_option(hall.item.code)
    page.get_by_role("button", name="下一步").click()
    expect(page.locator("#chosen-item")).to_have_text(hall.item.name)
    day = page.get_by_label("预约日期")
    day.select_option(index=1)  # the first bookable day
    page.get_by_role("button", name="查看时段").click()

    radios = page.get_by_role("radio")
    expect(radios).to_have_count(3)
    box = radios.first.bounding_box()
    assert box["width"] >= 24 and box["height"] >= 24  # WCAG 2.2 target size
    radios.first.focus()
    page.keyboard.press("ArrowDown")  # keyboard: the arrow keys move within the radio group
    expect(radios.nth(1)).to_be_checked()
    page.get_by_role("button", name="确认预约").click()

    page.wait_for_url(re.compile(r"/hall/appointments/mine/$"))
    appointment = Appointment.objects.get(applicant=hall.applicant)
    expect(page.get_by_text("预约成功")).to_be_visible()
    row = page.locator(f'#my-appointments tr[data-id="{appointment.pk}"]')
    expect(row).to_contain_text(appointment.code)
    expect(row).to_contain_text("已预约")
    texts = read_sms(hf.mobile_of(hall.applicant))
    assert len(texts) == 1 and appointment.code in texts[0]

    row.get_by_role("link", name="取消预约").click()
    expect(page.get_by_role("heading", name="取消预约")).to_be_visible()
    page.get_by_label("取消原因（可不填）").fill("行程有变")
    page.get_by_role("button", name="确认取消").click()
    page.wait_for_url(re.compile(r"/hall/appointments/mine/$"))
    expect(page.locator(f'#my-appointments tr[data-id="{appointment.pk}"]')).to_contain_text("已取消")
    assert Appointment.objects.get(pk=appointment.pk).state == AppointmentState.CANCELLED


AXE = Path(__file__).parent / "assets" / "axe.min.js"
AXE_RUN = """async () => {
  const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => ({id: v.id, help: v.help, targets: v.nodes.slice(0, 5).map(n => n.target.join(' '))}));
}"""


def test_the_booking_pages_have_no_serious_axe_violations(browser, live_server, hall):
    if not AXE.exists():
        pytest.skip("axe-core is not in tests/browser/assets")
    from govhall.hall.models import Slot

    slot = Slot.objects.filter(window=hall.window, closed=False).order_by("day", "start").first()
    step3 = f"/hall/appointments/?item={hall.item.code}&window={hall.window.pk}&day={slot.day:%Y-%m-%d}"
    context = browser.new_context(locale="zh-CN", base_url=live_server.url, bypass_csp=True)
    page = context.new_page()
    try:
        login(page, "applicant", "/hall/appointments/")
        for path in ("/hall/appointments/", f"/hall/appointments/?item={hall.item.code}", step3,
                     "/hall/appointments/mine/"):  # fmt: skip
            page.goto(path)
            page.evaluate(AXE.read_text(encoding="utf-8"))
            assert page.evaluate(AXE_RUN) == [], path
    finally:
        context.close()
