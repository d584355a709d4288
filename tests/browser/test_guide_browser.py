"""The public guide in a real browser: live search (htmx), the guide page, the one-sheet PDF."""

import re
import subprocess

import pytest
from playwright.sync_api import expect

from tests.catalog.factories import make_item


@pytest.fixture
def two_items(live_db):
    make_item(code="QL-001", name="食品经营许可证核发")
    make_item(code="QL-002", name="结婚登记", item_type="07", category="other")


def test_live_search_by_initials_then_guide_and_one_sheet(page, two_items, tmp_path):
    page.goto("/guide/")
    expect(page.locator("#results a", has_text="食品经营许可证核发")).to_have_count(1)
    page.locator("input[name=q]").press_sequentially("jhdj")
    # htmx swaps the results in place, without a page load: only the matching item stays.
    expect(page.locator("#results a", has_text="食品经营许可证核发")).to_have_count(0)
    result_link = page.locator("#results a", has_text="结婚登记")
    expect(result_link).to_have_count(1)
    expect(page).to_have_url(re.compile(r"q=jhdj"))  # hx-push-url keeps the search bookmarkable

    result_link.click()
    page.wait_for_url(re.compile(r"/guide/QL-002/$"))
    assert page.locator("h1").inner_text() == "结婚登记"

    pdf = page.request.get(page.locator("a[href$='sheet.pdf']").get_attribute("href"))
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    path = tmp_path / "sheet.pdf"
    path.write_bytes(pdf.body())
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "结婚登记" in text and "食品经营许可申请书" in text
