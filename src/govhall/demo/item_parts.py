"""Pure helpers that turn an item row into its derived parts: texts, flow steps, limits, pinyin."""

import re
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from pypinyin import lazy_pinyin

from govhall.catalog.models import CaseKind, CountersignMode, ReportCategory
from govhall.demo.rows import ItemRow
from govhall.org.models import Role

_CATEGORY = {
    "01": ReportCategory.LICENSING,
    "NL": ReportCategory.NON_LICENSING,
    "20": ReportCategory.PUBLIC_SERVICE,
}
_ALNUM = re.compile(r"[0-9a-z]+")
_DECIDING_TYPES = {"01", "NL", "07"}  # decided under the chief representative's delegated powers


@dataclass(frozen=True)
class StepSpec:
    name: str
    role: str
    limit: Decimal
    countersign_mode: str = CountersignMode.NONE
    countersign: tuple[str, ...] = ()


def item_type(row: ItemRow) -> str:
    return "10" if row.type_code == "NL" else row.type_code


def category(row: ItemRow) -> str:
    return _CATEGORY.get(row.type_code, ReportCategory.OTHER)


def case_kind(row: ItemRow) -> int:
    return CaseKind.INSTANT if row.promised == 0 else CaseKind.PROMISED


def pinyin_of(name: str) -> tuple[str, str]:
    """Full pinyin and initials as the catalogue search stores them (lower-case letters and digits,
    no separators): 食品经营许可 → ("shipinjingyingxuke", "spjyxk"); 80周岁 → "80zhousui", "8zs"."""
    raw = lazy_pinyin(name, errors=lambda chunk: list(chunk))
    tokens = [t for t in ("".join(_ALNUM.findall(tok.lower())) for tok in raw) if t]
    return "".join(tokens)[:512], "".join(t[0] for t in tokens)[:128]


def _allocate(total: Decimal, weights: list[int], grain: Decimal, main: int) -> list[Decimal]:
    """Split ``total`` into steps of ``grain`` (half working days) by weight; the remainder goes to
    the main step and no step is left at zero while another can spare a grain."""
    weight_sum = sum(weights)
    shares = [(total * w / weight_sum / grain).to_integral_value(ROUND_FLOOR) * grain for w in weights]
    shares[main] += total - sum(shares)
    for i, share in enumerate(shares):
        donor = max(range(len(shares)), key=lambda j: shares[j])
        if share == 0 and shares[donor] > grain:
            shares[donor] -= grain
            shares[i] = grain
    return shares


def flow_steps(row: ItemRow) -> list[StepSpec]:
    """受理 (clerk) → [现场踏勘] → [会签] → 审核 (approver) → 批准 (chief) or 办结."""
    if row.promised == 0:
        if item_type(row) in ("01", "10"):
            return [StepSpec("受理", Role.CLERK, Decimal(0)), StepSpec("即时审批", Role.CHIEF, Decimal(0))]
        return [StepSpec("受理办结", Role.CLERK, Decimal(0))]
    plan: list[tuple[str, str, int, str, tuple[str, ...]]] = [
        ("受理", Role.CLERK, 1, CountersignMode.NONE, ())
    ]
    if "s" in row.flags:
        plan.append(("现场踏勘", Role.INSPECTOR, 2, CountersignMode.NONE, ()))
    if row.countersign:
        mode, depts = row.countersign
        plan.append(("部门会签", Role.APPROVER, 3, mode, depts))
    plan.append(("审核", Role.APPROVER, 3, CountersignMode.NONE, ()))
    main = len(plan) - 1
    if row.type_code in _DECIDING_TYPES:
        plan.append(("批准", Role.CHIEF, 1, CountersignMode.NONE, ()))
    else:
        plan.append(("办结", Role.APPROVER, 1, CountersignMode.NONE, ()))
    grain = Decimal("0.5") if row.unit == "workday" else Decimal(1)
    limits = _allocate(row.promised, [p[2] for p in plan], grain, main)
    return [
        StepSpec(name, role, limit, mode, depts)
        for (name, role, _w, mode, depts), limit in zip(plan, limits, strict=True)
    ]


def conditions_text(row: ItemRow) -> str:
    organisations = set(row.objects) - {"1"}
    if organisations and "1" in row.objects:
        who = "申请人为自然人、法人或者其他组织（自然人须具有完全民事行为能力）"
    elif organisations:
        who = "申请人为依法设立的企业、事业单位或其他组织"
        if row.type_code == "01":
            who += "，具备与申请事项相适应的场所、设施、人员和管理制度"
    else:
        who = "申请人为具有完全民事行为能力的自然人（无民事行为能力或限制民事行为能力人由监护人代为申请）"
    return f"{who}；符合{row.basis.split('；')[0]}规定的条件；申请材料齐全、符合法定形式。"


def process_text(row: ItemRow, steps: list[StepSpec]) -> str:
    lines = ["1. 申请：申请人通过网上政务服务大厅或到窗口提交申请材料。"]
    for i, step in enumerate(steps, start=2):
        lines.append(f"{i}. {step.name}：{_STEP_TEXT.get(step.name, '依法办理。')}")
    end = "当场出具办理结果。" if row.promised == 0 else "窗口通知申请人领取结果，或按申请人选择邮寄送达。"
    lines.append(f"{len(steps) + 2}. 送达：{end}")
    return "\n".join(lines)


_STEP_TEXT = {
    "受理": "窗口工作人员对申请材料进行审查，材料齐全、符合法定形式的予以受理；不齐全的一次性告知需补正的全部内容。",
    "受理办结": "窗口工作人员审查材料，符合条件的当场办结。",
    "即时审批": "首席代表依授权当场作出审批决定。",
    "现场踏勘": "踏勘人员到现场核查申请人的场所、设施与申请材料是否一致。",
    "部门会签": "相关部门同步会签，出具意见。",
    "审核": "承办人员对申请材料和核查情况进行审核，提出审核意见。",
    "批准": "首席代表依授权作出准予或不予许可的决定。",
    "办结": "部门作出办理决定并办结。",
}
