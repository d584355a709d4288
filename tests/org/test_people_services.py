"""staff_* and delegation_* services, and delegation_active across its edges."""

from datetime import date

import pytest
import time_machine

from govhall.core.errors import Conflict, PermissionDenied, ValidationFailed
from govhall.org import services
from govhall.org.models import Delegation, Role, Staff
from govhall.org.selectors import delegation_active
from tests.org import factories as f
from tests.org.test_structure_services import refused


@pytest.fixture(autouse=True)
def _today():
    # Grants are checked against "today": pin it to 10 March 2026.
    with time_machine.travel("2026-03-10 09:00 +0800", tick=False):
        yield


# --- staff -------------------------------------------------------------------------------------


def test_staff_create_makes_a_login_with_masked_mobile(city):
    staff = services.staff_create(
        username="wang_er", name="王二", role=Role.CLERK, department=city.market, site=city.centre,
        window=city.market_window, mobile="13912345678", password="Window#2026x", actor=city.manager.user,
    )  # fmt: skip
    assert staff.mobile_masked == "139****5678"
    assert staff.user.real_name == "王二" and "13912345678" not in staff.user.mobile_cipher
    assert staff.user.check_password("Window#2026x") and staff.user.is_active
    event = f.last_event("org.staff_create")
    assert event.after["mobile_masked"] == "139****5678" and "13912345678" not in str(event.after)


def test_staff_without_password_cannot_log_in(city):
    staff = services.staff_create(
        username="no_pw",
        name="钱一",
        role=Role.APPROVER,
        department=city.market,
        site=city.centre,
        actor=None,
    )
    assert not staff.user.has_usable_password()
    assert staff.employee_no == f"G{staff.user.pk:06d}"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"username": "clerk"}, "org.username_taken"),
        ({"username": "a b"}, "org.username_invalid"),
        ({"name": ""}, "org.name_required"),
        ({"role": "king"}, "org.invalid_role"),
        ({"mobile": "12345"}, "org.mobile_invalid"),
        ({"mobile": "10012345678"}, "org.mobile_invalid"),
        ({"mobile": "139 0013 9000"}, "org.mobile_taken"),
        ({"password": "short"}, "org.password_weak"),
        ({"password": "alllowercaseletters"}, "org.password_weak"),
        ({"window": "town"}, "org.window_not_at_site"),
        ({"window": "other_dept"}, "org.window_department"),
        ({"role": Role.AGENT}, "org.agent_site"),
    ],
)
def test_staff_create_bad_input(city, kwargs, code):
    windows = {
        "town": f.window(site=city.town_a, dept=city.town_a_dept),
        "other_dept": f.window(site=city.centre),
    }
    data = {"username": "new_one", "name": "新人", "role": Role.CLERK, "department": city.market,
            "site": city.centre, "mobile": "13800001111", **kwargs}  # fmt: skip
    if "window" in kwargs:
        data["window"] = windows[kwargs["window"]]
    refused(lambda: services.staff_create(**data, actor=city.manager.user), code)


def test_staff_create_needs_manager(city):
    refused(
        lambda: services.staff_create(
            username="x_1",
            name="某",
            role=Role.CLERK,
            department=city.market,
            site=city.centre,
            actor=city.chief.user,
        ),
        "org.forbidden",
        error=PermissionDenied,
    )


def test_staff_update_moves_window_and_is_audited(city):
    other = f.window(site=city.centre, dept=city.market, number="15")
    services.staff_update(staff=city.clerk, window=other, actor=city.manager.user)
    event = f.last_event("org.staff_update")
    assert event.before["window"] == city.market_window.pk and event.after["window"] == other.pk


def test_staff_deactivate_ends_login_and_delegations(city):
    grant = f.delegation(city.chief, valid_from=date(2026, 1, 1), valid_to=date(2026, 12, 31))
    services.staff_deactivate(staff=city.chief, reason="调离", actor=city.manager.user)
    chief = Staff.objects.select_related("user").get(pk=city.chief.pk)
    assert not chief.active and not chief.user.is_active and chief.window is None
    assert Delegation.objects.get(pk=grant.pk).revoked_at is not None
    assert f.last_event("org.staff_deactivate").detail == {"reason": "调离"}
    assert f.last_event("org.delegation_revoke").object_id == str(grant.pk)
    refused(
        lambda: services.staff_deactivate(staff=chief, actor=city.manager.user),
        "org.staff_inactive",
        error=Conflict,
    )


def test_manager_cannot_deactivate_self(city):
    refused(
        lambda: services.staff_deactivate(staff=city.manager, actor=city.manager.user),
        "org.cannot_deactivate_self",
    )


# --- delegations -------------------------------------------------------------------------------


def test_delegation_grant_is_audited(city):
    grant = services.delegation_grant(
        chief=city.chief, department=city.market, powers=["decide", "seal"], document_no="市监授〔2026〕1号",
        valid_from=date(2026, 3, 1), valid_to=date(2026, 12, 31), actor=city.manager.user,
    )  # fmt: skip
    assert (grant.can_decide, grant.can_review_report, grant.can_use_seal) == (True, False, True)
    event = f.last_event("org.delegation_grant")
    assert event.after["document_no"] == "市监授〔2026〕1号" and event.after["valid_to"] == "2026-12-31"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"chief": "clerk"}, "org.not_chief"),
        ({"department": "town"}, "org.chief_department"),
        ({"powers": []}, "org.powers_invalid"),
        ({"powers": ["decide", "fly"]}, "org.powers_invalid"),
        ({"document_no": " "}, "org.document_no_required"),
        ({"valid_from": date(2026, 5, 1), "valid_to": date(2026, 4, 30)}, "org.period_invalid"),
        ({"valid_from": date(2025, 1, 1), "valid_to": date(2026, 3, 9)}, "org.period_past"),
    ],
)
def test_delegation_grant_bad_input(city, kwargs, code):
    data = {"chief": city.chief, "department": city.market, "powers": ["decide"], "document_no": "授1号",
            "valid_from": date(2026, 3, 1), "valid_to": date(2026, 12, 31), **kwargs}  # fmt: skip
    data["chief"] = {"clerk": city.clerk}.get(kwargs.get("chief"), data["chief"])
    data["department"] = {"town": city.town_a_dept}.get(kwargs.get("department"), data["department"])
    refused(lambda: services.delegation_grant(**data, actor=city.manager.user), code)


def test_overlapping_delegation_refused(city):
    f.delegation(city.chief, valid_from=date(2026, 1, 1), valid_to=date(2026, 6, 30))
    refused(
        lambda: f.delegation(city.chief, valid_from=date(2026, 6, 30), valid_to=date(2026, 12, 31)),
        "org.delegation_overlap",
        error=Conflict,
    )
    f.delegation(city.chief, valid_from=date(2026, 7, 1), valid_to=date(2026, 12, 31))  # adjacent is fine


def test_delegation_needs_manager(city):
    refused(
        lambda: services.delegation_grant(
            chief=city.chief,
            department=city.market,
            powers=["decide"],
            document_no="x",
            valid_from=date(2026, 3, 1),
            valid_to=date(2026, 4, 1),
            actor=city.chief.user,
        ),  # fmt: skip
        "org.forbidden",
        error=PermissionDenied,
    )


def test_delegation_active_across_validity_edges(city):
    grant = f.delegation(
        city.chief, valid_from=date(2026, 3, 1), valid_to=date(2026, 3, 31), powers=["decide"]
    )
    on = {d: delegation_active(chief=city.chief, department=city.market, power="decide", on=d)
          for d in (date(2026, 2, 28), date(2026, 3, 1), date(2026, 3, 31), date(2026, 4, 1))}  # fmt: skip
    assert on == {
        date(2026, 2, 28): None,
        date(2026, 3, 1): grant,
        date(2026, 3, 31): grant,
        date(2026, 4, 1): None,
    }
    assert (
        delegation_active(chief=city.chief, department=city.market, power="seal", on=date(2026, 3, 5)) is None
    )
    assert (
        delegation_active(chief=city.chief, department=city.town_a_dept, power="decide", on=date(2026, 3, 5))
        is None
    )


def test_delegation_active_after_revocation(city):
    grant = f.delegation(city.chief, valid_from=date(2026, 3, 1), valid_to=date(2026, 12, 31))
    services.delegation_revoke(delegation=grant, reason="授权文件废止", actor=city.manager.user)
    # Revoked on 10 March: decisions of 9 March stay covered, from 10 March on there is no power.
    assert (
        delegation_active(chief=city.chief, department=city.market, power="seal", on=date(2026, 3, 9))
        == grant
    )
    assert (
        delegation_active(chief=city.chief, department=city.market, power="seal", on=date(2026, 3, 10))
        is None
    )
    assert f.last_event("org.delegation_revoke").after["revoke_reason"] == "授权文件废止"


def test_delegation_active_unknown_power(city):
    with pytest.raises(ValidationFailed) as info:
        delegation_active(chief=city.chief, department=city.market, power="sign", on=date(2026, 3, 5))
    assert info.value.code == "org.powers_invalid"


def test_delegation_revoke_bad_input(city):
    grant = f.delegation(city.chief, valid_from=date(2026, 3, 1), valid_to=date(2026, 12, 31))
    refused(
        lambda: services.delegation_revoke(delegation=grant, reason=" ", actor=city.manager.user),
        "org.reason_required",
    )
    services.delegation_revoke(delegation=grant, reason="调整", actor=city.manager.user)
    refused(
        lambda: services.delegation_revoke(delegation=grant, reason="再次", actor=city.manager.user),
        "org.delegation_revoked",
        error=Conflict,
    )
