"""Pure checks of catalogue data (GB/T 39046-2020 fields, RULES.md). No database writes.

Each check returns a list of ``Problem`` instead of raising, so the Excel import can report every
bad row at once; the services raise the first problem as a ``ValidationFailed``.
"""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from govhall.catalog.models import (
    CaseKind,
    CountersignMode,
    ItemLevel,
    ItemType,
    LimitUnit,
    ReportCategory,
)
from govhall.core.errors import ValidationFailed
from govhall.org.models import Role

CODE_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z\-]{0,39}$")
MAX_LIMIT = Decimal("9999")
# An instant item (即办件) is concluded at the window: its promised limit is 0 (on the spot) or at most
# one working day, i.e. ≤ 1 workday or ≤ 8 hours (one working day of the hall).
INSTANT_MAX = {
    LimitUnit.WORKDAY: Decimal("1"),
    LimitUnit.HOUR: Decimal("8"),
    LimitUnit.NATURAL_DAY: Decimal("0"),
}
# Which report category each item type may carry; non-licensing approvals were regrouped under
# "other administrative power" (10) in the 2015 clean-ups, so they keep that type code.
CATEGORY_TYPES = {
    ReportCategory.LICENSING: {ItemType.LICENSING},
    ReportCategory.NON_LICENSING: {ItemType.OTHER_POWER},
    ReportCategory.PUBLIC_SERVICE: {ItemType.PUBLIC_SERVICE},
    ReportCategory.OTHER: set(ItemType.values) - {ItemType.LICENSING, ItemType.PUBLIC_SERVICE},
}


@dataclass(frozen=True)
class Problem:
    """One bad value: which part (item, materials, fees, flow, faqs), which row, which field, why."""

    field: str
    code: str
    message: str
    part: str = "item"
    index: int | None = None

    def as_dict(self) -> dict:
        return {
            "part": self.part,
            "index": self.index,
            "field": self.field,
            "code": self.code,
            "message": self.message,
        }


def raise_first(problems: list[Problem]) -> None:
    """Raise the first problem as ValidationFailed; all of them travel in ``errors``."""
    if problems:
        first = problems[0]
        raise ValidationFailed(
            first.message, code=first.code, field=first.field, errors=[p.as_dict() for p in problems]
        )


def default_category(item_type: str) -> str:
    if item_type == ItemType.LICENSING:
        return ReportCategory.LICENSING
    if item_type == ItemType.PUBLIC_SERVICE:
        return ReportCategory.PUBLIC_SERVICE
    return ReportCategory.OTHER


def to_decimal(value) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def check_limit(value, unit: str, field: str, label: str, part: str = "item", index=None) -> list[Problem]:
    """A limit is a number ≥ 0 in its unit; working days go in half-day steps, days and hours whole."""
    number = to_decimal(value)
    if unit not in LimitUnit.values:
        return [
            Problem(
                f"{field}_unit",
                "catalog.limit_unit_invalid",
                _("%(label)s的单位应为工作日、自然日或小时") % {"label": label},
                part,
                index,
            )
        ]
    if number is None or number < 0 or number > MAX_LIMIT:
        return [
            Problem(
                field,
                "catalog.limit_invalid",
                _("%(label)s应为 0 至 9999 之间的数字") % {"label": label},
                part,
                index,
            )
        ]
    if unit == LimitUnit.WORKDAY and (number * 2) % 1 != 0:
        return [
            Problem(
                field,
                "catalog.limit_half_day",
                _("%(label)s按半个工作日计，只能是 0.5 的整数倍") % {"label": label},
                part,
                index,
            )
        ]
    if unit != LimitUnit.WORKDAY and number % 1 != 0:
        return [
            Problem(
                field,
                "catalog.limit_whole",
                _("%(label)s以自然日或小时计时须为整数") % {"label": label},
                part,
                index,
            )
        ]
    return []


def check_code(code: str) -> list[Problem]:
    if not code:
        return [Problem("code", "catalog.code_required", _("请填写实施编码"))]
    if not CODE_RE.match(code):
        return [
            Problem("code", "catalog.code_invalid", _("实施编码只能由字母、数字和连字符组成，最长 40 位"))
        ]
    return []


def check_service_objects(value: str) -> list[Problem]:
    # GB/T 39046 service object codes 1–6, each at most once.
    if not value or any(c not in "123456" for c in value) or len(set(value)) != len(value):
        return [
            Problem(
                "service_objects",
                "catalog.service_objects_invalid",
                _("服务对象须为 1–6 的数字代码且不重复，如“12”"),
            )
        ]
    return []


def check_kind_fields(data: dict) -> list[Problem]:
    problems = []
    if data.get("item_type") not in ItemType.values:
        problems.append(
            Problem("item_type", "catalog.item_type_invalid", _("事项类型代码无效（01–10 或 20）"))
        )
    category = data.get("category")
    if category not in ReportCategory.values:
        problems.append(Problem("category", "catalog.category_invalid", _("统计类别无效")))
    elif data.get("item_type") in ItemType.values and data["item_type"] not in CATEGORY_TYPES[category]:
        problems.append(
            Problem(
                "category",
                "catalog.category_mismatch",
                _(
                    "统计类别与事项类型不符：行政许可须为类型 01，非行政许可审批须为类型 10，公共服务须为类型 20"
                ),
            )
        )
    if data.get("level") not in ItemLevel.values:
        problems.append(Problem("level", "catalog.level_invalid", _("行使层级须为 1–6")))
    if data.get("case_kind") not in CaseKind.values:
        problems.append(
            Problem("case_kind", "catalog.case_kind_invalid", _("办件类型须为 1（即办件）或 2（承诺件）"))
        )
    if data.get("visits") not in (0, 1, 2):
        problems.append(Problem("visits", "catalog.visits_invalid", _("到办事现场次数只能是 0、1 或 2")))
    return problems + check_service_objects(data.get("service_objects") or "")


def check_limits(data: dict) -> list[Problem]:
    problems = check_limit(
        data.get("legal_limit"), data.get("legal_limit_unit"), "legal_limit", _("法定时限")
    )
    problems += check_limit(
        data.get("promised_limit"), data.get("promised_limit_unit"), "promised_limit", _("承诺时限")
    )
    problems += check_limit(
        data.get("pre_review_limit"), LimitUnit.WORKDAY, "pre_review_limit", _("预审时限")
    )
    if problems:
        return problems
    legal, promised = to_decimal(data["legal_limit"]), to_decimal(data["promised_limit"])
    unit = data["promised_limit_unit"]
    if unit == data["legal_limit_unit"] and promised > legal:
        problems.append(
            Problem("promised_limit", "catalog.promised_exceeds_legal", _("承诺时限不得超过法定时限"))
        )
    if data.get("case_kind") == CaseKind.INSTANT and promised > INSTANT_MAX[unit]:
        problems.append(
            Problem(
                "promised_limit",
                "catalog.instant_limit",
                _("即办件的承诺时限须为 0（当场办结）或不超过 1 个工作日（8 小时）"),
            )
        )
    if data.get("case_kind") == CaseKind.PROMISED and promised == 0:
        problems.append(
            Problem("promised_limit", "catalog.promised_limit_required", _("承诺件须填写大于 0 的承诺时限"))
        )
    return problems


def check_item_fields(data: dict) -> list[Problem]:
    """Checks of the item's own fields (``data`` already carries every field, defaults filled)."""
    problems = check_code(data.get("code") or "")
    if not (data.get("name") or "").strip():
        problems.append(Problem("name", "catalog.name_required", _("请填写事项名称")))
    elif len(data["name"]) > 128:
        problems.append(Problem("name", "catalog.name_too_long", _("事项名称不得超过 128 个字")))
    if data.get("department") is None:
        problems.append(Problem("department", "catalog.department_required", _("请选择实施部门")))
    elif not data["department"].active:
        problems.append(
            Problem(
                "department", "catalog.department_inactive", _("实施部门已撤出中心，不能新增或修改其事项")
            )
        )
    if not (data.get("legal_basis") or "").strip():
        problems.append(
            Problem(
                "legal_basis", "catalog.legal_basis_required", _("请填写设定依据（法律、法规或规章条款）")
            )
        )
    return problems + check_kind_fields(data) + check_limits(data)


def check_materials(materials: list[dict]) -> list[Problem]:
    problems, seen = [], set()
    for i, m in enumerate(materials):
        name = (m.get("name") or "").strip()
        if not name:
            problems.append(
                Problem("name", "catalog.material_name_required", _("请填写材料名称"), "materials", i)
            )
        elif name in seen:
            problems.append(
                Problem(
                    "name",
                    "catalog.material_duplicate",
                    _("材料“%(name)s”重复") % {"name": name},
                    "materials",
                    i,
                )
            )
        seen.add(name)
        for field, label in (("originals", _("原件份数")), ("copies", _("复印件份数"))):
            value = m.get(field, 0)
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 99:
                problems.append(
                    Problem(
                        field,
                        "catalog.material_count_invalid",
                        _("%(label)s须为 0–99 的整数") % {"label": label},
                        "materials",
                        i,
                    )
                )
    return problems


def check_fees(fees: list[dict]) -> list[Problem]:
    problems = []
    for i, fee in enumerate(fees):
        if not (fee.get("name") or "").strip():
            problems.append(Problem("name", "catalog.fee_name_required", _("请填写收费项目名称"), "fees", i))
        if not (fee.get("standard") or "").strip():
            problems.append(
                Problem("standard", "catalog.fee_standard_required", _("请填写收费标准"), "fees", i)
            )
        if fee.get("amount") not in (None, ""):
            amount = to_decimal(fee["amount"])
            if amount is None or amount < 0 or amount.as_tuple().exponent < -2:
                problems.append(
                    Problem(
                        "amount",
                        "catalog.fee_amount_invalid",
                        _("收费金额须为不小于 0 的金额（元，最多两位小数）"),
                        "fees",
                        i,
                    )
                )
        # 行政事业性收费 must rest on a published basis (价格法 Art. 47, 行政许可法 Art. 59).
        if not (fee.get("legal_basis") or "").strip():
            problems.append(
                Problem(
                    "legal_basis",
                    "catalog.fee_basis_required",
                    _("请填写收费依据（文件名称及文号）"),
                    "fees",
                    i,
                )
            )
    return problems


def _ratio_ok(value) -> bool:
    try:
        ratio = Decimal(str(value))
    except (ArithmeticError, ValueError, TypeError):
        return False
    return Decimal(0) < ratio <= Decimal(1)


def _check_step(i: int, step: dict) -> list[Problem]:
    problems = []
    if not (step.get("name") or "").strip():
        problems.append(Problem("name", "catalog.flow_name_required", _("请填写环节名称"), "flow", i))
    if step.get("role") not in Role.values:
        problems.append(Problem("role", "catalog.flow_role_invalid", _("办理角色无效"), "flow", i))
    problems += check_limit(
        step.get("limit"), step.get("limit_unit", LimitUnit.WORKDAY), "limit", _("环节时限"), "flow", i
    )
    mode = step.get("countersign_mode", CountersignMode.NONE)
    count = len(step.get("countersign_departments") or [])
    if mode not in CountersignMode.values:
        problems.append(
            Problem("countersign_mode", "catalog.flow_countersign_invalid", _("会签方式无效"), "flow", i)
        )
    elif mode != CountersignMode.NONE and count < 2:
        problems.append(
            Problem(
                "countersign_departments",
                "catalog.flow_countersign_invalid",
                _("会签或或签环节至少需要两个部门"),
                "flow",
                i,
            )
        )
    elif mode == CountersignMode.RATIO and not _ratio_ok(step.get("pass_ratio")):
        problems.append(
            Problem(
                "pass_ratio",
                "catalog.flow_ratio_invalid",
                _("比例会签须填写大于 0、不超过 1 的通过比例"),
                "flow",
                i,
            )
        )
    elif mode == CountersignMode.NONE and count:
        problems.append(
            Problem(
                "countersign_departments",
                "catalog.flow_countersign_invalid",
                _("单人办理环节不能指定会签部门"),
                "flow",
                i,
            )
        )
    return problems


def check_flow(flow: list[dict], data: dict) -> list[Problem]:
    problems = []
    orders = [step.get("order") for step in flow]
    if orders != list(range(1, len(flow) + 1)):
        problems.append(
            Problem("order", "catalog.flow_order_invalid", _("办理环节序号须从 1 开始连续编号"), "flow", 0)
        )
    for i, step in enumerate(flow):
        problems += _check_step(i, step)
    if problems or data.get("promised_limit_unit") != LimitUnit.WORKDAY:
        return problems
    # The steps of a case run one after another inside the promised limit.
    in_workdays = [
        to_decimal(s["limit"]) for s in flow if s.get("limit_unit", LimitUnit.WORKDAY) == LimitUnit.WORKDAY
    ]
    promised = to_decimal(data.get("promised_limit"))
    if promised and sum(in_workdays, Decimal(0)) > promised:
        problems.append(
            Problem(
                "limit",
                "catalog.flow_exceeds_promised",
                _("各环节时限之和超过承诺时限"),
                "flow",
                len(flow) - 1,
            )
        )
    return problems


def check_faqs(faqs: list[dict]) -> list[Problem]:
    problems = []
    for i, faq in enumerate(faqs):
        if not (faq.get("question") or "").strip() or not (faq.get("answer") or "").strip():
            problems.append(
                Problem("question", "catalog.faq_incomplete", _("常见问题须同时填写问题和解答"), "faqs", i)
            )
    return problems
