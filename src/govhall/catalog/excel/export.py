"""Write the whole catalogue to one workbook: a sheet per part, rows keyed by the item code."""

from openpyxl import Workbook
from openpyxl.styles import Font

from govhall.catalog.excel.spec import (
    FAQS,
    FEES,
    FLOW,
    ITEMS,
    MATERIALS,
    PRECONDITIONS,
    SHEETS,
    THEMES,
    to_cell,
)
from govhall.catalog.models import Faq, Fee, FlowStep, Material, Precondition, ServiceItem, Theme


def _item_row(item: ServiceItem) -> dict:
    row = {c.field: getattr(item, c.field, None) for c in SHEETS[ITEMS]}
    row["department"] = item.department.code
    row["themes"] = sorted(t.code for t in item.themes.all())
    row["windows"] = sorted(f"{w.site.code}/{w.number}" for w in item.windows.all())
    return row


def _step_row(step: FlowStep) -> dict:
    row = {c.field: getattr(step, c.field, None) for c in SHEETS[FLOW]}
    row.update(
        item=step.item.code,
        department=step.department.code if step.department else None,
        countersign_departments=sorted(d.code for d in step.countersign_departments.all()),
    )
    return row


def _rows(sheet: str) -> list[dict]:
    fields = [c.field for c in SHEETS[sheet]]

    def plain(obj) -> dict:
        return {f: getattr(obj, f, None) for f in fields} | {"item": obj.item.code}

    if sheet == THEMES:
        return [{f: getattr(t, f) for f in fields} for t in Theme.objects.all()]
    if sheet == ITEMS:
        items = ServiceItem.objects.select_related("department").prefetch_related("themes", "windows__site")
        return [_item_row(i) for i in items.order_by("code")]
    if sheet == MATERIALS:
        return [
            plain(m) for m in Material.objects.select_related("item").order_by("item__code", "sort", "id")
        ]
    if sheet == FEES:
        return [plain(x) for x in Fee.objects.select_related("item").order_by("item__code", "id")]
    if sheet == FLOW:
        steps = FlowStep.objects.select_related("item", "department").prefetch_related(
            "countersign_departments"
        )
        return [_step_row(s) for s in steps.order_by("item__code", "order")]
    if sheet == PRECONDITIONS:
        pres = Precondition.objects.select_related("item", "required_item").order_by("item__code", "id")
        return [plain(p) | {"required_item": p.required_item.code if p.required_item else None} for p in pres]
    return [plain(q) for q in Faq.objects.select_related("item").order_by("item__code", "sort", "id")]


def catalogue_export(path) -> dict[str, int]:
    """Write every item (retained and cancelled) with its parts; returns rows written per sheet."""
    book = Workbook()
    book.remove(book.active)
    counts = {}
    for sheet in (ITEMS, MATERIALS, FEES, FLOW, PRECONDITIONS, FAQS, THEMES):
        columns = SHEETS[sheet]
        ws = book.create_sheet(sheet)
        ws.append([c.header for c in columns])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        rows = _rows(sheet)
        for row in rows:
            ws.append([to_cell(c, row.get(c.field)) for c in columns])
        ws.freeze_panes = "A2"
        counts[sheet] = len(rows)
    book.save(path)
    return counts
