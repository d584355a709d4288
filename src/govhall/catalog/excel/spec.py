"""The workbook layout (sheets, Chinese column headers, field names) and cell conversion."""

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.utils.translation import gettext as _

from govhall.catalog.models import (
    CaseKind,
    CountersignMode,
    ItemLevel,
    ItemStatus,
    ItemType,
    LimitUnit,
    ReportCategory,
    Theme,
)
from govhall.catalog.validation import to_decimal
from govhall.org.models import Role


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    kind: str = "text"  # text, int, decimal, bool, date, choice, list, json
    choices: type | None = None
    required: bool = False


def _c(header, field, kind="text", choices=None, required=False) -> Column:
    return Column(header, field, kind, choices, required)


ITEMS, MATERIALS, FEES, FLOW, PRECONDITIONS, FAQS, THEMES = (
    "事项",
    "材料",
    "收费",
    "流程",
    "前置条件",
    "常见问题",
    "主题",
)
ITEM_CODE = _c("实施编码", "item", required=True)

SHEETS: dict[str, list[Column]] = {
    THEMES: [
        _c("主题编码", "code", required=True),
        _c("名称", "name", required=True),
        _c("对象", "audience", "choice", Theme.Audience, True),
        _c("排序", "sort", "int"),
    ],
    ITEMS: [
        _c("实施编码", "code", required=True),
        _c("基本编码", "base_code"),
        _c("事项名称", "name", required=True),
        _c("事项类型", "item_type", "choice", ItemType, True),
        _c("统计类别", "category", "choice", ReportCategory, True),
        _c("行使层级", "level", "choice", ItemLevel, True),
        _c("实施部门编码", "department", required=True),
        _c("服务对象", "service_objects", required=True),
        _c("办件类型", "case_kind", "choice", CaseKind, True),
        _c("法定时限", "legal_limit", "decimal", required=True),
        _c("法定时限单位", "legal_limit_unit", "choice", LimitUnit, True),
        _c("承诺时限", "promised_limit", "decimal", required=True),
        _c("承诺时限单位", "promised_limit_unit", "choice", LimitUnit, True),
        _c("预审时限（工作日）", "pre_review_limit", "decimal", required=True),
        _c("设定依据", "legal_basis", required=True),
        _c("受理条件", "conditions"),
        _c("办理流程", "process"),
        _c("到办事现场次数", "visits", "int", required=True),
        _c("网上办理", "online", "bool"),
        _c("支持预约", "appointment", "bool"),
        _c("网上支付", "pay_online", "bool"),
        _c("物流快递", "express", "bool"),
        _c("容缺受理", "tolerant", "bool"),
        _c("告知承诺", "commitment", "bool"),
        _c("办理地点", "place"),
        _c("办理时间", "hours"),
        _c("咨询电话", "consult_phone"),
        _c("投诉电话", "complaint_phone"),
        _c("主题编码", "themes", "list"),
        _c("受理窗口（场所编码/窗口号）", "windows", "list"),
        _c("状态", "status", "choice", ItemStatus, True),
        _c("取消日期", "cancelled_on", "date"),
        _c("取消原因", "cancel_reason"),
        _c("申请表填写项（JSON）", "form_fields", "json"),
    ],
    MATERIALS: [
        ITEM_CODE,
        _c("材料名称", "name", required=True),
        _c("来源/出具单位", "issuer"),
        _c("原件份数", "originals", "int"),
        _c("复印件份数", "copies", "int"),
        _c("必要", "required", "bool"),
        _c("主要材料", "is_main", "bool"),
        _c("示例/填写说明", "sample"),
    ],
    FEES: [
        ITEM_CODE,
        _c("收费项目", "name", required=True),
        _c("收费标准", "standard", required=True),
        _c("金额（元）", "amount", "decimal"),
        _c("收费依据", "legal_basis", required=True),
    ],
    FLOW: [
        ITEM_CODE,
        _c("序号", "order", "int", required=True),
        _c("环节名称", "name", required=True),
        _c("办理角色", "role", "choice", Role, True),
        _c("办理部门编码", "department"),
        _c("环节时限", "limit", "decimal", required=True),
        _c("时限单位", "limit_unit", "choice", LimitUnit, True),
        _c("会签方式", "countersign_mode", "choice", CountersignMode, True),
        _c("会签部门编码", "countersign_departments", "list"),
    ],
    PRECONDITIONS: [
        ITEM_CODE,
        _c("前置事项编码", "required_item"),
        _c("前置证照/文件", "document_name"),
        _c("状态", "status", "choice", ItemStatus, True),
        _c("取消日期", "cancelled_on", "date"),
        _c("取消原因", "cancel_reason"),
    ],
    FAQS: [ITEM_CODE, _c("问题", "question", required=True), _c("解答", "answer", required=True)],
}
BOOL_TRUE, BOOL_FALSE = {"是", "true", "1", "y", "yes"}, {"否", "false", "0", "n", "no"}


class CellError(ValueError):
    """A cell that cannot be read; the message is Chinese and names no row (the caller adds it)."""


def header(sheet: str, field: str) -> str:
    return next((c.header for c in SHEETS[sheet] if c.field == field), field)


def to_cell(column: Column, value):
    """A Python value as written to the workbook: labels for choices, 是/否 for flags."""
    if value is None or value == "" or (column.kind == "json" and not value):
        return None
    if column.kind == "json":
        return json.dumps(value, ensure_ascii=False)
    if column.kind == "bool":
        return _("是") if value else _("否")
    if column.kind == "choice":
        return str(column.choices(value).label)
    if column.kind == "list":
        return ",".join(value)
    if column.kind == "decimal":
        return Decimal(value)
    return value


def _parse_int(value) -> int:
    number = to_decimal(value)
    if number is None or number % 1 != 0:
        raise CellError(_("须为整数"))
    return int(number)


def _parse_choice(column: Column, value):
    text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value).strip()
    for choice in column.choices:
        code = str(choice.value)
        if text in (code, str(choice.label)) or (
            text.isdigit() and code.isdigit() and int(text) == int(code)
        ):
            return choice.value  # "1" typed for "01" still reads as item type 01
    labels = "、".join(str(c.label) for c in column.choices)
    raise CellError(_("“%(v)s”无效，应为以下之一：%(l)s") % {"v": text[:20], "l": labels})


def _parse_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise CellError(_("日期格式应为 YYYY-MM-DD")) from None


def _parse_bool(value) -> bool:
    text = str(value).strip().lower()
    if text in BOOL_TRUE:
        return True
    if text in BOOL_FALSE:
        return False
    raise CellError(_("须填“是”或“否”"))


def _parse_json(value) -> list:
    try:
        parsed = json.loads(str(value))
    except ValueError:
        raise CellError(_('须为 JSON 列表，如 [{"key": "premises", "label": "经营场所"}]')) from None
    if not isinstance(parsed, list):
        raise CellError(_("须为 JSON 列表"))
    return parsed


def from_cell(column: Column, value):
    """Read one cell; empty cells give None (``required`` is checked by the caller)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if column.kind == "int":
        return _parse_int(value)
    if column.kind == "decimal":
        number = to_decimal(value)
        if number is None:
            raise CellError(_("须为数字"))
        return number
    if column.kind == "bool":
        return _parse_bool(value)
    if column.kind == "date":
        return _parse_date(value)
    if column.kind == "choice":
        return _parse_choice(column, value)
    if column.kind == "list":
        return [part.strip() for part in str(value).replace("，", ",").split(",") if part.strip()]
    if column.kind == "json":
        return _parse_json(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a code typed into Excel as a number
    return str(value).strip()
