"""All-or-nothing import of a catalogue workbook.

Phase 1 reads and checks every row (cells, references between sheets, the services' own checks,
precondition cycles) and collects every problem as ``工作表 第N行 列名：原因``. Only a clean file
reaches phase 2, which writes through the services inside one transaction.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from govhall.catalog import services
from govhall.catalog.excel.plan import ItemPlan, Plan, plan_import
from govhall.catalog.excel.reader import Errors, read_workbook
from govhall.catalog.excel.spec import FAQS, FEES, FLOW, ITEMS, MATERIALS, PRECONDITIONS, THEMES
from govhall.catalog.models import ItemStatus, ServiceItem, Theme
from govhall.core.errors import DomainError


@dataclass
class ImportReport:
    errors: list[str] = field(default_factory=list)
    written: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        w = self.written
        return _(
            "已写入：主题 %(t)d 行；事项 %(i)d 行（新增 %(c)d，更新 %(u)d，未变 %(n)d）；材料 %(m)d 行；"
            "收费 %(f)d 行；流程 %(s)d 行；前置条件 %(p)d 行；常见问题 %(q)d 行"
        ) % {
            "t": w[THEMES], "i": w[ITEMS], "c": w["created"], "u": w["updated"], "n": w["unchanged"],
            "m": w[MATERIALS], "f": w[FEES], "s": w[FLOW], "p": w[PRECONDITIONS], "q": w[FAQS],
        }  # fmt: skip


def catalogue_import(path, *, actor=None) -> ImportReport:
    """Import ``path``; on any bad row nothing is written and every problem is reported."""
    errors = Errors()
    rows = read_workbook(path, errors)
    plan = plan_import(rows, errors) if rows else None
    report = ImportReport()
    if errors or plan is None:
        report.errors = errors.lines
        return report
    try:
        with transaction.atomic():
            _write(plan, actor, report)
    except DomainError as exc:  # a check that only the database could make; everything is rolled back
        report.errors = [_("写入失败（已全部回滚）：%(m)s") % {"m": exc.message}]
        report.written.clear()
    return report


def _write_item(p: ItemPlan, actor, report: ImportReport) -> ServiceItem:
    data = {**p.data, "themes": list(Theme.objects.filter(code__in=p.theme_codes))}
    if p.existing is None:
        item = services.item_create(
            data=data, materials=p.materials, fees=p.fees, flow=p.flow, faqs=p.faqs, actor=actor
        )
        report.written["created"] += 1
    else:
        data.pop("code")
        changes = {**data, "materials": p.materials, "fees": p.fees, "flow": p.flow, "faqs": p.faqs}
        version = p.existing.version
        item = services.item_update(item=p.existing, changes=changes, actor=actor, note=_("Excel 导入"))
        report.written["updated" if item.version != version else "unchanged"] += 1
    services.item_set_windows(item=item, windows=p.windows, actor=actor)
    for sheet, part in ((MATERIALS, p.materials), (FEES, p.fees), (FLOW, p.flow), (FAQS, p.faqs)):
        report.written[sheet] += len(part)
    report.written[ITEMS] += 1
    return item


def _write_preconditions(plan: Plan, items: dict[str, ServiceItem], actor, report: ImportReport) -> None:
    for pre in plan.preconditions:
        item = items[pre.item_code]
        target = items.get(pre.required_code) or pre.required_existing
        found = item.preconditions.filter(
            status=ItemStatus.RETAINED, required_item=target, document_name=pre.document_name
        ).first()
        if found is None and pre.status == ItemStatus.CANCELLED and not pre.new_item:
            continue  # already cancelled in the database: history is not rewritten
        if found is None:
            found = services.precondition_add(
                item=item, required_item=target, document_name=pre.document_name, actor=actor
            )
        if pre.status == ItemStatus.CANCELLED:
            services.precondition_cancel(
                precondition=found, on=pre.cancelled_on, reason=pre.cancel_reason, actor=actor
            )
        report.written[PRECONDITIONS] += 1


def _write(plan: Plan, actor, report: ImportReport) -> None:
    for theme in plan.themes:
        services.theme_save(actor=actor, **theme)
        report.written[THEMES] += 1
    items = {p.data["code"]: _write_item(p, actor, report) for p in plan.items}
    _write_preconditions(plan, items, actor, report)
    # Items are cancelled last: their preconditions must exist first so that history is complete.
    for p in plan.items:
        if p.cancel is not None:
            services.item_cancel(item=items[p.data["code"]], on=p.cancel[0], reason=p.cancel[1], actor=actor)
