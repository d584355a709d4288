"""The demo loader: businesses for the demo windows and today's waiting tickets, idempotent."""

import pytest

from govhall.hall.queue import demo
from govhall.hall.queue.models import Business, Ticket, WindowBusiness
from govhall.org.models import Window
from tests.org import factories as org

pytestmark = pytest.mark.django_db


def test_seed_is_idempotent(db):
    centre = org.centre()
    dept = org.department()
    for n, prefix in enumerate("AABC", start=1):
        window = org.window(site=centre, dept=dept, number=f"0{n}")
        Window.objects.filter(pk=window.pk).update(ticket_prefix=prefix, is_comprehensive=n == 1)
    first = demo.seed()
    assert first["排队业务"] == 3 and first["今日等候号票"] == 24
    assert WindowBusiness.objects.filter(business__prefix="B", priority=2).exists()  # comprehensive window
    assert Ticket.objects.filter(lane=0).count() == 0  # no manager in this org: no green ticket
    assert demo.seed() == {}
    assert Business.objects.count() == 3 and Ticket.objects.count() == 24
