"""Phase 1 of the import: turn rows into a plan of service calls, or into a list of errors.

The same checks as the services run here (``catalog.validation``), so that every bad row is found
before anything is written; the services check again when the plan is carried out.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _

from govhall.catalog import validation as v
from govhall.catalog.excel.reader import Errors, Row
from govhall.catalog.excel.spec import FAQS, FEES, FLOW, ITEMS, MATERIALS, PRECONDITIONS, THEMES, header
from govhall.catalog.form_fields import check_form_fields
from govhall.catalog.models import ItemStatus, Precondition, ServiceItem, Theme
from govhall.catalog.services import ITEM_FIELDS, normalise_item, normalise_parts
from govhall.org.models import Department, Window

PART_SHEETS = {"item": ITEMS, "materials": MATERIALS, "fees": FEES, "flow": FLOW, "faqs": FAQS}


@dataclass
class ItemPlan:
    row: Row
    data: dict
    theme_codes: list[str]
    windows: list[Window]
    existing: ServiceItem | None
    cancel: tuple[date, str] | None = None
    parts: dict[str, list[Row]] = field(default_factory=dict)
    materials: list[dict] = field(default_factory=list)
    fees: list[dict] = field(default_factory=list)
    flow: list[dict] = field(default_factory=list)
    faqs: list[dict] = field(default_factory=list)


@dataclass
class PrePlan:
    row: Row
    item_code: str
    required_code: str | None
    required_existing: ServiceItem | None
    document_name: str
    status: str
    cancelled_on: date | None
    cancel_reason: str
    new_item: bool


@dataclass
class Plan:
    themes: list[dict] = field(default_factory=list)
    items: list[ItemPlan] = field(default_factory=list)
    preconditions: list[PrePlan] = field(default_factory=list)


@dataclass
class Lookups:
    departments: dict[str, Department]
    themes: set[str]
    windows: dict[str, Window]
    existing: dict[str, ServiceItem]
    skipped: set[str] = field(default_factory=set)  # cancelled in the database and in the file


def _lookups(rows: dict[str, list[Row]]) -> Lookups:
    codes = {r.values["code"] for r in rows[ITEMS]} | {r.values["required_item"] for r in rows[PRECONDITIONS]}
    windows = Window.objects.select_related("site")
    return Lookups(
        departments={d.code: d for d in Department.objects.all()},
        themes=set(Theme.objects.values_list("code", flat=True)) | {r.values["code"] for r in rows[THEMES]},
        windows={f"{w.site.code}/{w.number}": w for w in windows},
        existing={i.code: i for i in ServiceItem.objects.filter(code__in=codes - {None})},
    )


def _plan_themes(rows: list[Row], errors: Errors) -> list[dict]:
    themes, seen = [], set()
    for row in rows:
        code = row.values["code"] or ""
        if code and (not v.CODE_RE.match(code) or code in seen):
            errors.add(THEMES, row.number, header(THEMES, "code"), _("编码无效或重复"))
        seen.add(code)
        themes.append(
            {k: row.values[k] for k in ("code", "name", "audience")} | {"sort": row.values["sort"] or 0}
        )
    return themes


def _status(row: Row, sheet: str, errors: Errors) -> tuple[date, str] | None:
    if row.values["status"] != ItemStatus.CANCELLED:
        return None
    for name in ("cancelled_on", "cancel_reason"):
        if not row.values[name]:
            errors.add(sheet, row.number, header(sheet, name), _("状态为取消时必填"))
    return row.values["cancelled_on"], row.values["cancel_reason"] or ""


def _resolve_refs(row: Row, look: Lookups, errors: Errors) -> tuple[dict, list[str], list[Window]]:
    values = row.values
    data = {k: values[k] for k in ITEM_FIELDS if values.get(k) is not None}
    data["department"] = look.departments.get(values["department"])
    if values["department"] and data["department"] is None:
        errors.add(
            ITEMS,
            row.number,
            header(ITEMS, "department"),
            _("部门编码 %(c)s 不存在") % {"c": values["department"]},
        )
    themes = values["themes"] or []
    for code in sorted(set(themes) - look.themes):
        errors.add(ITEMS, row.number, header(ITEMS, "themes"), _("主题 %(c)s 不存在") % {"c": code})
    windows = []
    for key in values["windows"] or []:
        window = look.windows.get(key)
        if window is None:
            errors.add(ITEMS, row.number, header(ITEMS, "windows"), _("窗口 %(w)s 不存在") % {"w": key})
        elif (
            data["department"]
            and window.department_id != data["department"].pk
            and not window.is_comprehensive
        ):
            errors.add(
                ITEMS, row.number, header(ITEMS, "windows"), _("窗口 %(w)s 不属于实施部门") % {"w": key}
            )
        else:
            windows.append(window)
    return data, themes, windows


def _plan_item(row: Row, look: Lookups, errors: Errors) -> ItemPlan | None:
    code = row.values["code"]
    existing = look.existing.get(code)
    cancel = _status(row, ITEMS, errors)
    if existing is not None and existing.status == ItemStatus.CANCELLED:
        if cancel is None:
            reason = _("该事项已于 %(d)s 取消，导入不能恢复为保留") % {"d": existing.cancelled_on}
            errors.add(ITEMS, row.number, header(ITEMS, "status"), reason)
        look.skipped.add(code)
        return None
    data, themes, windows = _resolve_refs(row, look, errors)
    return ItemPlan(row=row, data=data, theme_codes=themes, windows=windows, existing=existing, cancel=cancel)


def _group_parts(
    rows: dict[str, list[Row]], plans: dict[str, ItemPlan], look: Lookups, errors: Errors
) -> None:
    for sheet in (MATERIALS, FEES, FLOW, FAQS):
        for row in rows[sheet]:
            code = row.values["item"]
            if code in plans:
                plans[code].parts.setdefault(sheet, []).append(row)
            elif code and code not in look.skipped:
                errors.add(
                    sheet, row.number, header(sheet, "item"), _("事项 %(c)s 不在“事项”工作表中") % {"c": code}
                )


def _department(row: Row, column: str, code: str, look: Lookups, errors: Errors) -> Department | None:
    if code not in look.departments:
        errors.add(FLOW, row.number, header(FLOW, column), _("部门编码 %(c)s 不存在") % {"c": code})
    return look.departments.get(code)


def _step(row: Row, look: Lookups, errors: Errors) -> dict:
    values = {k: val for k, val in row.values.items() if k != "item" and val is not None}
    codes = values.pop("countersign_departments", [])
    values["countersign_departments"] = [
        _department(row, "countersign_departments", c, look, errors) for c in codes
    ]
    if values.get("department"):
        values["department"] = _department(row, "department", values["department"], look, errors)
    return values


def _check_item(plan: ItemPlan, look: Lookups, errors: Errors) -> None:
    def rows_of(sheet):
        return plan.parts.get(sheet, [])

    def plain(sheet):
        return [
            {k: val for k, val in r.values.items() if k != "item" and val is not None} for r in rows_of(sheet)
        ]

    flow = [_step(r, look, errors) for r in rows_of(FLOW)]
    plan.materials, plan.fees, plan.flow, plan.faqs = normalise_parts(
        plain(MATERIALS), plain(FEES), flow, plain(FAQS)
    )
    plan.data = normalise_item(plan.data)
    problems = v.check_item_fields(plan.data) + v.check_materials(plan.materials) + v.check_fees(plan.fees)
    if plan.row.values["department"]:  # an unknown code was reported already, by its name
        problems = [p for p in problems if p.code != "catalog.department_required"]
    problems += v.check_flow(plan.flow, plan.data) + v.check_faqs(plan.faqs)
    for p in check_form_fields(plan.data["form_fields"]):
        where = _("第 %(n)d 项：") % {"n": p.index + 1} if p.index is not None else ""
        errors.add(ITEMS, plan.row.number, header(ITEMS, "form_fields"), where + p.message)
    for p in problems:
        sheet = PART_SHEETS[p.part]
        row = plan.row if p.part == "item" else rows_of(sheet)[p.index or 0]
        errors.add(sheet, row.number, header(sheet, p.field), p.message)


def _plan_items(rows: dict[str, list[Row]], look: Lookups, errors: Errors) -> list[ItemPlan]:
    plans: dict[str, ItemPlan] = {}
    for row in rows[ITEMS]:
        code = row.values["code"]
        if code in plans:
            errors.add(ITEMS, row.number, header(ITEMS, "code"), _("实施编码 %(c)s 重复") % {"c": code})
            continue
        plan = _plan_item(row, look, errors)
        if plan is not None and code:
            plans[code] = plan
    _group_parts(rows, plans, look, errors)
    for plan in plans.values():
        _check_item(plan, look, errors)
    return list(plans.values())


def plan_import(rows: dict[str, list[Row]], errors: Errors) -> Plan:
    look = _lookups(rows)
    plan = Plan(themes=_plan_themes(rows[THEMES], errors))
    plan.items = _plan_items(rows, look, errors)
    plan.preconditions = _plan_preconditions(rows[PRECONDITIONS], plan.items, look, errors)
    return plan


def _pre_target(row: Row, by_code: dict[str, ItemPlan], look: Lookups, errors: Errors) -> ServiceItem | None:
    code, col = row.values["required_item"], header(PRECONDITIONS, "required_item")
    if bool(code) == bool(row.values["document_name"]):
        errors.add(PRECONDITIONS, row.number, col, _("前置事项编码与前置证照/文件须填且只填一项"))
    elif code and code == row.values["item"]:
        errors.add(PRECONDITIONS, row.number, col, _("事项不能以自身为前置条件"))
    elif code and code not in by_code and code not in look.existing:
        errors.add(PRECONDITIONS, row.number, col, _("前置事项 %(c)s 不存在") % {"c": code})
    elif code and row.values["status"] == ItemStatus.RETAINED:
        target_plan, existing = by_code.get(code), look.existing.get(code)
        cancelled = target_plan.cancel is not None if target_plan else existing.status == ItemStatus.CANCELLED
        if cancelled:
            errors.add(PRECONDITIONS, row.number, col, _("前置事项 %(c)s 已取消") % {"c": code})
    return None if code in by_code else look.existing.get(code)


def _plan_preconditions(
    rows: list[Row], items: list[ItemPlan], look: Lookups, errors: Errors
) -> list[PrePlan]:
    by_code = {p.data["code"]: p for p in items}
    plans, seen = [], set()
    for row in rows:
        code = row.values["item"]
        if code not in by_code:
            if code and code not in look.skipped:
                errors.add(
                    PRECONDITIONS,
                    row.number,
                    header(PRECONDITIONS, "item"),
                    _("事项 %(c)s 不在“事项”工作表中") % {"c": code},
                )
            continue
        existing = _pre_target(row, by_code, look, errors)
        cancel = _status(row, PRECONDITIONS, errors)
        key = (code, row.values["required_item"], row.values["document_name"] or "", cancel)
        if key in seen:
            errors.add(PRECONDITIONS, row.number, header(PRECONDITIONS, "item"), _("前置条件重复"))
        seen.add(key)
        plans.append(
            PrePlan(row, code, row.values["required_item"], existing, row.values["document_name"] or "",
                    row.values["status"], cancel[0] if cancel else None, cancel[1] if cancel else "",
                    new_item=by_code[code].existing is None)
        )  # fmt: skip
    _check_cycles(plans, errors)
    return plans


def _check_cycles(plans: list[PrePlan], errors: Errors) -> None:
    edges: dict[str, set[str]] = defaultdict(set)
    retained = Precondition.objects.filter(status=ItemStatus.RETAINED, required_item__isnull=False)
    for src, dst in retained.values_list("item__code", "required_item__code"):
        edges[src].add(dst)
    file_edges = [p for p in plans if p.required_code and p.status == ItemStatus.RETAINED]
    for p in file_edges:
        edges[p.item_code].add(p.required_code)
    for p in file_edges:
        seen, stack = set(), [p.required_code]
        while stack:
            node = stack.pop()
            if node == p.item_code:
                reason = _("前置条件形成循环：%(b)s 已直接或间接以 %(a)s 为前置") % {
                    "a": p.item_code,
                    "b": p.required_code,
                }
                errors.add(PRECONDITIONS, p.row.number, header(PRECONDITIONS, "required_item"), reason)
                break
            if node not in seen:
                seen.add(node)
                stack.extend(edges.get(node, ()))
