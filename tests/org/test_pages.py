"""Manager pages under /org/: permissions, forms with Chinese errors, query budgets."""

from datetime import date

import pytest
import time_machine

from govhall.org.models import Delegation, Department, Role, Site
from tests.org import factories as f

LIST_PAGES = [
    "/org/",
    "/org/departments/",
    "/org/sites/",
    "/org/windows/",
    "/org/staff/",
    "/org/delegations/",
]


@pytest.fixture
def as_manager(client, city):
    client.force_login(city.manager.user)
    return client


@pytest.mark.parametrize("url", LIST_PAGES + ["/org/staff/new/", "/org/sites/QL/"])
def test_anonymous_is_sent_to_login(client, city, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("url", LIST_PAGES)
def test_applicant_is_refused(client, city, url):
    client.force_login(city.applicant)
    response = client.get(url)
    assert response.status_code == 403
    assert "您没有执行此操作的权限" in response.content.decode()


@pytest.mark.parametrize("url", LIST_PAGES + ["/org/sites/QL/", "/org/staff/new/", "/org/delegations/grant/"])
def test_manager_sees_every_page(as_manager, url):
    assert as_manager.get(url).status_code == 200


def test_clerk_reads_but_cannot_write(client, city):
    client.force_login(city.clerk.user)
    assert client.get("/org/staff/").status_code == 200
    assert client.get("/org/staff/new/").status_code == 403
    before = f.counts()
    response = client.post("/org/departments/new/", {"code": "X", "name": "某局", "kind": "stationed"})
    assert response.status_code == 403 and f.counts() == before


def test_township_clerk_gets_404_for_other_townships_staff(client, city):
    client.force_login(city.town_a_clerk.user)
    page = client.get("/org/staff/").content.decode()
    assert city.agent_a.name in page and city.town_b_clerk.name not in page
    client.force_login(city.manager.user)
    client.logout()
    client.force_login(city.town_a_clerk.user)
    assert client.get(f"/org/sites/{city.town_b.code}/").status_code == 403


def test_overview_shows_figures(as_manager):
    page = as_manager.get("/org/").content.decode()
    assert '<strong id="fig-townships">2</strong>' in page and '<strong id="fig-stations">2</strong>' in page


def test_site_tree_shows_market_days(as_manager, city):
    page = as_manager.get("/org/sites/").content.decode()
    assert "逢一、四、七" in page and "逢二、五、八" in page and "东山镇便民服务中心" in page


def test_staff_list_masks_mobiles_and_filters(as_manager, city):
    page = as_manager.get("/org/staff/", {"role": Role.AGENT}).content.decode()
    assert "139****9000" in page and "13900139000" not in page
    assert city.agent_a.name in page and city.clerk.name not in page


def test_staff_list_paginates(as_manager, city):
    for n in range(30):
        f.staff(dept=city.market, username=f"bulk{n}", name=f"人员{n}")
    first = as_manager.get("/org/staff/").content.decode()
    second = as_manager.get("/org/staff/", {"page": 2}).content.decode()
    assert "第 1 / 2 页" in first and "第 2 / 2 页" in second


@pytest.mark.parametrize(("url", "queries"), [("/org/staff/", 11), ("/org/windows/", 10), ("/org/sites/", 8),
                                              ("/org/departments/", 8), ("/org/delegations/", 9)])  # fmt: skip
def test_list_pages_query_budget(as_manager, city, django_assert_num_queries, url, queries):
    for n in range(12):
        chief = f.staff(role=Role.CHIEF, dept=city.market, username=f"chief{n}", name=f"首席{n}")
        f.window(site=city.centre, dept=city.market, number=f"5{n}")
        with time_machine.travel("2026-03-10 09:00 +0800", tick=False):
            f.delegation(chief, valid_from=date(2026, 3, 1), valid_to=date(2026, 12, 31))
    as_manager.get(url)  # warm the session and calendar caches
    with django_assert_num_queries(queries):
        assert as_manager.get(url).status_code == 200


def test_department_form_shows_chinese_error_and_changes_nothing(as_manager, city):
    before = f.counts()
    response = as_manager.post(
        "/org/departments/new/", {"code": "NEW", "name": "市场监督管理局", "kind": "stationed"}
    )
    assert response.status_code == 200
    assert "部门名称“市场监督管理局”已存在" in response.content.decode()
    assert f.counts() == before


def test_department_form_creates(as_manager):
    response = as_manager.post(
        "/org/departments/new/", {"code": "SWJ", "name": "市税务局", "kind": "stationed"}
    )
    assert response.status_code == 302 and Department.objects.filter(code="SWJ").exists()


def test_site_form_requires_market_days_for_village(as_manager, city):
    data = {
        "code": "DS-9",
        "name": "东山镇九村代办站",
        "kind": "village",
        "parent": city.town_a.pk,
        "open_weekdays": "12345",
    }
    before = f.counts()
    page = as_manager.post("/org/sites/new/", data).content.decode()
    assert "村级代办站须设置逢场日" in page and f.counts() == before
    response = as_manager.post("/org/sites/new/", {**data, "market_day_digits": "369"})
    assert response.status_code == 302 and Site.objects.get(code="DS-9").market_day_digits == "369"


def test_window_form_refuses_taken_number(as_manager, city):
    data = {"site": city.centre.pk, "number": "12", "name": "重复窗口", "department": city.market.pk}
    before = f.counts()
    assert "已有12号窗口" in as_manager.post("/org/windows/new/", data).content.decode()
    assert f.counts() == before


def test_staff_form_refuses_bad_mobile(as_manager, city):
    data = {"username": "newbie", "name": "新人", "role": "clerk", "department": city.market.pk,
            "site": city.centre.pk, "mobile": "12345"}  # fmt: skip
    before = f.counts()
    assert "手机号码无效" in as_manager.post("/org/staff/new/", data).content.decode()
    assert f.counts() == before
    assert as_manager.post("/org/staff/new/", {**data, "mobile": "13912345678"}).status_code == 302


def test_csrf_is_enforced(city):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(city.manager.user)
    before = f.counts()
    assert (
        strict.post("/org/departments/new/", {"code": "Z", "name": "某局", "kind": "stationed"}).status_code
        == 403
    )
    assert f.counts() == before


@time_machine.travel("2026-03-10 09:00 +0800", tick=False)
def test_grant_and_revoke_delegation_through_pages(as_manager, city):
    data = {"chief": city.chief.pk, "powers": ["decide", "seal"], "document_no": "市监授〔2026〕3号",
            "valid_from": "2026-03-01", "valid_to": "2026-02-01"}  # fmt: skip
    before = f.counts()
    assert "失效日期不能早于生效日期" in as_manager.post("/org/delegations/grant/", data).content.decode()
    assert f.counts() == before
    assert as_manager.post("/org/delegations/grant/", {**data, "valid_to": "2026-12-31"}).status_code == 302
    grant = Delegation.objects.get(document_no="市监授〔2026〕3号")
    assert (grant.can_decide, grant.can_review_report, grant.can_use_seal) == (True, False, True)
    confirm = as_manager.get(f"/org/delegations/{grant.pk}/revoke/").content.decode()
    assert "确认撤销" in confirm and "市监授〔2026〕3号" in confirm
    assert (
        "请填写撤销原因"
        in as_manager.post(f"/org/delegations/{grant.pk}/revoke/", {"reason": ""}).content.decode()
    )
    assert Delegation.objects.get(pk=grant.pk).revoked_at is None
    assert as_manager.post(f"/org/delegations/{grant.pk}/revoke/", {"reason": "人员调整"}).status_code == 302
    assert Delegation.objects.get(pk=grant.pk).revoke_reason == "人员调整"


def test_deactivate_staff_through_confirmation(as_manager, city):
    assert "确认停用" in as_manager.get(f"/org/staff/{city.clerk.pk}/deactivate/").content.decode()
    assert as_manager.post(f"/org/staff/{city.clerk.pk}/deactivate/", {"reason": "调离"}).status_code == 302
    assert not city.clerk.user.__class__.objects.get(pk=city.clerk.user.pk).is_active
