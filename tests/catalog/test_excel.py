"""Excel round trip and the all-or-nothing import with every bad row reported."""

from datetime import date

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from govhall.catalog.excel import catalogue_export, catalogue_import
from govhall.catalog.models import FlowStep, ItemStatus, Precondition, ServiceItem, Theme
from govhall.catalog.services import (
    item_cancel,
    item_set_windows,
    item_update,
    precondition_add,
    precondition_cancel,
)
from govhall.catalog.snapshot import item_snapshot
from govhall.core.models import AuditEvent
from tests.catalog import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(manager):
    gtj, zhk = f.department("GTJ", "自然资源和规划局"), f.department("ZHK", "综合受理科")
    licence = f.make_item(manager, code="YYZZ-1", name="营业执照核发", themes=[f.theme()])
    food = f.make_item(manager, code="SPJY-1", name="食品经营许可证核发")
    plan = f.make_item(
        manager, code="GH-1", name="建设工程规划许可证核发", department=gtj, item_type="01",
        legal_limit=20, promised_limit=10, with_parts=False,
    )  # fmt: skip
    countersign = [{"order": 1, "name": "联合审查", "role": "approver", "limit": 5, "countersign_mode": "all",
                    "countersign_departments": [gtj, zhk]}]  # fmt: skip
    item_update(item=plan, changes={"flow": countersign}, actor=manager, note="会签")
    f.make_item(
        manager, code="GG-1", name="供水报装", item_type="20", case_kind=1, promised_limit=0, with_parts=False
    )
    old = f.make_item(
        manager, code="OLD-1", name="已取消的审批", item_type="10", category="non_licensing", with_parts=False
    )
    precondition_add(item=food, required_item=licence, actor=manager)
    doc = precondition_add(item=plan, document_name="用地预审意见", actor=manager)
    precondition_cancel(precondition=doc, on=date(2026, 2, 1), reason="合并办理", actor=manager)
    precondition_add(item=plan, required_item=old, actor=manager)
    item_cancel(item=old, on=date(2026, 3, 1), reason="清理文件取消", actor=manager)
    item_set_windows(item=food, windows=[f.window(food.department, "B07")], actor=manager)
    return ServiceItem.objects.count()


def _catalogue_state() -> dict:
    snaps = {}
    for item in ServiceItem.objects.all():
        snap = item_snapshot(item)
        snap["windows"] = sorted(f"{w.site.code}/{w.number}" for w in item.windows.all())
        snaps[item.code] = snap
    return snaps


def _sheet_values(path) -> dict:
    book = load_workbook(path, read_only=True)
    return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in book.worksheets}


def _empty_catalogue() -> None:
    Precondition.objects.all().delete()
    FlowStep.objects.all().delete()
    ServiceItem.objects.all().delete()
    Theme.objects.all().delete()


def test_round_trip_into_an_empty_catalogue_gives_the_same_catalogue(catalogue, tmp_path, capsys):
    first = tmp_path / "first.xlsx"
    call_command("catalog", "export", str(first))
    assert "已导出" in capsys.readouterr().out
    before = _catalogue_state()
    _empty_catalogue()
    call_command("catalog", "import", str(first))
    out = capsys.readouterr().out
    assert "事项 5 行（新增 5，更新 0，未变 0）" in out and "前置条件 3 行" in out
    assert _catalogue_state() == before
    second = tmp_path / "second.xlsx"
    catalogue_export(second)
    assert _sheet_values(second) == _sheet_values(first)


def test_reimporting_the_same_file_changes_nothing(catalogue, tmp_path):
    path = tmp_path / "c.xlsx"
    catalogue_export(path)
    versions = dict(ServiceItem.objects.values_list("code", "version"))
    report = catalogue_import(path)
    assert report.ok, report.errors
    assert report.written["unchanged"] == 4 and report.written["created"] == 0  # the cancelled one is skipped
    assert dict(ServiceItem.objects.values_list("code", "version")) == versions


def test_edited_row_updates_the_item_with_a_new_version(catalogue, tmp_path):
    path = tmp_path / "c.xlsx"
    catalogue_export(path)
    book = load_workbook(path)
    ws = book["事项"]
    headers = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "SPJY-1")
    row[headers.index("承诺时限")].value = 4
    book.save(path)
    report = catalogue_import(path)
    assert report.ok, report.errors and report.written["updated"] == 1
    item = ServiceItem.objects.get(code="SPJY-1")
    assert item.promised_limit == 4 and item.version == 2


def _bad_workbook(path) -> None:
    book = load_workbook(path)
    items, materials, fees = book["事项"], book["材料"], book["收费"]
    headers = [c.value for c in items[1]]
    col = {h: i for i, h in enumerate(headers)}
    new = [c.value for c in items[2]]
    new[col["实施编码"]], new[col["事项名称"]] = "NEW-1", "新事项"
    new[col["法定时限"]], new[col["承诺时限"]] = 5, 8  # row 7: promised > legal
    items.append(new)
    second = list(new)
    second[col["实施编码"]], second[col["实施部门编码"]], second[col["到办事现场次数"]] = (
        "NEW-2",
        "NOPE",
        3,
    )  # row 8
    items.append(second)
    third = list(new)
    third[col["实施编码"]], third[col["承诺时限"]], third[col["网上办理"]] = "NEW-3", "三天", "也许"  # row 9
    items.append(third)
    materials.append(["NEW-1", "", None, 1, 1, "是", "是", None])
    materials.append(["MISSING-9", "身份证", None, 1, 1, "是", "是", None])
    fees.append(["NEW-1", "工本费", "10元", -10, ""])
    book["前置条件"].append(["YYZZ-1", "SPJY-1", None, "保留", None, None])  # a cycle
    book.save(path)


def test_bad_rows_are_all_reported_and_nothing_is_imported(catalogue, tmp_path, capsys):
    path = tmp_path / "bad.xlsx"
    catalogue_export(path)
    _bad_workbook(path)
    audit_before = AuditEvent.objects.count()
    with pytest.raises(SystemExit) as exc:
        call_command("catalog", "import", str(path))
    assert exc.value.code == 1
    err = capsys.readouterr().err
    expected = [
        "事项 第7行 承诺时限：承诺时限不得超过法定时限",
        "事项 第8行 实施部门编码：部门编码 NOPE 不存在",
        "事项 第8行 到办事现场次数：到办事现场次数只能是 0、1 或 2",
        "事项 第9行 承诺时限：须为数字",
        "事项 第9行 网上办理：须填“是”或“否”",
        "材料 第",
        "材料名称：必填，不能为空",
        "实施编码：事项 MISSING-9 不在“事项”工作表中",
        "收费依据：必填，不能为空",
        "金额（元）：收费金额须为不小于 0 的金额",
        "前置条件 第5行 前置事项编码：前置条件形成循环",
        "未导入任何数据",
    ]
    for line in expected:
        assert line in err, line
    assert (
        ServiceItem.objects.count() == catalogue
        and not ServiceItem.objects.filter(code__startswith="NEW").exists()
    )
    assert AuditEvent.objects.count() == audit_before


def test_unreadable_file_and_missing_columns(tmp_path, db):
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a workbook")
    report = catalogue_import(junk)
    assert not report.ok and "无法读取工作簿" in report.errors[0]
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "事项"
    book.active.append(["实施编码", "事项名称"])
    book.save(tmp_path / "thin.xlsx")
    report = catalogue_import(tmp_path / "thin.xlsx")
    assert "事项 第1行 设定依据：缺少该列" in report.errors


def test_cancelled_item_in_file_cannot_be_revived(catalogue, tmp_path):
    path = tmp_path / "c.xlsx"
    catalogue_export(path)
    book = load_workbook(path)
    ws = book["事项"]
    headers = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "OLD-1")
    row[headers.index("状态")].value = "保留"
    book.save(path)
    report = catalogue_import(path)
    assert any("状态：该事项已于 2026-03-01 取消，导入不能恢复为保留" in e for e in report.errors), (
        report.errors
    )
    assert ServiceItem.objects.get(code="OLD-1").status == ItemStatus.CANCELLED
