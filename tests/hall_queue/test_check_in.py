"""Appointment check-in at the kiosk: hall.selectors/services find and check in, the queue issues
the ticket in the same transaction (on time → the appointment lane)."""

import pytest
import time_machine
from django.urls import reverse

from govhall.core.errors import DomainError
from govhall.hall.models import Appointment, AppointmentState
from govhall.hall.queue import calling, services
from govhall.hall.queue.states import Lane
from tests.hall import factories as hf
from tests.hall.factories import at, d
from tests.hall_queue import factories as f
from tests.org import factories as org

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    w = hf.world()
    business = f.business(site=w.window.site, prefix="K", name="预约业务", items=[w.item])
    services.window_business_set(window=w.window, business=business, priority=1, actor=None)
    booked = w.book(at(11, 19, 10), d(11, 23), 9)
    return w, business, booked


def test_on_time_check_in_gets_the_appointment_lane(setup):
    w, business, booked = setup
    with time_machine.travel(at(11, 23, 9, 5), tick=False):
        ticket = services.ticket_check_in(site=w.window.site, code=booked.code)
    assert (ticket.business_id, ticket.lane, ticket.appointment_ref) == (
        business.pk,
        Lane.APPOINTMENT,
        booked.pk,
    )
    assert ticket.holder_name == booked.applicant_name and ticket.mobile_cipher
    assert Appointment.objects.get(pk=booked.pk).state == AppointmentState.CHECKED_IN


def test_late_check_in_queues_as_usual(setup):
    w, _business, booked = setup
    with time_machine.travel(at(11, 23, 9, 40), tick=False):
        ticket = services.ticket_check_in(site=w.window.site, id_number=hf.id_number_of(w.applicant))
    assert ticket.lane == Lane.ORDINARY


def test_unknown_code_or_other_hall_changes_nothing(setup):
    w, _business, booked = setup
    other_site = org.township()  # another hall than the appointment's
    before = f.counts()
    with time_machine.travel(at(11, 23, 9, 5), tick=False):
        for kwargs in ({"code": "99999999"}, {"code": ""}, {"code": booked.code, "site": other_site}):
            with pytest.raises(DomainError) as refused:
                services.ticket_check_in(**({"site": w.window.site} | kwargs))
            assert refused.value.code in ("queue.appointment_not_found", "queue.invalid")
    assert f.counts() == before
    assert Appointment.objects.get(pk=booked.pk).state == AppointmentState.BOOKED


def test_a_duplicate_ticket_rolls_the_check_in_back(setup):
    w, business, booked = setup
    with time_machine.travel(at(11, 23, 9, 5), tick=False):
        services.ticket_issue(business=business, id_number=hf.id_number_of(w.applicant))
        with pytest.raises(DomainError) as refused:
            services.ticket_check_in(site=w.window.site, code=booked.code)
    assert refused.value.code == "queue.duplicate_ticket"
    assert Appointment.objects.get(pk=booked.pk).state == AppointmentState.BOOKED


def test_checked_in_appointment_is_called_before_earlier_tickets(setup, client):
    w, business, booked = setup
    clerk = f.clerk_at(w.window)
    with time_machine.travel(at(11, 23, 9, 5), tick=False):
        early = f.ticket(business)
        answer = client.post(
            reverse("hall_queue:kiosk_check_in") + f"?site={w.window.site.code}", {"code": booked.code}
        )
        assert answer.status_code == 200 and "K002" in answer.content.decode()
        f.open_window(w.window, clerk)
        first = calling.ticket_call_next(window=w.window, actor=clerk)
    assert first.number == "K002" and early.number == "K001"
