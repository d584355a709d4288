"""The queue kiosk's interface: find a booked appointment by code or ID number, check it in."""

import pytest
import time_machine

from govhall.core.errors import DomainError
from govhall.hall.models import AppointmentState
from govhall.hall.selectors import appointment_for_checkin, appointments_of
from govhall.hall.services import appointment_cancel, appointment_check_in
from tests.hall import factories as hf
from tests.hall.factories import at, d


@pytest.fixture
def booked(w):
    return w.book(at(11, 19, 10), d(11, 23), 9)


def test_found_by_code_or_id_number_on_its_day_only(w, booked):
    assert appointment_for_checkin(code=booked.code, on=d(11, 23)) == booked
    assert appointment_for_checkin(code=f" {booked.code} ", on=d(11, 23)) == booked
    assert appointment_for_checkin(id_number=hf.id_number_of(w.applicant), on=d(11, 23)) == booked
    assert appointment_for_checkin(id_number=hf.id_number_of(w.applicant).lower(), on=d(11, 23)) == booked
    assert appointment_for_checkin(code=booked.code, on=d(11, 24)) is None
    assert (
        appointment_for_checkin(code="000000" if booked.code != "000000" else "111111", on=d(11, 23)) is None
    )
    assert appointment_for_checkin(code="abc", on=d(11, 23)) is None
    assert appointment_for_checkin(id_number="123", on=d(11, 23)) is None
    assert appointment_for_checkin(on=d(11, 23)) is None


def test_a_cancelled_appointment_is_not_found(w, booked):
    with time_machine.travel(at(11, 20, 9), tick=False):
        appointment_cancel(appointment=booked, actor=w.applicant)
    assert appointment_for_checkin(code=booked.code, on=d(11, 23)) is None


def test_check_in_on_time_within_15_minutes_of_the_start(w, booked):
    with time_machine.travel(at(11, 23, 9, 15), tick=False):
        done = appointment_check_in(appointment=booked)
    assert done.state == AppointmentState.CHECKED_IN and done.on_time is True
    assert done.checked_in_at == at(11, 23, 9, 15)
    assert appointment_for_checkin(code=booked.code, on=d(11, 23)) is None  # checked in: not again


def test_check_in_late_is_recorded(w, booked):
    with time_machine.travel(at(11, 23, 9, 16), tick=False):
        assert appointment_check_in(appointment=booked).on_time is False


def test_check_in_on_another_day_or_twice_is_refused(w, booked):
    with time_machine.travel(at(11, 22, 9), tick=False), pytest.raises(DomainError) as info:
        appointment_check_in(appointment=booked)
    assert info.value.code == "hall.checkin_wrong_day"
    with time_machine.travel(at(11, 23, 9), tick=False):
        appointment_check_in(appointment=booked)
        with pytest.raises(DomainError) as info:
            appointment_check_in(appointment=booked)
    assert info.value.code == "hall.illegal_transition" and info.value.http_status == 409


def test_another_applicant_cannot_check_someone_in(w, booked):
    with time_machine.travel(at(11, 23, 9), tick=False), pytest.raises(DomainError) as info:
        appointment_check_in(appointment=booked, actor=hf.person("李四"))
    assert info.value.http_status == 403


def test_appointments_of_a_user_are_theirs_only(w, booked):
    other = hf.person("李四")
    assert list(appointments_of(w.applicant)) == [booked]
    assert list(appointments_of(other)) == []
    assert list(appointments_of(None)) == []


def test_the_kiosk_may_check_in_inside_its_own_transaction(w, booked):
    from django.db import transaction

    with time_machine.travel(at(11, 23, 8, 55), tick=False), transaction.atomic():
        done = appointment_check_in(appointment=booked)
    assert done.on_time is True
