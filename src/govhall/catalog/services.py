"""Every write to the catalogue. Each service validates, writes, snapshots a version and audits.

The services use ``transaction.atomic`` without ``durable=True`` on purpose: the Excel import
composes many of them into one all-or-nothing transaction.
"""

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from govhall.catalog import validation as v
from govhall.catalog.form_fields import check_form_fields, normalise_form_fields
from govhall.catalog.models import (
    CountersignMode,
    Faq,
    Fee,
    FlowStep,
    ItemStatus,
    ItemVersion,
    LimitUnit,
    Material,
    Precondition,
    ServiceItem,
    Theme,
)
from govhall.catalog.pinyin import name_keys
from govhall.catalog.snapshot import item_snapshot
from govhall.core import audit
from govhall.core.errors import Conflict, ValidationFailed

ITEM_DEFAULTS = {
    "base_code": "",
    "level": 3,
    "service_objects": "1",
    "legal_limit_unit": LimitUnit.WORKDAY,
    "promised_limit_unit": LimitUnit.WORKDAY,
    "pre_review_limit": Decimal("1"),
    "conditions": "",
    "process": "",
    "visits": 1,
    "online": True,
    "appointment": True,
    "pay_online": False,
    "express": False,
    "tolerant": False,
    "commitment": False,
    "place": "",
    "hours": "",
    "consult_phone": "",
    "complaint_phone": "",
    "form_fields": [],
}
REQUIRED = (
    "code",
    "name",
    "item_type",
    "department",
    "case_kind",
    "legal_limit",
    "promised_limit",
    "legal_basis",
)
ITEM_FIELDS = set(ITEM_DEFAULTS) | set(REQUIRED) | {"category"}
CHILD_PARTS = ("materials", "fees", "flow", "faqs", "themes")
MATERIAL_DEFAULTS = {
    "issuer": "",
    "originals": 0,
    "copies": 1,
    "required": True,
    "is_main": True,
    "sample": "",
}
STEP_DEFAULTS = {
    "department": None,
    "limit_unit": LimitUnit.WORKDAY,
    "countersign_mode": CountersignMode.NONE,
    "pass_ratio": None,
}


def _unknown_fields(keys, allowed) -> None:
    unknown = sorted(set(keys) - set(allowed))
    if unknown:
        raise ValidationFailed(
            _("未知字段：%(f)s") % {"f": "、".join(unknown)}, code="catalog.unknown_field", field=unknown[0]
        )


def normalise_item(data: dict) -> dict:
    """``data`` with every item field present (model defaults filled, texts stripped)."""
    full = {**ITEM_DEFAULTS, **data}
    for key in ("code", "name", "base_code", "service_objects"):
        full[key] = str(full.get(key) or "").strip()
    full.setdefault("category", v.default_category(full.get("item_type")))
    full["form_fields"] = normalise_form_fields(full.get("form_fields"))
    return full


def normalise_parts(materials, fees, flow, faqs) -> tuple[list, list, list, list]:
    """Materials, fees, flow steps and FAQs with their defaults filled."""
    materials = [{**MATERIAL_DEFAULTS, **m} for m in materials or []]
    fees = [{"amount": None, **f} for f in fees or []]
    flow = [{**STEP_DEFAULTS, "countersign_departments": [], **s} for s in flow or []]
    return materials, fees, flow, list(faqs or [])


def check_all(data: dict, materials, fees, flow, faqs) -> None:
    problems = v.check_item_fields(data) + v.check_materials(materials) + v.check_fees(fees)
    problems += v.check_flow(flow, data) + v.check_faqs(faqs)
    problems += check_form_fields(data.get("form_fields", []))
    v.raise_first(problems)


def _sync_rows(existing, model, item: ServiceItem, rows: list[dict], key: str) -> None:
    """Make ``existing`` equal ``rows`` in place, matching rows by ``key``: unchanged rows keep
    their ids (a case may point at a material), changed ones are updated, the rest added/removed."""
    pool: dict = {}
    for obj in existing:
        pool.setdefault(getattr(obj, key), []).append(obj)
    for values in rows:
        values = dict(values)
        departments = values.pop("countersign_departments", None)
        matches = pool.get(values[key]) or []
        obj = matches.pop(0) if matches else model(item=item)
        changed = [f for f, val in values.items() if getattr(obj, f) != val]
        for field in changed:
            setattr(obj, field, values[field])
        if obj.pk is None or changed:
            obj.save()
        if departments is not None and set(obj.countersign_departments.all()) != set(departments):
            obj.countersign_departments.set(departments)
    leftover = [obj.pk for objs in pool.values() for obj in objs]
    model.objects.filter(pk__in=leftover).delete()


def _write_children(item: ServiceItem, parts: dict) -> None:
    """Bring the parts present in ``parts`` to the given lists (each list is the whole new set)."""
    if "materials" in parts:
        rows = [{**m, "sort": i} for i, m in enumerate(parts["materials"])]
        _sync_rows(item.materials.all(), Material, item, rows, "name")
    if "fees" in parts:
        rows = [{**f, "amount": v.to_decimal(f["amount"])} for f in parts["fees"]]
        _sync_rows(item.fees.all(), Fee, item, rows, "name")
    if "flow" in parts:
        steps = item.flow_steps.prefetch_related("countersign_departments")
        rows = [{**s, "limit": v.to_decimal(s["limit"])} for s in parts["flow"]]
        _sync_rows(steps, FlowStep, item, rows, "order")
    if "faqs" in parts:
        rows = [{**f, "sort": i} for i, f in enumerate(parts["faqs"])]
        _sync_rows(item.faqs.all(), Faq, item, rows, "question")
    if "themes" in parts:
        item.themes.set(parts["themes"])


def _store_version(item: ServiceItem, *, actor, note: str) -> dict:
    snapshot = item_snapshot(item)
    ItemVersion.objects.create(
        item=item,
        version=item.version,
        snapshot=snapshot,
        note=note[:200],
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    return snapshot


@transaction.atomic
def item_create(
    *,
    data: dict,
    materials: list[dict],
    fees: list[dict],
    flow: list[dict],
    actor,
    faqs: list[dict] | None = None,
) -> ServiceItem:
    """Publish a new item (version 1). ``data`` holds ServiceItem fields (department as an instance)
    and optionally ``themes`` (Theme instances)."""
    _unknown_fields(data, ITEM_FIELDS | {"themes"})
    themes = data.pop("themes", None)
    full = normalise_item(data)
    missing = [f for f in REQUIRED if full.get(f) in (None, "")]
    materials, fees, flow, faqs = normalise_parts(materials, fees, flow, faqs)
    check_all(full, materials, fees, flow, faqs)
    if missing:  # defensive: check_item_fields reports each of them with its own message
        raise ValidationFailed(_("缺少必填字段"), code="catalog.field_required", field=missing[0])
    if ServiceItem.objects.filter(code=full["code"]).exists():
        raise ValidationFailed(
            _("实施编码 %(code)s 已存在") % {"code": full["code"]}, code="catalog.code_taken", field="code"
        )
    full["pinyin"], full["pinyin_initials"] = name_keys(full["name"])
    item = ServiceItem.objects.create(**full)
    _write_children(
        item, {"materials": materials, "fees": fees, "flow": flow, "faqs": faqs, "themes": themes or []}
    )
    snapshot = _store_version(item, actor=actor, note=_("发布"))
    audit.record(action="catalog.item_create", actor=actor, obj=item, after=snapshot)
    return item


def _changed(before: dict, after: dict) -> tuple[dict, dict]:
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def _assert_retained(item: ServiceItem) -> None:
    if item.status != ItemStatus.RETAINED:
        raise Conflict(
            _("事项“%(name)s”已于 %(on)s 取消，不能再修改") % {"name": item.name, "on": item.cancelled_on},
            code="catalog.item_cancelled",
            state=item.status,
        )


@transaction.atomic
def item_update(*, item: ServiceItem, changes: dict, actor, note: str = "") -> ServiceItem:
    """Change fields and/or replace materials, fees, flow, faqs, themes; a real change bumps the
    version and stores its snapshot. No effective change → the item is returned untouched."""
    item = ServiceItem.objects.select_for_update().get(pk=item.pk)
    _assert_retained(item)
    _unknown_fields(changes, (ITEM_FIELDS - {"code"}) | set(CHILD_PARTS))
    fields = {k: val for k, val in changes.items() if k not in CHILD_PARTS}
    if "item_type" in fields and "category" not in fields:
        fields["category"] = v.default_category(fields["item_type"])
    full = normalise_item({f: getattr(item, f) for f in ITEM_FIELDS} | fields)
    current = _current_children(item)
    parts = {p: changes[p] for p in CHILD_PARTS if p in changes}
    materials, fees, flow, faqs = normalise_parts(*(parts.get(p, current[p]) for p in CHILD_PARTS[:4]))
    check_all(full, materials, fees, flow, faqs)
    before = item_snapshot(item)
    for field, value in full.items():
        setattr(item, field, value)
    item.pinyin, item.pinyin_initials = name_keys(item.name)
    item.save()
    normalised = {"materials": materials, "fees": fees, "flow": flow, "faqs": faqs}
    _write_children(item, {p: normalised.get(p, parts.get(p)) for p in parts})
    after_b, after_a = _changed(before, item_snapshot(item))
    if not after_a:
        return item
    item.version += 1
    item.save(update_fields=["version", "updated_at"])
    _store_version(item, actor=actor, note=note)
    audit.record(
        action="catalog.item_update",
        actor=actor,
        obj=item,
        before=after_b,
        after=after_a,
        detail={"note": note, "version": item.version},
    )
    return item


def _current_children(item: ServiceItem) -> dict:
    """The item's parts as service input (departments as instances), for re-validation."""
    material_fields = ("name", *MATERIAL_DEFAULTS)
    steps = item.flow_steps.select_related("department").prefetch_related("countersign_departments")
    flow = [
        {
            **{
                f: getattr(s, f)
                for f in ("order", "name", "role", "department", "limit", "limit_unit", "pass_ratio")
            },
            "countersign_mode": s.countersign_mode,
            "countersign_departments": list(s.countersign_departments.all()),
        }
        for s in steps
    ]
    return {
        "materials": list(item.materials.values(*material_fields)),
        "fees": list(item.fees.values("name", "standard", "amount", "legal_basis")),
        "flow": flow,
        "faqs": list(item.faqs.values("question", "answer")),
    }


def _check_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("请填写取消原因（如清理文件文号）"), code="catalog.cancel_reason_required", field="reason"
        )
    if len(reason) > 200:
        raise ValidationFailed(
            _("取消原因不得超过 200 个字"), code="catalog.cancel_reason_too_long", field="reason"
        )
    return reason


@transaction.atomic
def item_cancel(*, item: ServiceItem, on: date, reason: str, actor) -> ServiceItem:
    """Cancel an item in a clean-up; it keeps its history. Preconditions that pointed at it are
    cancelled with it, because nobody can obtain a cancelled item any more."""
    reason = _check_reason(reason)
    item = ServiceItem.objects.select_for_update().get(pk=item.pk)
    if item.status == ItemStatus.CANCELLED:
        raise Conflict(
            _("事项已取消，不能重复取消"), code="catalog.item_already_cancelled", state=item.status
        )
    if not isinstance(on, date):
        raise ValidationFailed(_("请填写取消日期"), code="catalog.cancel_date_required", field="on")
    item.status, item.cancelled_on, item.cancel_reason = ItemStatus.CANCELLED, on, reason
    item.version += 1
    item.save(update_fields=["status", "cancelled_on", "cancel_reason", "version", "updated_at"])
    _store_version(item, actor=actor, note=_("取消：%(r)s") % {"r": reason})
    audit.record(
        action="catalog.item_cancel",
        actor=actor,
        obj=item,
        before={"status": ItemStatus.RETAINED},
        after={"status": item.status, "cancelled_on": on.isoformat(), "cancel_reason": reason},
    )
    dependants = item.required_by.filter(status=ItemStatus.RETAINED).select_related("item")
    for pre in dependants:
        _cancel_precondition(pre, on=on, reason=_("前置事项“%(n)s”已取消") % {"n": item.name}, actor=actor)
    return item


def _cancel_precondition(pre: Precondition, *, on: date, reason: str, actor) -> None:
    pre.status, pre.cancelled_on, pre.cancel_reason = ItemStatus.CANCELLED, on, reason
    pre.save(update_fields=["status", "cancelled_on", "cancel_reason"])
    audit.record(
        action="catalog.precondition_cancel",
        actor=actor,
        obj=pre,
        before={"status": ItemStatus.RETAINED},
        after={"status": pre.status, "cancelled_on": on.isoformat(), "cancel_reason": reason},
        detail={"item": pre.item.code},
    )


@transaction.atomic
def precondition_cancel(*, precondition: Precondition, on: date, reason: str, actor) -> Precondition:
    """Cancel a precondition (取消前置条件) while its item stays."""
    reason = _check_reason(reason)
    pre = Precondition.objects.select_for_update().select_related("item").get(pk=precondition.pk)
    if pre.status == ItemStatus.CANCELLED:
        raise Conflict(
            _("该前置条件已取消，不能重复取消"),
            code="catalog.precondition_already_cancelled",
            state=pre.status,
        )
    if not isinstance(on, date):
        raise ValidationFailed(_("请填写取消日期"), code="catalog.cancel_date_required", field="on")
    _cancel_precondition(pre, on=on, reason=reason, actor=actor)
    return pre


def _reaches(start_id: int, target_id: int) -> bool:
    """Whether ``target`` is reachable from ``start`` along retained item→required_item edges."""
    edges: dict[int, list[int]] = {}
    pairs = Precondition.objects.filter(status=ItemStatus.RETAINED, required_item__isnull=False)
    for src, dst in pairs.values_list("item_id", "required_item_id"):
        edges.setdefault(src, []).append(dst)
    seen, stack = set(), [start_id]
    while stack:
        node = stack.pop()
        if node == target_id:
            return True
        if node not in seen:
            seen.add(node)
            stack.extend(edges.get(node, []))
    return False


def _check_precondition(item: ServiceItem, required_item: ServiceItem | None, document_name: str) -> None:
    if (required_item is None) == (not document_name):
        raise ValidationFailed(
            _("前置条件须指定一个前置事项或一个前置证照/文件（二选一）"),
            code="catalog.precondition_target_required",
            field="required_item",
        )
    if required_item is None:
        return
    if required_item.pk == item.pk:
        raise ValidationFailed(
            _("事项不能以自身为前置条件"), code="catalog.precondition_self", field="required_item"
        )
    if required_item.status != ItemStatus.RETAINED:
        raise ValidationFailed(
            _("前置事项“%(n)s”已取消") % {"n": required_item.name},
            code="catalog.precondition_target_cancelled",
            field="required_item",
        )
    if _reaches(required_item.pk, item.pk):
        raise ValidationFailed(
            _("前置条件形成循环：“%(a)s”已直接或间接以“%(b)s”为前置")
            % {"a": required_item.name, "b": item.name},
            code="catalog.precondition_cycle",
            field="required_item",
        )


@transaction.atomic
def precondition_add(
    *, item: ServiceItem, actor, required_item: ServiceItem | None = None, document_name: str = ""
) -> Precondition:
    """Require another item (or a named certificate/document) before ``item``."""
    document_name = (document_name or "").strip()
    item = ServiceItem.objects.select_for_update().get(pk=item.pk)
    _assert_retained(item)
    _check_precondition(item, required_item, document_name)
    same = item.preconditions.filter(
        status=ItemStatus.RETAINED, required_item=required_item, document_name=document_name
    )
    if same.exists():
        raise ValidationFailed(
            _("该前置条件已存在"), code="catalog.precondition_duplicate", field="required_item"
        )
    pre = Precondition.objects.create(item=item, required_item=required_item, document_name=document_name)
    after = {"required_item": required_item.code if required_item else None, "document_name": document_name}
    audit.record(
        action="catalog.precondition_add", actor=actor, obj=pre, after=after, detail={"item": item.code}
    )
    return pre


@transaction.atomic
def item_set_windows(*, item: ServiceItem, windows: list, actor) -> ServiceItem:
    """Set the windows that accept ``item``: its own department's windows or comprehensive ones."""
    _assert_retained(item)
    for window in windows:
        if not window.active:
            raise ValidationFailed(
                _("%(w)s已停用") % {"w": window}, code="catalog.window_inactive", field="windows"
            )
        if window.department_id != item.department_id and not window.is_comprehensive:
            raise ValidationFailed(
                _("%(w)s不属于实施部门，也不是综合窗口") % {"w": window},
                code="catalog.window_mismatch",
                field="windows",
            )
    before = sorted(item.windows.values_list("pk", flat=True))
    item.windows.set(windows)
    after = sorted(w.pk for w in windows)
    if before != after:
        audit.record(
            action="catalog.item_set_windows",
            actor=actor,
            obj=item,
            before={"windows": before},
            after={"windows": after},
        )
    return item


@transaction.atomic
def item_admin_saved(*, item: ServiceItem, before: dict | None, actor) -> ServiceItem:
    """Bookkeeping after an edit in the admin: pinyin keys, version snapshot, audit."""
    item.pinyin, item.pinyin_initials = name_keys(item.name)
    item.save(update_fields=["pinyin", "pinyin_initials", "updated_at"])
    if before is None:
        snapshot = _store_version(item, actor=actor, note=_("后台新增"))
        audit.record(
            action="catalog.item_create", actor=actor, obj=item, after=snapshot, detail={"via": "admin"}
        )
        return item
    old, new = _changed(before, item_snapshot(item))
    if new:
        item.version += 1
        item.save(update_fields=["version", "updated_at"])
        _store_version(item, actor=actor, note=_("后台修改"))
        audit.record(
            action="catalog.item_update",
            actor=actor,
            obj=item,
            before=old,
            after=new,
            detail={"via": "admin"},
        )
    return item


@transaction.atomic
def theme_save(*, code: str, name: str, audience: str, sort: int = 0, actor) -> Theme:
    """Create or rename a theme (life event / enterprise stage) that groups items."""
    code, name = (code or "").strip(), (name or "").strip()
    if not v.CODE_RE.match(code) or not name or len(name) > 32:
        raise ValidationFailed(
            _("主题编码须为字母数字，名称不超过 32 个字"), code="catalog.theme_invalid", field="code"
        )
    if audience not in Theme.Audience.values:
        raise ValidationFailed(_("主题对象须为个人或法人"), code="catalog.theme_invalid", field="audience")
    theme = Theme.objects.filter(code=code).first()
    before = {"name": theme.name, "audience": theme.audience, "sort": theme.sort} if theme else None
    after = {"name": name, "audience": audience, "sort": sort}
    if before == after:
        return theme
    theme, _created = Theme.objects.update_or_create(code=code, defaults=after)
    audit.record(action="catalog.theme_save", actor=actor, obj=theme, before=before, after=after)
    return theme
