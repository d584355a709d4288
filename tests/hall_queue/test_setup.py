"""The manager's queue setup page: list, create, edit businesses; each window's businesses."""

import re

import pytest

from govhall.core.models import AuditEvent
from govhall.hall.queue import services
from govhall.hall.queue.models import Business, WindowBusiness
from govhall.org.models import Role
from tests.catalog import factories as cf
from tests.hall_queue import factories as f
from tests.org import factories as org

URL = "/hall/queue/businesses/"


@pytest.fixture
def manager(db):
    return org.staff(role=Role.MANAGER).user


def _item():
    made = cf.make_item(with_parts=False)
    return getattr(made, "item", made)


def _new(**extra):
    return {"code": "ZH", "name": "综合受理", "prefix": "z", "daily_cap": "200", "warn_length": "25",
            "minutes_per_ticket": "6", "sort": "1", "items": ""} | extra  # fmt: skip


def test_only_the_manager_and_a_superuser_see_the_page(client, manager, window, clerk):
    client.force_login(clerk)
    assert client.get(URL).status_code == 403
    assert client.post(URL, _new()).status_code == 403
    assert not Business.objects.filter(code="ZH").exists()
    client.logout()
    assert client.get(URL).status_code == 302  # to the login page
    client.force_login(manager)
    page = client.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert "综合受理" in html and "企业开办" in html and 'name="csrfmiddlewaretoken"' in html
    assert f'name="priority_{window.queue_businesses.first().business_id}"' in html
    superuser = org.applicant("root")
    superuser.is_superuser = True
    superuser.save()
    client.force_login(superuser)
    assert client.get(URL).status_code == 200


def test_the_manager_creates_a_business_with_items(client, manager, biz_a):
    item = _item()
    client.force_login(manager)
    response = client.post(URL, _new(items=f"{item.code}"), follow=True)
    assert response.status_code == 200
    business = Business.objects.get(code="ZH")
    assert (business.prefix, business.daily_cap, business.warn_length, business.site_id) == ("Z", 200, 25,
                                                                                              biz_a.site_id)  # fmt: skip
    assert list(business.items.all()) == [item]
    assert "已新增业务" in response.content.decode() and item.name in response.content.decode()
    event = AuditEvent.objects.filter(action="hall_queue.business_create").latest("id")
    assert event.actor_id == manager.pk


@pytest.mark.parametrize(
    ("data", "field"),
    [({"prefix": "A"}, "prefix"), ({"prefix": "A1"}, "prefix"), ({"daily_cap": "1000"}, "daily_cap"),
     ({"daily_cap": "x"}, "daily_cap"), ({"code": "BA"}, "code"), ({"name": ""}, "name"),
     ({"items": "NO-SUCH-ITEM"}, "items"), ({"warn_length": "-1"}, "warn_length")],
)  # fmt: skip
def test_bad_input_is_shown_again_and_changes_nothing(client, manager, biz_a, data, field):
    client.force_login(manager)
    before = f.counts()
    response = client.post(URL, _new(**data))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-code="queue.invalid"' in html and 'aria-invalid="true"' in html
    assert f.counts() == before


def test_the_manager_edits_a_business(client, manager, biz_a, biz_b):
    item = _item()
    client.force_login(manager)
    url = f"{URL}{biz_a.pk}/"
    page = client.get(url)
    assert page.status_code == 200 and 'value="综合受理"' in page.content.decode()
    data = _new(code="BA", name="综合窗口", prefix="C", daily_cap="120", items=item.code, active="1")
    assert client.post(url, data).status_code == 302
    biz_a.refresh_from_db()
    assert (biz_a.name, biz_a.prefix, biz_a.daily_cap, biz_a.active) == ("综合窗口", "C", 120, True)
    assert list(biz_a.items.all()) == [item]
    event = AuditEvent.objects.filter(action="hall_queue.business_update").latest("id")
    assert event.before["prefix"] == "A" and event.after["prefix"] == "C"
    # Deactivate (checkbox unticked); a prefix of another business is refused and changes nothing.
    client.post(url, _new(code="BA", name="综合窗口", prefix="C", daily_cap="120"))
    biz_a.refresh_from_db()
    assert biz_a.active is False
    before = f.counts()
    refused = client.post(url, _new(code="BA", name="x", prefix="B", daily_cap="120", active="1"))
    assert refused.status_code == 400 and "前缀为B" in refused.content.decode()
    assert f.counts() == before
    assert client.get(f"{URL}999999/").status_code == 404


def test_the_clerk_cannot_edit(client, biz_a, clerk):
    client.force_login(clerk)
    assert client.post(f"{URL}{biz_a.pk}/", _new(code="BA", prefix="Q")).status_code == 403
    biz_a.refresh_from_db()
    assert biz_a.prefix == "A"


def test_the_manager_sets_a_windows_businesses(client, manager, window, biz_a, biz_b):
    biz_c = f.business(site=window.site, prefix="C", name="社保")
    client.force_login(manager)
    url = f"/hall/queue/windows/{window.pk}/businesses/"
    data = {f"priority_{biz_a.pk}": "2", f"priority_{biz_b.pk}": "", f"priority_{biz_c.pk}": "1"}
    assert client.post(url, data).status_code == 302
    links = dict(WindowBusiness.objects.filter(window=window).values_list("business_id", "priority"))
    assert links == {biz_a.pk: 2, biz_c.pk: 1}
    html = client.get(URL).content.decode()
    assert re.search(rf'name="priority_{biz_a.pk}"[^>]*value="2"', html)
    assert re.search(rf'name="priority_{biz_b.pk}"[^>]*value=""', html)
    actions = list(AuditEvent.objects.filter(action__startswith="hall_queue.window_business").values_list(
        "action", flat=True).order_by("id"))[-3:]  # fmt: skip
    assert sorted(actions) == ["hall_queue.window_business_remove", "hall_queue.window_business_set",
                               "hall_queue.window_business_set"]  # fmt: skip
    # Unchanged priorities write nothing; one bad priority refuses the whole form.
    before = f.counts()
    assert client.post(url, data).status_code == 302
    assert f.counts() == before
    bad = {f"priority_{biz_a.pk}": "1", f"priority_{biz_c.pk}": "0"}
    response = client.post(url, bad)
    assert response.status_code == 400 and "优先级" in response.content.decode()
    assert dict(WindowBusiness.objects.filter(window=window).values_list("business_id", "priority")) == links
    assert f.counts() == before


def test_a_clerk_cannot_set_window_businesses(client, window, biz_a, clerk):
    client.force_login(clerk)
    url = f"/hall/queue/windows/{window.pk}/businesses/"
    assert client.post(url, {f"priority_{biz_a.pk}": ""}).status_code == 403
    assert WindowBusiness.objects.filter(window=window, business=biz_a).exists()


def test_services_refuse_a_business_of_another_hall(manager, window):
    other = f.business(site=org.township(), prefix="X")
    before = f.counts()
    with pytest.raises(services.InvalidInput):
        services.window_businesses_replace(window=window, priorities={other: 1}, actor=manager)
    assert f.counts() == before
