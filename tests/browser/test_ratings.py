"""好差评 in Chromium: an applicant logs in, rates their concluded case with the plain form, and the
public statistics page shows the rating (no personal data)."""

import pytest
from playwright.sync_api import expect

from govhall.ratings.models import Rating
from tests.browser.conftest import login
from tests.ratings import factories as rf


@pytest.fixture
def concluded(live_db):
    applicant = rf.person("wang_wu", name="王五")
    case = rf.concluded_case(applicant)
    return applicant, case


def test_applicant_rates_a_concluded_case_then_public_stats_show_it(page, concluded):
    applicant, case = concluded
    path = f"/ratings/cases/{case.number}/"
    login(page, applicant.username, path)
    expect(page.get_by_role("heading", name="服务评价（好差评）")).to_be_visible()
    page.get_by_label("满意", exact=True).check()
    page.get_by_label("评价内容（选填，最多500字）").fill("<b>办得很快</b>")
    page.get_by_role("button", name="提交评价").click()
    expect(page.locator("#rated")).to_contain_text("您已评价")
    expect(page.locator("#rated")).to_contain_text("<b>办得很快</b>")  # shown as text, not markup
    assert Rating.objects.get(case=case).level == 2

    page.goto("/ratings/")
    expect(page.locator("#total")).to_have_text("1")
    expect(page.locator("#satisfaction")).to_have_text("100.0%")
    expect(page.locator("#by-department")).to_contain_text(case.item.department.name)
    expect(page.locator("#by-item")).to_contain_text(case.item.name)
    assert "王五" not in page.content() and "办得很快" not in page.content()
