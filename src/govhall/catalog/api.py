"""Catalogue API, mounted at /api/v1/catalog/: item list/search and detail (public, read only)."""

from decimal import Decimal

from ninja import Router, Schema

from govhall.catalog import selectors
from govhall.catalog.models import ServiceItem

router = Router(tags=["catalog"])


class ItemOut(Schema):
    code: str
    name: str
    item_type: str
    category: str
    department: str
    department_name: str
    service_objects: str
    case_kind: int
    legal_limit: Decimal
    legal_limit_unit: str
    promised_limit: Decimal
    promised_limit_unit: str
    visits: int
    online: bool
    status: str
    cancelled_on: str | None = None
    version: int

    @staticmethod
    def resolve_department(obj: ServiceItem) -> str:
        return obj.department.code

    @staticmethod
    def resolve_department_name(obj: ServiceItem) -> str:
        return obj.department.name

    @staticmethod
    def resolve_cancelled_on(obj: ServiceItem) -> str | None:
        return obj.cancelled_on.isoformat() if obj.cancelled_on else None


class ItemPage(Schema):
    total: int
    limit: int
    offset: int
    items: list[ItemOut]


class MaterialOut(Schema):
    name: str
    issuer: str
    originals: int
    copies: int
    required: bool


class FeeOut(Schema):
    name: str
    standard: str
    amount: Decimal | None = None
    legal_basis: str


class StepOut(Schema):
    order: int
    name: str
    role: str
    limit: Decimal
    limit_unit: str
    countersign_mode: str


class FaqOut(Schema):
    question: str
    answer: str


class FormFieldOut(Schema):
    key: str
    label: str
    type: str
    required: bool
    choices: list[str] = []
    help: str = ""


class ItemDetail(ItemOut):
    base_code: str
    level: int
    legal_basis: str
    conditions: str
    process: str
    place: str
    hours: str
    consult_phone: str
    complaint_phone: str
    appointment: bool
    pay_online: bool
    express: bool
    tolerant: bool
    commitment: bool
    cancel_reason: str
    themes: list[str]
    materials: list[MaterialOut]
    fees: list[FeeOut]
    flow: list[StepOut]
    faqs: list[FaqOut]
    preconditions: list[str]
    form_fields: list[FormFieldOut] = []

    @staticmethod
    def resolve_themes(obj: ServiceItem) -> list[str]:
        return [t.code for t in obj.themes.all()]

    @staticmethod
    def resolve_materials(obj: ServiceItem) -> list:
        return list(obj.materials.all())

    @staticmethod
    def resolve_fees(obj: ServiceItem) -> list:
        return list(obj.fees.all())

    @staticmethod
    def resolve_flow(obj: ServiceItem) -> list:
        return list(obj.flow_steps.all())

    @staticmethod
    def resolve_faqs(obj: ServiceItem) -> list:
        return list(obj.faqs.all())

    @staticmethod
    def resolve_preconditions(obj: ServiceItem) -> list[str]:
        return [
            p.required_item.code if p.required_item else p.document_name
            for p in obj.preconditions.all()
            if p.status == "retained"
        ]


@router.get("/items", response=ItemPage, summary="搜索事项")
def items(
    request,
    q: str = "",
    department: str | None = None,
    theme: str | None = None,
    service_object: str | None = None,
    limit: int = 20,
    offset: int = 0,
):
    result = selectors.item_search(
        q, department=department, theme=theme, service_object=service_object, limit=limit, offset=offset
    )
    return {"total": result.total, "limit": result.limit, "offset": result.offset, "items": result.items}


@router.get("/items/{code}", response=ItemDetail, summary="事项详情（办事指南）")
def item_detail(request, code: str):
    # NotFound("catalog.item_not_found") is turned into a 404 JSON body by the API assembly.
    return selectors.item_get(code)
