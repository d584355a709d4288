"""Scopes: a township clerk sees their township and its stations, a centre manager everything."""

import pytest

from govhall.core.errors import NotFound, PermissionDenied
from govhall.org import access, selectors


def test_manager_sees_everything(city):
    assert set(access.scope_sites(city.manager.user)) >= {
        city.centre,
        city.town_a,
        city.town_b,
        city.village_b,
    }
    assert selectors.staff_list(city.manager.user).count() == 6


def test_township_clerk_sees_own_township_and_its_stations(city):
    user = city.town_a_clerk.user
    assert set(access.scope_sites(user)) == {city.town_a, city.village_a}
    assert set(selectors.staff_list(user)) == {city.town_a_clerk, city.agent_a}
    assert access.access_site(user, city.village_a.pk) == city.village_a
    assert access.access_staff(user, city.agent_a.pk) == city.agent_a


def test_township_clerk_cannot_see_another_township(city):
    user = city.town_a_clerk.user
    with pytest.raises(NotFound) as info:
        access.access_staff(user, city.town_b_clerk.pk)
    assert info.value.code == "org.staff_not_found"
    with pytest.raises(PermissionDenied) as info:
        access.access_site(user, city.town_b.pk)
    assert info.value.code == "org.forbidden" and "权限" in info.value.message
    with pytest.raises(PermissionDenied):
        access.access_department(user, city.town_b_dept.pk)


def test_village_agent_sees_only_the_station(city):
    assert set(access.scope_sites(city.agent_a.user)) == {city.village_a}
    assert set(selectors.staff_list(city.agent_a.user)) == {city.agent_a}


def test_department_clerk_sees_own_department(city):
    user = city.clerk.user
    assert set(selectors.staff_list(user)) == {city.manager, city.clerk, city.chief}
    assert set(access.scope_departments(user)) == {city.market}
    assert access.access_window(user, city.market_window.pk) == city.market_window
    with pytest.raises(NotFound):
        access.access_staff(user, city.agent_a.pk)


def test_applicant_is_not_staff(city):
    assert access.staff_of(city.applicant) is None
    with pytest.raises(PermissionDenied) as info:
        access.require_role(city.applicant)
    assert info.value.code == "org.forbidden"
    with pytest.raises(PermissionDenied):
        selectors.staff_list(city.applicant)


def test_require_role(city):
    assert access.require_role(city.manager.user, "manager") == city.manager
    with pytest.raises(PermissionDenied):
        access.require_role(city.clerk.user, "manager", "supervisor")


def test_superuser_passes(city, django_user_model):
    root = django_user_model.objects.create_superuser("root", password="Root#2026xx")
    assert access.require_role(root, "manager") is None
    assert access.access_staff(root, city.town_b_clerk.pk) == city.town_b_clerk


def test_missing_and_malformed_ids_are_not_found(city):
    for bad in (999999, "abc", None):
        with pytest.raises(NotFound):
            access.access_window(city.manager.user, bad)
    with pytest.raises(NotFound):
        access.access_delegation(city.manager.user, 424242)
