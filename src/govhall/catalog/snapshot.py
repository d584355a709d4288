"""A JSON snapshot of an item with its parts: stored per version and used as audit before/after."""

from decimal import Decimal

from govhall.catalog.models import ServiceItem

SCALAR_FIELDS = (
    "code", "base_code", "name", "item_type", "category", "level", "service_objects", "case_kind",
    "legal_limit", "legal_limit_unit", "promised_limit", "promised_limit_unit", "pre_review_limit",
    "legal_basis", "conditions", "process", "visits", "online", "appointment", "pay_online", "express",
    "tolerant", "commitment", "place", "hours", "consult_phone", "complaint_phone", "status",
    "cancelled_on", "cancel_reason",
)  # fmt: skip


def _plain(value):
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")  # "10", "0.5": the same text on SQLite and PostgreSQL
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _flow(item: ServiceItem) -> list[dict]:
    steps = item.flow_steps.select_related("department").prefetch_related("countersign_departments")
    return [
        {
            "order": s.order,
            "name": s.name,
            "role": s.role,
            "department": s.department.code if s.department else None,
            "limit": _plain(s.limit),
            "limit_unit": s.limit_unit,
            "countersign_mode": s.countersign_mode,
            "pass_ratio": _plain(s.pass_ratio) if s.pass_ratio is not None else None,
            "countersign_departments": sorted(d.code for d in s.countersign_departments.all()),
        }
        for s in steps
    ]


def item_snapshot(item: ServiceItem) -> dict:
    """Every published fact of the item, in plain JSON types (codes for related rows)."""
    snap = {f: _plain(getattr(item, f)) for f in SCALAR_FIELDS}
    snap["department"] = item.department.code
    snap["themes"] = sorted(item.themes.values_list("code", flat=True))
    fields = ("name", "issuer", "originals", "copies", "required", "is_main", "sample")
    snap["materials"] = [{k: m[k] for k in fields} for m in item.materials.values(*fields)]
    snap["fees"] = [
        {**f, "amount": _plain(f["amount"])}
        for f in item.fees.values("name", "standard", "amount", "legal_basis")
    ]
    snap["flow"] = _flow(item)
    snap["form_fields"] = list(item.form_fields or [])
    snap["faqs"] = list(item.faqs.values("question", "answer"))
    snap["preconditions"] = [
        {
            "required_item": p["required_item__code"],
            "document_name": p["document_name"],
            "status": p["status"],
        }
        for p in item.preconditions.order_by("id").values("required_item__code", "document_name", "status")
    ]
    return snap
