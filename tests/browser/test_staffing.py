"""Staffing in Chromium: a clerk signs in on the page and the month record shows it; a real-name
person votes on the public vote page, once."""

import datetime as dt
import re

import pytest
import time_machine
from playwright.sync_api import expect

from govhall.staffing import awards
from tests.browser.conftest import login
from tests.staffing import factories as f

MORNING = f.at(dt.date(2026, 11, 10), 9, 5)  # a Tuesday, five minutes after the morning starts


@pytest.fixture
def at_work(live_db):
    # tick=True: the clock runs on from 09:05 for the page, the live server and the session alike.
    with time_machine.travel(MORNING, tick=True):
        yield


def test_a_clerk_signs_in_on_the_page_and_sees_it_in_the_month(page, at_work):
    clerk = f.clerk(name="刘一", username="liuyi")
    login(page, clerk.user.username, "/staffing/")
    expect(page.get_by_role("heading", name="今日考勤")).to_be_visible()
    page.get_by_role("button", name="签到").click()
    page.wait_for_url(re.compile(r"/staffing/$"))
    expect(page.locator(".messages")).to_contain_text("签到成功")
    expect(page.locator('#today tr[data-session="am"] td').nth(2)).to_have_text("5")
    page.get_by_role("link", name="我的月度考勤").click()
    row = page.locator('#records tr[data-day="2026-11-10"][data-session="am"]')
    expect(row).to_have_count(1)
    expect(row.locator("td").nth(3)).to_have_text("5")  # late minutes
    expect(page.locator("#late-count")).to_have_text("1")


def test_a_person_votes_once_on_the_public_page(page, at_work):
    clerk = f.clerk(name="刘一")
    manager = f.leader("manager")
    awards.vote_period_open(award="red_flag", period="2026-11", actor=manager.user)
    person = f.voter("wangwu")
    page.goto("/staffing/vote/")
    expect(page.get_by_text("请先登录再投票")).to_be_visible()
    login(page, person.username, "/staffing/vote/")
    page.get_by_label(re.compile(re.escape(clerk.window.name))).check()
    page.get_by_role("button", name="投票").click()
    expect(page.locator(".messages")).to_contain_text("投票成功")
    expect(page.locator(".stf-voted")).to_be_visible()
    expect(page.get_by_role("button", name="投票")).to_have_count(0)
    expect(page.locator('[data-votes="1"]')).to_have_count(1)
