"""The supervisor dashboard in Chromium: ECharts (served by the app, under the site's CSP) draws the
trend chart on a canvas from trends.json, the red list links to the case, and the counts refresh."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from govhall.org.models import Role
from govhall.supervision.sweep import sweep_run
from tests.browser.conftest import login
from tests.catalog import factories as cat
from tests.org import factories as org
from tests.supervision.test_grading import accept, conclude, unit


@pytest.fixture
def overdue(live_db):
    """A case accepted five weeks ago and never concluded (red), and one concluded a minute ago."""
    u = unit("BR", "壬局")
    now = timezone.now()
    red = accept(u, now - dt.timedelta(days=35))
    done = accept(u, now - dt.timedelta(days=35))
    conclude(u, done, now - dt.timedelta(minutes=1))  # late, inside the current quarter
    sweep_run()  # now: the promised clock and the 审核 step are red
    supervisor = org.staff(
        role=Role.SUPERVISOR, dept=cat.department("JCS", "监察室"), username="jiancha", name="周监察"
    )
    return red, supervisor


def _login(page, username: str) -> None:
    login(page, username, "/supervision/")


def test_the_dashboard_draws_the_trend_chart_and_lists_the_red_case(page, overdue):
    red, supervisor = overdue
    _login(page, supervisor.user.username)
    expect(page.locator("#trend-chart")).to_have_attribute("data-drawn", "true")
    problems = []  # on the dashboard itself (the login page is not ours)
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    with page.expect_response(re.compile(r"/supervision/trends\.json")) as trends:
        page.reload()
    assert trends.value.status == 200
    assert len(page.request.get("/supervision/trends.json").json()["weeks"]) == 12

    expect(page.get_by_role("heading", name="电子监察", exact=True)).to_be_visible()
    chart = page.locator("#trend-chart")
    expect(chart).to_have_attribute("data-drawn", "true")
    expect(chart.locator("canvas")).to_have_count(1)
    box = chart.locator("canvas").bounding_box()
    assert box["width"] > 300 and box["height"] > 200
    expect(page.locator("#ranking-chart canvas")).to_have_count(1)  # 壬局's on-time rate (0 %)
    expect(page.locator("#trend-details")).not_to_have_attribute("open", "")  # the table one click away

    rows = page.locator(f'#red-list tr[data-number="{red.number}"]')
    expect(rows).to_have_count(3)  # five weeks: the promised and legal clocks and the 审核 step
    row = rows.filter(has_text="承诺时限")
    expect(row.locator(".status")).to_have_text("红牌")  # a text label beside the colour
    expect(page.locator('[data-count="red-cases"] .sv-num')).to_have_text("1")
    assert problems == []  # no CSP violation, no script error

    expect(row.get_by_role("link", name=red.number, exact=True)).to_have_attribute(
        "href", f"/cases/{red.number}/"
    )
    row.get_by_role("link", name=f"查看办件{red.number}的办理过程").click()  # drill down to the timeline
    page.wait_for_url(re.compile(rf"/cases/{red.number}/#h-timeline$"))
    expect(page.locator("#h-timeline")).to_be_in_viewport()
    expect(page.locator("table.timeline tr[data-action='accept']")).to_have_count(1)


def test_the_counts_refresh_every_30_seconds(page, overdue):
    red, supervisor = overdue
    other = unit("BS", "癸局")
    page.clock.install()  # the page's timers only: htmx's "every 30s" without waiting 30 s
    _login(page, supervisor.user.username)
    expect(page.locator('[data-count="open-cases"] .sv-num')).to_have_text("1")
    # SQLite's shared in-memory test database locks tables: write once the page has read its data.
    expect(page.locator("#trend-chart")).to_have_attribute("data-drawn", "true")
    accept(other, timezone.now())
    with page.expect_response(re.compile(r"/supervision/counts/$")) as refreshed:
        page.clock.run_for(31_000)
    assert refreshed.value.status == 200
    expect(page.locator('[data-count="open-cases"] .sv-num')).to_have_text("2")
