"""Catalogue test data, built through the services (departments and themes through the ORM)."""

from decimal import Decimal

from govhall.catalog.models import Theme
from govhall.catalog.services import item_create
from govhall.org.models import Department, DepartmentKind, Site, SiteKind, Window


def department(code: str = "SCJ", name: str = "市场监督管理局", **extra) -> Department:
    defaults = {"name": name, "kind": DepartmentKind.STATIONED, "phone": "0838-1234567", **extra}
    return Department.objects.get_or_create(code=code, defaults=defaults)[0]


def theme(code: str = "kaiban", name: str = "企业开办", audience: str = "enterprise") -> Theme:
    return Theme.objects.get_or_create(code=code, defaults={"name": name, "audience": audience})[0]


def window(dept: Department, number: str = "A01", comprehensive: bool = False) -> Window:
    site = Site.objects.get_or_create(
        code="C01", defaults={"name": "七里市政务服务中心", "kind": SiteKind.CENTRE}
    )[0]
    return Window.objects.get_or_create(
        site=site,
        number=number,
        defaults={"name": dept.name, "department": dept, "is_comprehensive": comprehensive},
    )[0]


def item_data(**overrides) -> dict:
    data = {
        "code": "11510100MB0000001X-001",
        "name": "食品经营许可证核发",
        "item_type": "01",
        "department": overrides.pop("department", None) or department(),
        "service_objects": "12",
        "case_kind": 2,
        "legal_limit": Decimal("20"),
        "promised_limit": Decimal("5"),
        "legal_basis": "《中华人民共和国食品安全法》第三十五条",
        "conditions": "有与经营的食品品种、数量相适应的经营场所",
        "process": "申请—受理—审查—决定—送达",
        "place": "市政务服务中心二楼B区",
        "hours": "工作日 9:00-12:00，13:30-17:00",
        "consult_phone": "0838-2222333",
        "complaint_phone": "0838-12315",
    }
    data.update(overrides)
    return data


def materials() -> list[dict]:
    return [
        {"name": "食品经营许可申请书", "originals": 1, "copies": 0},
        {"name": "营业执照复印件", "issuer": "市场监督管理局", "originals": 0, "copies": 1},
        {"name": "食品安全管理制度文本", "required": False, "is_main": False},
    ]


def fees() -> list[dict]:
    return [
        {
            "name": "工本费",
            "standard": "每证 10 元",
            "amount": Decimal("10.00"),
            "legal_basis": "川发改价格〔2020〕100号",
        }
    ]


def flow() -> list[dict]:
    return [
        {"order": 1, "name": "受理", "role": "clerk", "limit": Decimal("0.5")},
        {"order": 2, "name": "审核", "role": "approver", "limit": Decimal("2")},
        {"order": 3, "name": "批准", "role": "chief", "limit": Decimal("1")},
    ]


def make_item(actor=None, *, with_parts: bool = True, **overrides):
    return item_create(
        data=item_data(**overrides),
        materials=materials() if with_parts else [],
        fees=fees() if with_parts else [],
        flow=flow() if with_parts else [],
        faqs=[{"question": "个体户需要办理吗？", "answer": "需要。"}] if with_parts else [],
        actor=actor,
    )
