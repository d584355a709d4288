"""The queue in Chromium: a ticket from the kiosk, the clerk calls it, the hall screen updates by
itself (htmx polling), the clerk finishes it and the window's evaluator pad takes the rating."""

import pytest
from playwright.sync_api import expect

from govhall.hall.queue.models import Ticket
from govhall.org.models import Role
from tests.browser.conftest import login
from tests.hall_queue import factories as f
from tests.org import factories as org


@pytest.fixture
def hall(live_db):
    business = f.business(prefix="A", name="综合受理")
    window = f.window(serves={business: 1}, number="07")
    org.staff(role=Role.CLERK, win=window, site=window.site, dept=window.department, username="q_clerk")
    return business, window


def test_kiosk_call_screen_finish_and_pad_rating(page, hall):
    _business, window = hall
    screen = page.context.new_page()
    screen.goto("/hall/screen/")
    expect(screen.locator("#q-live")).to_contain_text("暂无叫号")

    page.goto("/hall/kiosk/")
    page.get_by_text("综合受理").click()
    page.get_by_label("身份证号码（请刷身份证，演示时可手工输入）").fill(f.ric("19900101", seq=31))
    page.get_by_label("姓名（可选）").fill("王小明")
    page.get_by_role("button", name="取号", exact=True).click()
    expect(page.locator("#ticket-number")).to_have_text("A001")
    expect(page.locator(".q-slip")).to_contain_text("王**")

    path = f"/hall/windows/{window.pk}/"
    login(page, "q_clerk", path)
    page.get_by_role("button", name="开始服务").click()
    page.get_by_role("button", name="叫下一位").click()
    expect(page.locator("#current-number")).to_have_text("A001")

    # The screen was not reloaded: htmx polling brings the call in, with the announcer's text.
    expect(screen.locator("tr.q-latest")).to_contain_text("A001", timeout=10_000)
    expect(screen.locator("tr.q-latest")).to_have_attribute("data-voice", "请A零零一号到零七号窗口办理")
    assert "王小明" not in screen.content()

    page.get_by_role("button", name="开始办理").click()
    page.get_by_role("button", name="办结").click()
    expect(page.locator("#current-number")).to_have_count(0)
    ticket = Ticket.objects.get(number="A001")
    assert ticket.state == "done"

    pad = page.context.new_page()
    pad.goto(f"/hall/pad/{window.pk}/")
    pad.get_by_role("button", name="满意", exact=True).click()
    expect(pad.locator("#pad-thanks")).to_be_visible()
    from govhall.ratings.models import Rating

    rating = Rating.objects.get(service_ref=f"ticket:{ticket.pk}")
    assert (rating.level, rating.channel, rating.window_id) == (2, "pad", window.pk)
