"""``govhall seed_demo``: a believable city centre, loaded once, with working demo logins."""

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db.models import Count, Sum
from django.test import RequestFactory
from django.utils import timezone

from govhall.catalog.models import (
    FlowStep,
    ItemStatus,
    ItemVersion,
    Precondition,
    ReportCategory,
    ServiceItem,
)
from govhall.core import crypto
from govhall.core.models import AuditEvent, User
from govhall.demo.seed import seed_demo
from govhall.org.models import (
    SITE_PARENT_KINDS,
    Delegation,
    Department,
    DepartmentKind,
    Role,
    Site,
    SiteKind,
    Staff,
    Window,
)

DEMO_USERS = [
    "manager", "clerk", "chief", "approver", "inspector", "supervisor", "agent", "applicant", "enterprise", "trader",
]  # fmt: skip
DEMO_PASSWORD = "Govhall#2026"

RIC_WEIGHTS = [2 ** (17 - i) % 11 for i in range(17)]  # GB 11643: W_i = 2^(i-1) mod 11, from the right
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def ric_is_valid(value: str) -> bool:
    """Independent GB 11643 check: 17 digits, MOD 11-2 check character, a real past birth date."""
    if len(value) != 18 or not value[:17].isdigit():
        return False
    total = sum(int(c) * w for c, w in zip(value[:17], RIC_WEIGHTS, strict=True))
    check = (12 - total % 11) % 11
    expected = "X" if check == 10 else str(check)
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    return value[17] == expected and born <= date.today()


def uscc_is_valid(value: str) -> bool:
    """Independent GB 32100 check: weights 3^i mod 31, check = 31 - sum mod 31."""
    if len(value) != 18 or any(c not in USCC_ALPHABET for c in value):
        return False
    total = sum(USCC_ALPHABET.index(c) * pow(3, i, 31) for i, c in enumerate(value[:17]))
    return value[17] == USCC_ALPHABET[(31 - total % 31) % 31]


def counts() -> dict[str, int]:
    models = [
        Department,
        Site,
        Window,
        Staff,
        Delegation,
        User,
        ServiceItem,
        FlowStep,
        Precondition,
        ItemVersion,
    ]
    return {m.__name__: m.objects.count() for m in models} | {"audit": AuditEvent.objects.count()}


def test_independent_checks_agree_with_the_standards_examples():
    # Examples printed in the standards' explanations (GB 11643 annex, a published GB 32100 code).
    assert ric_is_valid("11010519491231002X")
    assert not ric_is_valid("110105194912310021")
    assert uscc_is_valid("91350100M000100Y43")
    assert not uscc_is_valid("91350100M000100Y44")


@pytest.mark.django_db
def test_command_loads_the_city_with_the_promised_size():
    out = StringIO()
    call_command("seed_demo", "--no-cases", stdout=out)

    assert "演示数据已载入" in out.getvalue()
    assert "服务事项：" in out.getvalue()
    assert Department.objects.exclude(kind=DepartmentKind.TOWNSHIP).count() >= 24
    kinds = set(Department.objects.values_list("kind", flat=True))
    assert kinds == set(DepartmentKind.values)
    centre = Site.objects.get(code="QL")
    assert centre.kind == SiteKind.CENTRE
    assert Site.objects.filter(kind=SiteKind.SUB_CENTRE, parent=centre).count() == 5
    assert Site.objects.filter(kind=SiteKind.TOWNSHIP).count() >= 8
    assert Site.objects.filter(kind__in=[SiteKind.VILLAGE, SiteKind.COMMUNITY]).count() >= 30
    assert Window.objects.count() >= 60
    assert Window.objects.filter(site=centre).count() >= 45
    assert Staff.objects.count() >= 150
    assert ServiceItem.objects.count() >= 200
    assert ItemVersion.objects.filter(version=1).count() == ServiceItem.objects.count()
    assert AuditEvent.objects.filter(action="demo.seed").count() == 1


@pytest.mark.django_db
def test_second_run_changes_nothing_and_says_so():
    call_command("seed_demo", "--no-cases", stdout=StringIO())
    before = counts()
    last_change = ServiceItem.objects.order_by("-updated_at").values_list("updated_at", flat=True).first()

    out = StringIO()
    call_command("seed_demo", "--no-cases", stdout=out)

    assert "未做任何更改" in out.getvalue()
    assert counts() == before
    assert (
        ServiceItem.objects.order_by("-updated_at").values_list("updated_at", flat=True).first()
        == last_change
    )


@pytest.mark.django_db
def test_a_conflicting_database_gets_a_chinese_error_and_nothing_is_loaded():
    Department.objects.create(code="SCJ", name="已有的部门", kind=DepartmentKind.STATIONED)
    before = counts()

    with pytest.raises(CommandError, match="未做任何更改"):
        call_command("seed_demo", "--no-cases", stdout=StringIO())

    assert counts() == before
    assert not Site.objects.exists()


def test_every_demo_user_logs_in_with_the_documented_password(demo, client):
    request = RequestFactory().post("/accounts/login/")
    for username in DEMO_USERS:
        assert client.login(request=request, username=username, password=DEMO_PASSWORD), username
        client.logout()
    assert not client.login(request=request, username="clerk", password="wrong#Pass1")


def test_generated_staff_cannot_log_in_without_a_password_set(demo):
    generated = User.objects.exclude(username__in=DEMO_USERS).filter(kind="staff")
    assert generated.count() >= 150
    assert not any(u.has_usable_password() for u in generated)


def test_demo_people_have_their_documented_roles(demo):
    roles = dict(Staff.objects.filter(user__username__in=DEMO_USERS).values_list("user__username", "role"))
    assert roles == {name: name for name in DEMO_USERS if name not in ("applicant", "enterprise")}
    manager = User.objects.get(username="manager")
    assert manager.is_staff and not manager.is_superuser
    assert not User.objects.filter(is_superuser=True).exists()
    clerk = Staff.objects.select_related("window__site").get(user__username="clerk")
    assert clerk.window.site.code == "QL"
    agent = Staff.objects.select_related("site").get(user__username="agent")
    assert agent.site.kind == SiteKind.VILLAGE and agent.site.market_day_digits


def test_manager_can_use_the_admin_for_the_catalogue_but_not_the_audit_log(demo, client):
    manager = User.objects.get(username="manager")
    assert manager.has_perm("catalog.change_serviceitem") and manager.has_perm("org.add_window")
    assert not manager.has_perm("core.view_auditevent")
    client.force_login(manager)
    response = client.get("/admin/")
    assert response.status_code == 200
    assert "服务事项" in response.content.decode()
    assert client.get("/admin/catalog/serviceitem/").status_code == 200


def test_chief_holds_an_active_delegation_of_market_regulation(demo):
    chief = Staff.objects.get(user__username="chief")
    today = timezone.localdate()
    active = Delegation.objects.filter(
        chief=chief, department__name="七里市市场监督管理局", valid_from__lte=today, valid_to__gte=today
    )
    assert active.filter(can_decide=True, can_use_seal=True, revoked_at__isnull=True).exists()
    assert Delegation.objects.filter(valid_to__lt=date(today.year, 1, 1)).exists()  # expired ones too
    selectors = pytest.importorskip("govhall.org.selectors")
    assert selectors.delegation_active(chief=chief, department=chief.department, power="seal", on=today)


def test_applicant_zhang_san_has_a_valid_encrypted_identity(demo):
    applicant = User.objects.get(username="applicant")
    id_number = crypto.decrypt(applicant.id_number_cipher)

    assert applicant.real_name == "张三"
    assert ric_is_valid(id_number)
    assert applicant.id_number_digest == crypto.keyed_digest(id_number)
    assert crypto.decrypt(applicant.mobile_cipher) == "13800138000"
    assert applicant.mobile_verified_at is not None
    assert id_number not in applicant.id_number_cipher
    enterprise = User.objects.get(username="enterprise")
    assert uscc_is_valid(enterprise.org_credit_code)


def test_every_item_has_materials_flow_window_and_consistent_limits(demo):
    items = ServiceItem.objects.annotate(
        n_materials=Count("materials", distinct=True), n_windows=Count("windows", distinct=True)
    )
    step_totals = dict(
        FlowStep.objects.values("item").annotate(total=Sum("limit")).values_list("item", "total")
    )
    for item in items:
        assert 2 <= item.n_materials <= 6, item.name
        assert item.n_windows >= 1, item.name
        assert item.promised_limit_unit == item.legal_limit_unit, item.name
        assert item.promised_limit <= item.legal_limit, item.name
        assert step_totals[item.pk] <= item.promised_limit, item.name
        assert (item.case_kind == 1) == (item.promised_limit == 0), item.name
        assert (item.promised_limit * 2) % 1 == 0  # half working-day steps
        assert item.legal_basis.startswith("《"), item.name


def test_catalogue_covers_every_kind_and_the_utilities(demo):
    types = set(ServiceItem.objects.values_list("item_type", flat=True))
    assert {"01", "05", "07", "10", "20"} <= types
    assert ServiceItem.objects.filter(category=ReportCategory.NON_LICENSING).exists()
    for name in [
        "用水报装",
        "低压居民新装（增容）用电",
        "燃气开户（报装）",
        "有线电视开户",
        "结婚登记",
        "食品经营许可",
    ]:
        assert ServiceItem.objects.filter(name=name).exists(), name
    assert (
        FlowStep.objects.exclude(countersign_mode="none").values("countersign_mode").distinct().count() == 2
    )
    assert FlowStep.objects.filter(role=Role.CHIEF, name="批准").exists()
    fee = ServiceItem.objects.get(name="不动产转移登记").fees.get()
    assert fee.amount == Decimal("80.00") and "2559号" in fee.legal_basis
    assert ServiceItem.objects.filter(level=5).exists()  # township items


def test_items_are_searchable_by_pinyin_initials(demo):
    item = ServiceItem.objects.get(name="食品经营许可")
    assert item.pinyin_initials == "spjyxk"
    assert "shipin" in item.pinyin
    assert not ServiceItem.objects.filter(pinyin_initials="").exists()


def test_site_hierarchy_follows_the_report(demo):
    for site in Site.objects.select_related("parent"):
        parent_kind = site.parent.kind if site.parent else None
        allowed = SITE_PARENT_KINDS[site.kind]
        assert (parent_kind in allowed) if allowed else parent_kind is None, site.name
    villages = Site.objects.filter(kind=SiteKind.VILLAGE)
    assert villages.exclude(market_day_digits="").count() == villages.count()
    assert set(villages.values_list("market_day_digits", flat=True)) >= {"147", "258", "369", "0369"}


@time_machine.travel(date(2026, 3, 2), tick=False)
@pytest.mark.django_db
def test_cleanup_figures_of_this_year_are_non_zero_and_not_in_the_future():
    seed_demo()
    this_year = (date(2026, 1, 1), date(2026, 3, 2))

    cancelled = ServiceItem.objects.filter(status=ItemStatus.CANCELLED)
    assert cancelled.filter(cancelled_on__range=this_year).count() == cancelled.count() > 0
    assert set(cancelled.values_list("cancel_reason", flat=True)) == {"市政府清理取消"}
    pre = Precondition.objects.filter(status=ItemStatus.CANCELLED)
    assert pre.filter(cancelled_on__range=this_year).count() == pre.count() > 0
    retained = ServiceItem.objects.filter(status=ItemStatus.RETAINED)
    for category in (ReportCategory.LICENSING, ReportCategory.NON_LICENSING, ReportCategory.PUBLIC_SERVICE):
        assert retained.filter(category=category).exists(), category
    selectors = pytest.importorskip("govhall.catalog.selectors")
    figures = selectors.cleanup_figures(start=this_year[0], end=this_year[1])
    assert figures.items_cancelled > 0 and figures.preconditions_cancelled > 0
