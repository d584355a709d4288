"""Search by Chinese words, full pinyin and initials; ranking; filters; a pinned query budget."""

from datetime import date

import pytest

from govhall.catalog.selectors import item_get, item_search
from govhall.catalog.services import item_cancel, item_update
from govhall.core.errors import NotFound
from tests.catalog import factories as f

pytestmark = pytest.mark.django_db

NAMES = {
    "B-1": "营业执照核发",
    "B-2": "营业执照变更登记",
    "B-3": "个体工商户营业执照注销",
    "B-4": "食品经营许可证核发",
    "B-5": "建设工程规划许可证核发",
    "B-6": "营业执照",
}


@pytest.fixture
def catalogue(manager):
    return {
        code: f.make_item(manager, code=code, name=name, with_parts=False) for code, name in NAMES.items()
    }


def names(result) -> list[str]:
    return [i.name for i in result.items]


def test_chinese_words_each_must_be_in_the_name_ranked_exact_then_prefix(catalogue):
    assert names(item_search("营业执照")) == [
        "营业执照",
        "营业执照变更登记",
        "营业执照核发",
        "个体工商户营业执照注销",
    ]
    assert names(item_search("核发 许可证")) == ["建设工程规划许可证核发", "食品经营许可证核发"]


def test_initials_and_full_pinyin(catalogue):
    result = item_search("yyzz")
    assert result.total == 4 and names(result)[0] == "营业执照"  # exact initials first
    assert names(item_search("yyzzhf")) == ["营业执照核发"]
    assert names(item_search("shipinjingying")) == ["食品经营许可证核发"]
    assert names(item_search("YingYe ZhiZhao BianGeng")) == ["营业执照变更登记"]


def test_cancelled_items_are_hidden_unless_asked(catalogue, manager):
    item_cancel(item=catalogue["B-3"], on=date(2026, 1, 5), reason="清理", actor=manager)
    assert "个体工商户营业执照注销" not in names(item_search("营业执照"))
    assert "个体工商户营业执照注销" in names(item_search("营业执照", include_cancelled=True))


def test_filters_by_department_theme_and_service_object(catalogue, manager):
    gtj = f.department("GTJ", "自然资源和规划局")
    kaiban = f.theme()
    item_update(
        item=catalogue["B-5"], changes={"department": gtj, "service_objects": "2"}, actor=manager, note=""
    )
    item_update(item=catalogue["B-1"], changes={"themes": [kaiban]}, actor=manager, note="")
    assert names(item_search("", department="GTJ")) == ["建设工程规划许可证核发"]
    assert names(item_search("", theme="kaiban")) == ["营业执照核发"]
    assert "建设工程规划许可证核发" not in names(item_search("", service_object="1"))
    assert item_search("", service_object="2").total == 6


def test_pagination_and_nonsense(catalogue):
    page = item_search("", limit=4, offset=4)
    assert page.total == 6 and len(page.items) == 2
    assert item_search("zzzzqqq").total == 0
    assert item_search("不存在的事项").items == []


def test_query_budget_is_two_queries_whatever_the_page_size(catalogue, django_assert_num_queries):
    with django_assert_num_queries(2):
        result = item_search("yyzz", limit=50)
        assert [i.department.name for i in result.items]  # department comes with the page


def test_item_get_raises_not_found_in_chinese(catalogue):
    assert item_get("B-1").name == "营业执照核发"
    with pytest.raises(NotFound) as exc:
        item_get("NOPE")
    assert exc.value.code == "catalog.item_not_found" and "未找到编码为 NOPE 的事项" in exc.value.message
