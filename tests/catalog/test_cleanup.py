"""Clean-up figures of the work report for a period."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from govhall.catalog.selectors import cleanup_figures
from govhall.catalog.services import item_cancel, precondition_add, precondition_cancel
from govhall.core.errors import ValidationFailed
from tests.catalog import factories as f

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def history(manager):
    """Published in 2025; in 2026 two approvals and one precondition are cancelled."""
    with time_machine.travel(datetime(2025, 6, 1, 10, tzinfo=TZ), tick=False):
        items = {
            "lic1": f.make_item(manager, code="L-1", name="许可一", with_parts=False),
            "lic2": f.make_item(manager, code="L-2", name="许可二", with_parts=False),
            "nonlic": f.make_item(
                manager,
                code="N-1",
                name="非许可审批",
                item_type="10",
                category="non_licensing",
                with_parts=False,
            ),
            "public": f.make_item(manager, code="P-1", name="公共服务", item_type="20", with_parts=False),
            "other": f.make_item(manager, code="O-1", name="行政确认", item_type="07", with_parts=False),
        }
        doc = precondition_add(item=items["lic2"], document_name="环评批复", actor=manager)
    item_cancel(item=items["lic1"], on=date(2026, 3, 10), reason="省政府令取消", actor=manager)
    item_cancel(item=items["nonlic"], on=date(2026, 4, 1), reason="清理非许可审批", actor=manager)
    precondition_cancel(precondition=doc, on=date(2026, 4, 2), reason="改为告知承诺", actor=manager)
    with time_machine.travel(datetime(2026, 8, 1, 10, tzinfo=TZ), tick=False):
        f.make_item(manager, code="P-2", name="后来的公共服务", item_type="20", with_parts=False)
    return items


def test_figures_for_the_year(history):
    figures = cleanup_figures(start=date(2026, 1, 1), end=date(2026, 6, 30))
    assert figures.items_cancelled == 2 and figures.approvals_cancelled == 2
    assert figures.cancelled_by_category == {
        "licensing": 1,
        "non_licensing": 1,
        "public_service": 0,
        "other": 0,
    }
    assert figures.preconditions_cancelled == 1
    # P-2 is published after the period ends, so it is not counted as retained at 30 June.
    assert figures.retained_by_category == {
        "licensing": 1,
        "non_licensing": 0,
        "public_service": 1,
        "other": 1,
    }
    assert figures.sentence == (
        "取消行政许可、非行政许可审批项目2项，取消前置条件1项，保留行政许可事项1项，非行政许可事项0项，公共服务事项1项"
    )


def test_an_earlier_period_sees_the_items_still_in_force(history):
    figures = cleanup_figures(start=date(2025, 1, 1), end=date(2025, 12, 31))
    assert figures.items_cancelled == 0 and figures.preconditions_cancelled == 0
    assert figures.retained_by_category == {
        "licensing": 2,
        "non_licensing": 1,
        "public_service": 1,
        "other": 1,
    }


def test_period_boundaries_are_inclusive(history):
    assert cleanup_figures(start=date(2026, 3, 10), end=date(2026, 3, 10)).items_cancelled == 1
    assert cleanup_figures(start=date(2026, 3, 11), end=date(2026, 3, 31)).items_cancelled == 0


def test_reversed_period_is_refused(history):
    with pytest.raises(ValidationFailed) as exc:
        cleanup_figures(start=date(2026, 2, 1), end=date(2026, 1, 1))
    assert exc.value.code == "catalog.period_invalid" and "开始日期不能晚于结束日期" in exc.value.message


def test_cleanup_page(client, history):
    page = client.get("/guide/cleanup/?start=2026-01-01&end=2026-06-30").content.decode()
    assert "取消行政许可、非行政许可审批项目2项，取消前置条件1项" in page
    bad = client.get("/guide/cleanup/?start=2026-13-01&end=2026-06-30")
    assert bad.status_code == 400 and "格式有误" in bad.content.decode()
