"""The page chrome follows the staff record: a deactivated person loses the staff links."""

import pytest

from govhall.org import services
from govhall.org.models import Role
from tests.org import factories

pytestmark = pytest.mark.django_db


def test_active_manager_sees_org_and_calendar_links_and_the_provisional_alert(client):
    manager = factories.staff(role=Role.MANAGER)
    client.force_login(manager.user)
    page = client.get("/").content.decode()
    assert 'href="/org/"' in page and 'href="/calendar/"' in page
    assert "暂定日历" in page


def test_deactivated_staff_lose_the_staff_links(client):
    manager = factories.staff(role=Role.MANAGER)
    services.staff_deactivate(staff=manager, reason="调离", actor=None)
    manager.user.is_active = True  # even if the login stayed usable, the chrome must not offer staff pages
    manager.user.save(update_fields=["is_active"])
    client.force_login(manager.user)
    page = client.get("/").content.decode()
    assert 'href="/org/"' not in page and 'href="/calendar/"' not in page
    assert "暂定日历" not in page
    assert "退出" in page  # still logged in: the links are gone because the staff record is inactive


def test_clerk_sees_org_but_no_calendar(client):
    clerk = factories.staff(role=Role.CLERK)
    client.force_login(clerk.user)
    page = client.get("/").content.decode()
    assert 'href="/org/"' in page and 'href="/calendar/"' not in page
