"""Issuing tickets at the kiosk: numbers, lanes, one ticket per ID, daily caps, bad input."""

from datetime import timedelta

import pytest
from django.utils import timezone

from govhall.core.errors import DomainError
from govhall.core.models import AuditEvent
from govhall.hall.queue import services
from govhall.hall.queue.models import Ticket
from govhall.hall.queue.states import Lane, TicketState
from tests.hall_queue import factories as f
from tests.org import factories as org

pytestmark = pytest.mark.django_db


def test_numbers_are_prefix_plus_three_digits_per_business(biz_a, biz_b):
    assert [f.ticket(biz_a).number for _ in range(3)] == ["A001", "A002", "A003"]
    assert f.ticket(biz_b).number == "B001"


def test_numbers_restart_daily(biz_a, monkeypatch):
    assert f.ticket(biz_a).number == "A001"
    tomorrow = timezone.now() + timedelta(days=1)
    monkeypatch.setattr(services.timezone, "now", lambda: tomorrow)
    ticket = f.ticket(biz_a)
    assert ticket.number == "A001" and ticket.day == timezone.localdate(tomorrow)


def test_issue_stores_id_encrypted_and_audits_it_masked(biz_a):
    id_number = f.ric("19900101", seq=21)
    ticket = services.ticket_issue(business=biz_a, id_number=id_number, name="张三", mobile="13800138000")
    assert id_number not in ticket.id_number_cipher and ticket.id_number_digest
    assert ticket.masked_name == "张*"
    event = AuditEvent.objects.get(action="hall_queue.issue")
    assert event.after["id_number"] == "110105********" + id_number[-4:]
    assert id_number not in str(event.after)


@pytest.mark.parametrize(
    ("birth", "lane"),
    [("19500101", Lane.ELDERLY), ("19900101", Lane.ORDINARY)],
)
def test_lane_from_birth_date(biz_a, birth, lane):
    assert f.ticket(biz_a, birth=birth).lane == lane


def test_sixty_on_the_day_counts_as_elderly(biz_a):
    today = timezone.localdate()
    birth = today.replace(year=today.year - 60) if not (today.month == 2 and today.day == 29) else today
    assert f.ticket(biz_a, birth=birth.strftime("%Y%m%d")).lane == Lane.ELDERLY
    day_after = birth + timedelta(days=1)
    assert f.ticket(biz_a, birth=day_after.strftime("%Y%m%d")).lane == Lane.ORDINARY


def test_green_channel_is_issued_by_staff_only(biz_a):
    before = f.counts()
    with pytest.raises(DomainError) as refused:
        f.ticket(biz_a, green=True)
    assert refused.value.http_status == 403 and f.counts() == before
    guide = org.staff().user
    assert f.ticket(biz_a, green=True, actor=guide).lane == Lane.GREEN


def test_unknown_business_is_refused_and_changes_nothing(biz_a):
    before = f.counts()
    for bad in (999999, "x", None):
        with pytest.raises(DomainError) as refused:
            services.ticket_issue(business=bad, id_number=f.ric())
        assert refused.value.code == "queue.business_not_found"
    assert f.counts() == before


def test_inactive_business_is_refused(biz_a):
    biz_a.active = False
    biz_a.save()
    with pytest.raises(DomainError) as refused:
        f.ticket(biz_a)
    assert refused.value.code == "queue.business_not_found"


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("id_number", {"id_number": "110105199001011235"}),  # bad check digit
        ("id_number", {"id_number": ""}),
        ("mobile", {"id_number": None, "mobile": "12345"}),
        ("name", {"id_number": None, "name": "张" * 70}),
    ],
)
def test_bad_identity_is_refused_and_changes_nothing(biz_a, field, kwargs):
    kwargs = {k: (f.ric() if v is None else v) for k, v in kwargs.items()}
    before = f.counts()
    with pytest.raises(DomainError) as refused:
        services.ticket_issue(business=biz_a, **kwargs)
    assert refused.value.code == "queue.invalid" and refused.value.field == field
    assert f.counts() == before


def test_second_ticket_for_the_same_id_and_business_is_refused(biz_a, biz_b):
    id_number = f.ric(seq=7)
    services.ticket_issue(business=biz_a, id_number=id_number)
    before = f.counts()
    with pytest.raises(DomainError) as refused:
        services.ticket_issue(business=biz_a, id_number=id_number.lower())
    assert refused.value.code == "queue.duplicate_ticket" and refused.value.http_status == 409
    assert f.counts() == before  # the serial number was not used up either
    assert services.ticket_issue(business=biz_b, id_number=id_number).number == "B001"
    assert f.ticket(biz_a).number == "A002"


def test_a_new_ticket_after_the_first_is_over(biz_a):
    id_number = f.ric(seq=8)
    first = services.ticket_issue(business=biz_a, id_number=id_number)
    Ticket.objects.filter(pk=first.pk).update(state=TicketState.NO_SHOW)
    assert services.ticket_issue(business=biz_a, id_number=id_number).number == "A002"


def test_daily_cap(db):
    small = f.business(prefix="C", daily_cap=2)
    f.ticket(small), f.ticket(small)
    before = f.counts()
    with pytest.raises(DomainError) as refused:
        f.ticket(small)
    assert refused.value.code == "queue.daily_cap_reached"
    assert f.counts() == before


def test_business_configuration_is_validated(db):
    with pytest.raises(DomainError):
        f.business(prefix="a1")
    with pytest.raises(DomainError):
        f.business(prefix="Q", daily_cap=1000)
    f.business(prefix="Q")
    with pytest.raises(DomainError):
        f.business(prefix="Q", name="另一个")
    with pytest.raises(DomainError) as refused:
        services.business_create(site=org.centre(), code="X", name="X", prefix="X", actor=org.staff().user)
    assert refused.value.http_status == 403
