"""department_*, site_* and window_* services: good paths audited, bad input refused unchanged."""

import pytest

from govhall.core.errors import Conflict, DomainError, PermissionDenied, ValidationFailed
from govhall.org import services
from govhall.org.models import Department, DepartmentKind, Site, SiteKind
from tests.org import factories as f


def refused(call, code: str, *, error=ValidationFailed) -> DomainError:
    """Run ``call``; it must raise ``error`` with ``code`` and a Chinese message, changing nothing."""
    before = f.counts()
    with pytest.raises(error) as info:
        call()
    assert info.value.code == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in info.value.message), info.value.message
    assert f.counts() == before
    return info.value


# --- departments -------------------------------------------------------------------------------


def test_department_create_is_audited(city):
    dept = services.department_create(
        code="SWJ",
        name="市税务局",
        kind=DepartmentKind.STATIONED,
        phone="0838-2345678",
        actor=city.manager.user,
    )
    event = f.last_event("org.department_create")
    assert event.object_id == str(dept.pk)
    assert event.actor_id == city.manager.user.pk
    assert event.after["name"] == "市税务局"


@pytest.mark.parametrize(
    ("kwargs", "code", "field"),
    [
        ({"code": "坏编码"}, "org.invalid_code", "code"),
        ({"code": "SCJG"}, "org.code_taken", "code"),
        ({"name": "  "}, "org.name_required", "name"),
        ({"name": "市场监督管理局"}, "org.name_taken", "name"),
        ({"kind": "bank"}, "org.invalid_kind", "kind"),
        ({"phone": "电话12345"}, "org.invalid_phone", "phone"),
    ],
)
def test_department_create_refuses_bad_input(city, kwargs, code, field):
    data = {"code": "NEW1", "name": "新部门", "kind": DepartmentKind.STATIONED, **kwargs}
    error = refused(lambda: services.department_create(**data, actor=city.manager.user), code)
    assert error.field == field


def test_department_create_needs_manager(city):
    refused(
        lambda: services.department_create(code="X1", name="某局", kind="stationed", actor=city.clerk.user),
        "org.forbidden",
        error=PermissionDenied,
    )


def test_department_update_records_before_and_after(city):
    services.department_update(department=city.market, short_name="市场监管", actor=city.manager.user)
    event = f.last_event("org.department_update")
    assert event.before["short_name"] == "" and event.after["short_name"] == "市场监管"


def test_department_with_open_windows_cannot_leave(city):
    refused(
        lambda: services.department_update(department=city.market, active=False, actor=city.manager.user),
        "org.department_has_windows",
        error=Conflict,
    )
    assert Department.objects.get(pk=city.market.pk).active


def test_department_code_cannot_be_changed(city):
    refused(
        lambda: services.department_update(department=city.market, code="NEW", actor=city.manager.user),
        "org.field_not_editable",
    )


# --- sites -------------------------------------------------------------------------------------


def test_village_station_with_market_days_is_audited(city):
    station = services.site_create(
        code="DS-01", name="东山镇红星村代办站", kind=SiteKind.VILLAGE, parent=city.town_a,
        market_day_digits="741", actor=city.manager.user,
    )  # fmt: skip
    assert station.market_day_digits == "147"  # normalised to sorted digits
    event = f.last_event("org.site_create")
    assert event.after["parent"] == city.town_a.pk and event.after["market_day_digits"] == "147"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"market_day_digits": ""}, "org.market_days_required"),
        ({"market_day_digits": "114"}, "org.market_days_invalid"),
        ({"market_day_digits": "1a"}, "org.market_days_invalid"),
        ({"parent": "centre"}, "org.parent_kind"),
        ({"parent": None}, "org.parent_kind"),
        ({"parent": "village"}, "org.parent_kind"),
        ({"code": "S 1"}, "org.invalid_code"),
        ({"open_weekdays": "1238"}, "org.open_weekdays_invalid"),
    ],
)
def test_village_station_bad_input(city, kwargs, code):
    parents = {"centre": city.centre, "village": city.village_a, None: None}
    data = {"code": "V-NEW", "name": "新村代办站", "kind": SiteKind.VILLAGE, "parent": city.town_a,
            "market_day_digits": "369", **kwargs}  # fmt: skip
    if "parent" in kwargs:
        data["parent"] = parents[kwargs["parent"]]
    refused(lambda: services.site_create(**data, actor=city.manager.user), code)


def test_market_days_only_for_villages(city):
    refused(
        lambda: services.site_create(
            code="T-NEW",
            name="南坝镇便民服务中心",
            kind=SiteKind.TOWNSHIP,
            parent=city.centre,
            market_day_digits="147",
            actor=city.manager.user,
        ),  # fmt: skip
        "org.market_days_not_allowed",
    )


def test_only_one_centre(city):
    refused(
        lambda: services.site_create(
            code="QL2", name="另一中心", kind=SiteKind.CENTRE, actor=city.manager.user
        ),
        "org.centre_exists",
        error=Conflict,
    )


def test_site_code_taken(city):
    refused(
        lambda: services.site_create(
            code=city.town_a.code,
            name="重复",
            kind=SiteKind.TOWNSHIP,
            parent=city.centre,
            actor=city.manager.user,
        ),
        "org.code_taken",
    )


def test_site_under_inactive_parent_refused(city):
    town = f.township("北岭镇便民服务中心")
    services.site_update(site=town, active=False, actor=city.manager.user)
    refused(
        lambda: services.site_create(
            code="BL-1",
            name="北岭村代办站",
            kind=SiteKind.VILLAGE,
            parent=Site.objects.get(pk=town.pk),
            market_day_digits="369",
            actor=city.manager.user,
        ),  # fmt: skip
        "org.parent_inactive",
    )


def test_site_update_market_days_is_audited(city):
    services.site_update(site=city.village_a, market_day_digits="0369", actor=city.manager.user)
    event = f.last_event("org.site_update")
    assert event.before["market_day_digits"] == "147" and event.after["market_day_digits"] == "0369"


def test_township_with_active_stations_cannot_close(city):
    refused(
        lambda: services.site_update(site=city.town_a, active=False, actor=city.manager.user),
        "org.site_has_children",
        error=Conflict,
    )


def test_site_kind_cannot_change(city):
    refused(
        lambda: services.site_update(site=city.village_a, kind=SiteKind.COMMUNITY, actor=city.manager.user),
        "org.field_not_editable",
    )


def test_site_update_bad_market_days_changes_nothing(city):
    refused(lambda: services.site_update(site=city.village_a, market_day_digits="", actor=city.manager.user),
            "org.market_days_required")  # fmt: skip
    assert Site.objects.get(pk=city.village_a.pk).market_day_digits == "147"


# --- windows -----------------------------------------------------------------------------------


def test_window_create_is_audited(city):
    window = services.window_create(
        site=city.centre,
        number="13",
        name="企业开办",
        department=city.market,
        ticket_prefix="q",
        actor=city.manager.user,
    )
    assert window.ticket_prefix == "Q"
    assert f.last_event("org.window_create").after["number"] == "13"


def test_same_number_at_another_site_is_fine(city):
    services.window_create(
        site=city.town_a, number="12", name="综合窗口", department=city.town_a_dept, actor=None
    )


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"number": "12"}, "org.window_number_taken"),
        ({"number": ""}, "org.window_number_invalid"),
        ({"number": "十二"}, "org.window_number_invalid"),
        ({"ticket_prefix": "A1"}, "org.ticket_prefix_invalid"),
        ({"name": ""}, "org.name_required"),
    ],
)
def test_window_create_bad_input(city, kwargs, code):
    data = {"site": city.centre, "number": "30", "name": "新窗口", "department": city.market, **kwargs}
    refused(lambda: services.window_create(**data, actor=city.manager.user), code)


def test_window_update_to_taken_number_refused(city):
    other = f.window(site=city.centre, dept=city.market, number="14")
    refused(
        lambda: services.window_update(window=other, number="12", actor=city.manager.user),
        "org.window_number_taken",
    )


def test_window_update_is_audited(city):
    services.window_update(window=city.market_window, name="市场主体登记", actor=city.manager.user)
    event = f.last_event("org.window_update")
    assert event.before["name"] != event.after["name"] == "市场主体登记"


def test_window_for_departed_department_refused(city):
    dept = f.department(name="撤出局")
    services.department_update(department=dept, active=False, actor=None)
    refused(
        lambda: services.window_create(
            site=city.centre, number="40", name="x", department=Department.objects.get(pk=dept.pk), actor=None
        ),
        "org.department_inactive",
    )
