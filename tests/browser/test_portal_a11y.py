"""Accessibility of the public pages (WCAG 2.2 AA) with axe-core in Chromium: zero serious or
critical violations in the standard and the elderly mode and on a phone screen; the elderly mode's
own promises (large text, hotline in view, no pop-ups) checked directly."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import Resolver404, resolve

from tests.cases import factories as f
from tests.org import factories as org

AXE = Path(__file__).parent / "assets" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PUBLIC = ["/", "/guide/", "GUIDE", "/cases/lookup/", "/accounts/login/", "/accounts/register/", "/ratings/",
          "/inquiries/ask/", "/inquiries/complaints/new/", "/hall/appointments/"]  # fmt: skip
PHONE = {"width": 375, "height": 740}
RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.slice(0, 5).map(n => n.target.join(' '))}));
}"""


@pytest.fixture
def item(live_db):
    org.centre()
    return f.item(pre_review_limit=Decimal("2"))


def _pages(item) -> list[str]:
    paths = []
    for path in PUBLIC:
        path = f"/guide/{item.code}/" if path == "GUIDE" else path
        try:
            resolve(path)
        except Resolver404:
            continue  # a context not installed yet
        paths.append(path)
    return paths


def _context(browser, live_server, *, elderly: bool, phone: bool):
    options = {"locale": "zh-CN", "base_url": live_server.url, "bypass_csp": True}
    if phone:
        options |= {"viewport": PHONE, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
    context = browser.new_context(**options)
    if elderly:
        context.add_cookies([{"name": "govhall_elderly", "value": "1", "url": live_server.url}])
    return context


def serious(page) -> list[dict]:
    page.evaluate(AXE.read_text(encoding="utf-8"))
    return [v for v in page.evaluate(RUN, TAGS) if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize(
    ("elderly", "phone"), [(False, False), (True, False), (False, True)], ids=["standard", "elderly", "phone"]
)
def test_public_pages_have_no_serious_axe_violations(browser, live_server, item, elderly, phone):
    context = _context(browser, live_server, elderly=elderly, phone=phone)
    page = context.new_page()
    found = {}
    try:
        for path in _pages(item):
            page.goto(path)
            if violations := serious(page):
                found[path + " → " + page.url.removeprefix(live_server.url)] = violations
    finally:
        context.close()
    assert found == {}


def test_elderly_mode_is_a_plain_form_and_every_page_honours_it(browser, live_server, item):
    context = browser.new_context(locale="zh-CN", base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto("/guide/")
        page.get_by_role("button", name="长者模式").click()
        page.wait_for_url("**/guide/")
        for path in ("/guide/", "/", "/cases/lookup/", f"/guide/{item.code}/"):
            page.goto(path)
            assert "elderly" in (page.locator("body").get_attribute("class") or "")
        page.get_by_role("button", name="标准版").click()
        assert "elderly" not in (page.locator("body").get_attribute("class") or "")
    finally:
        context.close()


def test_elderly_mode_has_large_text_the_hotline_in_view_and_no_dialogs(browser, live_server, item):
    context = _context(browser, live_server, elderly=True, phone=True)
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        page.goto("/")
        size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
        assert size >= 18
        hotline = page.locator(".hotline")
        assert hotline.is_visible() and "12345" in hotline.inner_text()
        page.mouse.wheel(0, 3000)
        page.wait_for_timeout(200)
        box = hotline.bounding_box()
        assert box is not None and 0 <= box["y"] < PHONE["height"]  # sticky: still on screen
        # Nothing is wider than the phone screen (no sideways scrolling of the page).
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
        for target in page.locator("main a, main button, header button").all()[:40]:
            b = target.bounding_box()
            if b and b["width"] and b["height"]:
                assert b["height"] >= 24 or b["width"] >= 24
        assert dialogs == []
    finally:
        context.close()


def test_the_applicants_pages_have_no_serious_axe_violations(browser, live_server, item):
    from govhall.cases import online
    from govhall.core.personal import user_set_identity
    from tests.browser.conftest import login

    user = org.applicant("zhang_san")
    user_set_identity(user=user, real_name="张三", id_number=f.ric(), mobile="13800138000")
    draft = online.draft_save(applicant=user, item=item, data={"联系地址": "人民路1号"}, actor=user)
    case = online.draft_submit(draft=draft, actor=user)
    found = {}
    for elderly in (False, True):
        context = _context(browser, live_server, elderly=elderly, phone=False)
        page = context.new_page()
        try:
            login(page, "zhang_san", "/me/")
            for path in (
                "/me/",
                f"/file/{item.code}/",
                f"/me/cases/{case.number}/",
                "/me/cases/",
                "/me/messages/",
            ):
                page.goto(path)
                if violations := serious(page):
                    found[f"{path} elderly={elderly}"] = violations
        finally:
            context.close()
    assert found == {}


def test_the_agents_pages_have_no_serious_axe_violations(browser, live_server, item):
    from tests.browser.conftest import login

    agent, _station = f.agent()
    context = _context(browser, live_server, elderly=False, phone=True)
    page = context.new_page()
    found = {}
    try:
        login(page, agent.username, "/me/filings/")
        for path in ("/me/filings/", f"/me/filings/new/{item.code}/"):
            page.goto(path)
            if violations := serious(page):
                found[path] = violations
    finally:
        context.close()
    assert found == {}
