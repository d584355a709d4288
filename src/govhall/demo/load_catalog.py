"""Load the demo catalogue: themes, ~240 items with materials, fees, flows, FAQs, preconditions,
windows and a version-1 snapshot each. Called by ``govhall.demo.seed`` inside its transaction."""

from datetime import date, timedelta

from django.utils import timezone

from govhall.catalog.models import (
    Faq,
    Fee,
    FlowStep,
    ItemLevel,
    ItemStatus,
    ItemVersion,
    Material,
    Precondition,
    ServiceItem,
    Theme,
)
from govhall.demo import item_parts as parts
from govhall.demo.data import items_extra as extra
from govhall.demo.data.form_fields import FORM_FIELDS
from govhall.demo.load_org import OrgRefs
from govhall.demo.rows import ItemRow, MaterialRow, all_rows
from govhall.org.models import Window

try:  # the catalogue's own snapshot, so that version 1 diffs cleanly against later versions
    from govhall.catalog.snapshot import item_snapshot
except ImportError:  # pragma: no cover - the catalogue context is older than this loader
    item_snapshot = None

_PERSON_ID = MaterialRow("申请人（经办人）居民身份证", "公安机关")
_LICENCE = MaterialRow("营业执照（或其他主体资格证明）", "市场监督管理部门")
# Departments whose items the comprehensive windows also take in (一窗受理 of the smaller units).
_COMPREHENSIVE_DEPTS = {"SCJ", "SWJ", "TYJ", "SFJ", "CLH", "QXJ", "LYJ", "JXJ", "SWU", "RFB", "CGJ"}
_VERSION_NOTE = "初始版本（演示数据）"
_TOWNSHIP_WINDOW_OF = {"MZJ": "民政计生", "WJW": "民政计生"}  # the rest go to 农业劳保


def _cancel_dates(count: int) -> list[date]:
    """Dates earlier this year, never in the future, one per cancelled entry."""
    today = timezone.localdate()
    start = date(today.year, 1, 1)
    return [max(start, today - timedelta(days=19 * (i + 1))) for i in range(count)]


def _windows_for(row: ItemRow, refs: OrgRefs) -> list[Window]:
    if row.name in extra.TOWNSHIP_ITEMS:
        return refs.township_windows[_TOWNSHIP_WINDOW_OF.get(row.dept, "农业劳保")]
    windows = list(refs.windows_by_dept.get(row.dept, []))
    if row.dept in _COMPREHENSIVE_DEPTS or not windows:
        windows += refs.comprehensive[:4]  # 综合受理一至四 (not the delivery window)
    return windows


def _place(windows: list[Window]) -> str:
    first = windows[0]
    same_site = sorted({w.number for w in windows if w.site_id == first.site_id})
    place = f"{first.site.name}{'、'.join(same_site)}号窗口"
    if first.site.kind == "township":
        place = f"各乡镇（街道）便民服务中心{first.number}号窗口"
    return place[:128]


def _item(i: int, row: ItemRow, refs: OrgRefs, windows: list[Window]) -> ServiceItem:
    dept = refs.departments[row.dept]
    full, initials = parts.pinyin_of(row.name)
    township = row.name in extra.TOWNSHIP_ITEMS
    item_type = parts.item_type(row)
    base = f"{item_type}{int(dept.sort / 10):03d}{i:04d}"
    online = "n" not in row.flags
    return ServiceItem(
        code=f"{refs.centre.region_code}-{base}",
        base_code=base,
        name=row.name,
        pinyin=full,
        pinyin_initials=initials,
        item_type=item_type,
        category=parts.category(row),
        level=ItemLevel.TOWNSHIP if township else ItemLevel.CITY,
        department=dept,
        service_objects=row.objects,
        case_kind=parts.case_kind(row),
        legal_limit=row.legal,
        legal_limit_unit=row.unit,
        promised_limit=row.promised,
        promised_limit_unit=row.unit,
        pre_review_limit=1,
        legal_basis=row.basis,
        conditions=parts.conditions_text(row),
        process=parts.process_text(row, parts.flow_steps(row)),
        visits=_visits(row, online),
        online=online,
        appointment=True,
        pay_online="p" in row.flags,
        express="e" in row.flags,
        tolerant="t" in row.flags,
        commitment="c" in row.flags,
        place=_place(windows),
        hours=windows[0].site.hours,
        consult_phone=dept.phone,
        complaint_phone="12345",  # 12345 政务服务便民热线
        form_fields=FORM_FIELDS.get(row.name, []),
    )


def _visits(row: ItemRow, online: bool) -> int:
    if not online:
        return 2 if row.promised else 1  # e.g. 离婚登记: apply, then register after the cooling-off
    return 0 if "e" in row.flags else 1


def load_themes() -> dict[str, Theme]:
    Theme.objects.bulk_create(
        Theme(code=code, name=name, audience=audience, sort=i)
        for i, (code, name, audience) in enumerate(extra.THEMES)
    )
    return {t.code: t for t in Theme.objects.all()}


def load_catalog(refs: OrgRefs) -> dict[str, int]:
    themes = load_themes()
    rows = all_rows()
    windows = [_windows_for(row, refs) for row in rows]
    ServiceItem.objects.bulk_create(
        _item(i, row, refs, w) for i, (row, w) in enumerate(zip(rows, windows, strict=True), 1)
    )
    items = {item.name: item for item in ServiceItem.objects.select_related("department")}
    _link(rows, items, windows, themes)
    materials = _materials(rows, items)
    fees = _fees(items)
    steps = _steps(rows, items, refs)
    faqs = _faqs(rows, items)
    preconditions = _preconditions(items)
    _versions(items, materials, fees, steps, preconditions)  # version 1 = as first published
    cancelled = _cancel_items(items)
    return {
        "themes": len(themes),
        "items": len(items),
        "items_cancelled": cancelled,
        "materials": len(materials),
        "fees": len(fees),
        "flow_steps": len(steps),
        "faqs": faqs,
        "preconditions": len(preconditions),
    }


def _link(rows: list[ItemRow], items: dict, windows: list[list[Window]], themes: dict[str, Theme]) -> None:
    window_through = ServiceItem.windows.through
    theme_through = ServiceItem.themes.through
    window_links, theme_links = [], []
    for row, row_windows in zip(rows, windows, strict=True):
        item = items[row.name]
        window_links += [window_through(serviceitem=item, window=w) for w in row_windows]
        theme_links += [theme_through(serviceitem=item, theme=themes[code]) for code in row.themes]
    window_through.objects.bulk_create(window_links)
    theme_through.objects.bulk_create(theme_links)


def _materials(rows: list[ItemRow], items: dict) -> list[Material]:
    objs = []
    for row in rows:
        identity = _LICENCE if row.objects[0] != "1" else _PERSON_ID
        for sort, m in enumerate((identity, *row.materials)):
            own_form = m.name.endswith(("申请表", "申请书", "登记表", "申报表", "声明书", "承诺书"))
            objs.append(
                Material(
                    item=items[row.name],
                    name=m.name,
                    issuer=m.issuer or ("申请人" if own_form else ""),
                    originals=1,
                    copies=0 if own_form else 1,
                    required=m.required,
                    is_main=m.required and sort < 3,
                    sample="窗口及网上政务服务大厅提供空白表格和填写示例" if own_form else "",
                    sort=sort,
                )
            )
    return Material.objects.bulk_create(objs)


def _fees(items: dict) -> list[Fee]:
    objs = [
        Fee(item=items[name], name=fee, standard=standard, amount=amount, legal_basis=basis)
        for name, rows in extra.FEES.items()
        for fee, standard, amount, basis in rows
    ]
    return Fee.objects.bulk_create(objs)


def _steps(rows: list[ItemRow], items: dict, refs: OrgRefs) -> list[FlowStep]:
    objs, countersign = [], []
    for row in rows:
        for order, spec in enumerate(parts.flow_steps(row), start=1):
            step = FlowStep(
                item=items[row.name],
                order=order,
                name=spec.name,
                role=spec.role,
                department=refs.departments[row.dept],
                limit=spec.limit,
                limit_unit=row.unit,
                countersign_mode=spec.countersign_mode,
            )
            objs.append(step)
            countersign.append(spec.countersign)
    created = FlowStep.objects.bulk_create(objs)
    through = FlowStep.countersign_departments.through
    through.objects.bulk_create(
        through(flowstep=step, department=refs.departments[code])
        for step, codes in zip(created, countersign, strict=True)
        for code in codes
    )
    return created


def _faqs(rows: list[ItemRow], items: dict) -> int:
    objs = []
    for i, row in enumerate(rows):
        if row.type_code == "01" and i % 3 == 0:
            fee_faq, proxy_faq, tolerant_faq = extra.FAQ_LICENSING
            pairs = [proxy_faq] if row.name in extra.FEES else [fee_faq, proxy_faq]
            pairs += [tolerant_faq] if "t" in row.flags else []
        elif row.type_code == "20" and i % 4 == 0:
            pairs = extra.FAQ_SERVICE
        else:
            continue
        objs += [Faq(item=items[row.name], question=q, answer=a, sort=s) for s, (q, a) in enumerate(pairs)]
    return len(Faq.objects.bulk_create(objs))


def _preconditions(items: dict) -> list[Precondition]:
    dates = iter(_cancel_dates(len(extra.PRECONDITIONS)))
    objs = []
    for name, target, cancelled in extra.PRECONDITIONS:
        doc = target.removeprefix("doc:") if target.startswith("doc:") else ""
        objs.append(
            Precondition(
                item=items[name],
                required_item=None if doc else items[target],
                document_name=doc,
                status=ItemStatus.CANCELLED if cancelled else ItemStatus.RETAINED,
                cancelled_on=next(dates) if cancelled else None,
                cancel_reason=extra.PRECONDITION_CANCEL_REASON if cancelled else "",
            )
        )
    return Precondition.objects.bulk_create(objs)


def _cancel_items(items: dict) -> int:
    for name, day in zip(extra.CANCELLED_ITEMS, _cancel_dates(len(extra.CANCELLED_ITEMS)), strict=True):
        item = items[name]
        item.status, item.cancelled_on, item.cancel_reason = ItemStatus.CANCELLED, day, extra.CANCEL_REASON
    changed = [items[name] for name in extra.CANCELLED_ITEMS]
    ServiceItem.objects.bulk_update(changed, ["status", "cancelled_on", "cancel_reason"])
    return len(changed)


def _versions(items: dict, materials: list, fees: list, steps: list, preconditions: list) -> None:
    if item_snapshot is not None:
        ItemVersion.objects.bulk_create(
            ItemVersion(item=item, version=1, snapshot=item_snapshot(item), note=_VERSION_NOTE)
            for item in items.values()
        )
        return
    by_item: dict[int, dict[str, list]] = {
        item.pk: {"m": [], "f": [], "s": [], "p": []} for item in items.values()
    }
    for m in materials:
        by_item[m.item_id]["m"].append(
            {
                "name": m.name,
                "issuer": m.issuer,
                "originals": m.originals,
                "copies": m.copies,
                "required": m.required,
            }
        )
    for f in fees:
        by_item[f.item_id]["f"].append({"name": f.name, "standard": f.standard, "amount": str(f.amount)})
    for s in steps:
        by_item[s.item_id]["s"].append(
            {"order": s.order, "name": s.name, "role": s.role, "limit": str(s.limit)}
        )
    for p in preconditions:
        target = p.document_name or p.required_item.name
        by_item[p.item_id]["p"].append({"target": target, "status": p.status})
    ItemVersion.objects.bulk_create(
        ItemVersion(item=item, version=1, snapshot=_snapshot(item, by_item[item.pk]), note=_VERSION_NOTE)
        for item in items.values()
    )


def _snapshot(item: ServiceItem, related: dict[str, list]) -> dict:
    return {
        "code": item.code,
        "name": item.name,
        "item_type": item.item_type,
        "category": item.category,
        "department": item.department.code,
        "case_kind": item.case_kind,
        "legal_limit": str(item.legal_limit),
        "promised_limit": str(item.promised_limit),
        "limit_unit": item.legal_limit_unit,
        "legal_basis": item.legal_basis,
        "conditions": item.conditions,
        "status": item.status,
        "materials": related["m"],
        "fees": related["f"],
        "flow": related["s"],
        "preconditions": related["p"],
    }
