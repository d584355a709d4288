"""Every booking rule of RULES.md "Hall" at its boundary; a refused booking changes nothing."""

import datetime as dt

import pytest
import time_machine

from govhall.core.errors import DomainError
from govhall.core.models import AuditEvent
from govhall.hall.models import Appointment, AppointmentState, Slot
from govhall.hall.services import appointment_book, appointment_cancel
from govhall.org.models import Role
from tests.hall import factories as hf
from tests.hall.factories import at, d
from tests.org import factories as org


def refused(code: str, fn, **kwargs):
    before = hf.counts()
    with pytest.raises(DomainError) as info:
        fn(**kwargs)
    assert info.value.code == code, info.value.message
    assert hf.counts() == before  # bad input changes nothing
    return info.value


def book_at(w, when, day, hour=9, **kwargs):
    slot = w.slot(day, hour)
    with time_machine.travel(when, tick=False):
        return appointment_book(
            slot=slot, item=kwargs.get("item", w.item), actor=kwargs.get("user", w.applicant)
        )


def refused_at(w, code, when, day, hour=9, **kwargs):
    slot = w.slot(day, hour)
    with time_machine.travel(when, tick=False):
        return refused(code, appointment_book, slot=slot, item=kwargs.get("item", w.item),
                       actor=kwargs.get("user", w.applicant))  # fmt: skip


# --- ≥ 1 day ahead: not the same day -------------------------------------------------------------


def test_friday_for_monday_is_at_least_one_day_ahead(w):
    appointment = book_at(w, at(11, 20, 16), d(11, 23))
    assert appointment.state == AppointmentState.BOOKED
    assert appointment.day == d(11, 23) and len(appointment.code) == 6 and appointment.code.isdigit()


def test_the_same_day_is_too_soon_even_early_in_the_morning(w):
    error = refused_at(w, "hall.too_soon", at(11, 20, 0, 1), d(11, 20), hour=14)
    assert "提前1天" in error.message


def test_the_evening_before_is_allowed(w):
    assert book_at(w, at(11, 19, 23, 59), d(11, 20)).day == d(11, 20)


# --- ≤ 5 working days ahead -----------------------------------------------------------------------


def test_five_working_days_across_a_weekend(w):
    # Thursday 19 Nov: Fri 20, Mon 23, Tue 24, Wed 25, Thu 26 are the five; Fri 27 is the sixth.
    assert book_at(w, at(11, 19, 10), d(11, 26)).day == d(11, 26)
    other = hf.person("李四")
    error = refused_at(w, "hall.too_far", at(11, 19, 10), d(11, 27), user=other)
    assert "2026-11-26" in error.message


def test_five_working_days_across_the_national_day_holiday(w):
    # Tue 29 Sep: Wed 30, (1–7 Oct holiday), Thu 8, Fri 9, Sat 10 (adjusted working day), Mon 12.
    assert book_at(w, at(9, 29, 10), d(10, 12)).day == d(10, 12)
    assert book_at(w, at(9, 29, 10), d(10, 10), user=hf.person("王五")).day == d(10, 10)
    refused_at(w, "hall.too_far", at(9, 29, 10), d(10, 13), user=hf.person("赵六"))


def test_no_slots_on_a_holiday_or_a_weekend(w):
    w.slots(d(10, 1), d(10, 2), d(11, 21), d(11, 22), d(11, 23))
    days = set(Slot.objects.filter(window=w.window, day__in=[d(10, 1), d(10, 2), d(11, 21), d(11, 22), d(11, 23)])
               .values_list("day", flat=True))  # fmt: skip
    assert days == {d(11, 23)}


# --- one a day, capacity, real name ----------------------------------------------------------------


def test_one_appointment_per_day_per_person(w):
    book_at(w, at(11, 19, 10), d(11, 23), 9)
    error = refused_at(w, "hall.one_per_day", at(11, 19, 10), d(11, 23), 10)
    assert "每人每天只能预约一次" in error.message
    assert book_at(w, at(11, 19, 10), d(11, 24), 10).day == d(11, 24)  # another day is fine


def test_a_cancelled_appointment_frees_the_day_and_the_place(w):
    first = book_at(w, at(11, 19, 10), d(11, 23), 14)  # capacity 1
    with time_machine.travel(at(11, 19, 11), tick=False):
        appointment_cancel(appointment=first, actor=w.applicant)
    assert Slot.objects.get(pk=first.slot_id).booked == 0
    again = book_at(w, at(11, 19, 12), d(11, 23), 14)
    assert again.pk != first.pk and Slot.objects.get(pk=first.slot_id).booked == 1


def test_a_full_slot_refuses_with_409(w):
    book_at(w, at(11, 19, 10), d(11, 23), 14)  # the only place
    error = refused_at(w, "hall.full", at(11, 19, 10), d(11, 23), 14, user=hf.person("李四"))
    assert error.http_status == 409 and "约满" in error.message


def test_capacity_is_the_limit(w):
    for name in ("甲", "乙"):
        book_at(w, at(11, 19, 10), d(11, 23), 9, user=hf.person(f"张{name}"))
    refused_at(w, "hall.full", at(11, 19, 10), d(11, 23), 9, user=hf.person("张丙"))
    assert Slot.objects.get(window=w.window, day=d(11, 23), start=dt.time(9)).booked == 2


def test_real_name_is_required(w, db):
    anonymous = org.applicant("noid")  # a person account without an ID number
    refused_at(w, "hall.not_real_name", at(11, 19, 10), d(11, 23), user=anonymous)


def test_staff_accounts_cannot_book(w):
    refused_at(w, "hall.forbidden", at(11, 19, 10), d(11, 23), user=w.manager)
    clerk = org.staff(role=Role.CLERK).user
    refused_at(w, "hall.forbidden", at(11, 19, 10), d(11, 23), user=clerk)


def test_an_item_the_window_does_not_serve(w):
    other = hf.cat.make_item(with_parts=False, code="11510100MB0000001X-099", name="另一个事项")
    refused_at(w, "hall.window_mismatch", at(11, 19, 10), d(11, 23), item=other)


def test_an_item_without_appointments(w):
    w.item.appointment = False
    w.item.save(update_fields=["appointment"])
    refused_at(w, "hall.item_not_bookable", at(11, 19, 10), d(11, 23))


# --- cancelling ≥ 2 hours ahead ------------------------------------------------------------------------


def test_cancel_at_2h01_before_the_slot(w):
    appointment = book_at(w, at(11, 19, 10), d(11, 23), 9)
    with time_machine.travel(at(11, 23, 6, 59), tick=False):
        cancelled = appointment_cancel(appointment=appointment, actor=w.applicant, reason="临时有事")
    assert cancelled.state == AppointmentState.CANCELLED and cancelled.cancel_reason == "临时有事"
    assert (
        AuditEvent.objects.filter(action="hall.appointment_cancel", object_id=str(appointment.pk)).count()
        == 1
    )
    assert any("已取消" in text for text in hf.sms_texts(appointment))


def test_cancel_at_exactly_2h_before_is_allowed(w):
    appointment = book_at(w, at(11, 19, 10), d(11, 23), 9)
    with time_machine.travel(at(11, 23, 7, 0), tick=False):
        assert (
            appointment_cancel(appointment=appointment, actor=w.applicant).state == AppointmentState.CANCELLED
        )


def test_cancel_at_1h59_before_is_too_late(w):
    appointment = book_at(w, at(11, 19, 10), d(11, 23), 9)
    with time_machine.travel(at(11, 23, 7, 1), tick=False):
        error = refused(
            "hall.cancel_too_late", appointment_cancel, appointment=appointment, actor=w.applicant
        )
    assert "2小时" in error.message
    assert Appointment.objects.get(pk=appointment.pk).state == AppointmentState.BOOKED


def test_only_the_applicant_may_cancel(w):
    appointment = book_at(w, at(11, 19, 10), d(11, 23), 9)
    with time_machine.travel(at(11, 20, 9), tick=False):
        refused("hall.forbidden", appointment_cancel, appointment=appointment, actor=hf.person("李四"))


def test_cancelling_twice_is_an_illegal_transition(w):
    appointment = book_at(w, at(11, 19, 10), d(11, 23), 9)
    with time_machine.travel(at(11, 20, 9), tick=False):
        appointment_cancel(appointment=appointment, actor=w.applicant)
        error = refused(
            "hall.illegal_transition", appointment_cancel, appointment=appointment, actor=w.applicant
        )
    assert error.http_status == 409 and "已取消" in error.message


# --- audit and SMS of a booking ----------------------------------------------------------------------


def test_a_booking_is_audited_and_confirmed_by_one_sms(w):
    appointment = book_at(w, at(11, 19, 10), d(11, 23), 10)
    event = AuditEvent.objects.get(action="hall.appointment_book", object_id=str(appointment.pk))
    assert event.actor_id == w.applicant.pk and event.detail["applicant"] == "张*"
    texts = hf.sms_texts(appointment)
    assert len(texts) == 1
    assert appointment.code in texts[0] and "2026-11-23 10:00-11:00" in texts[0]
    assert appointment.remind_at == at(11, 22, 16)


def test_an_enterprise_operator_books_under_the_credit_code(w):
    from django.contrib.auth import get_user_model

    operator = get_user_model().objects.create_user(
        username="qiye", password=org.PASSWORD, kind="enterprise", real_name="王芳",
        org_credit_code="91510100MA6QL2A0X1", org_name="七里市青禾食品有限公司",
    )  # fmt: skip
    appointment = book_at(w, at(11, 19, 10), d(11, 23), user=operator)
    assert appointment.org_credit_code == "91510100MA6QL2A0X1" and appointment.id_number_digest == ""
    nameless = get_user_model().objects.create_user(
        username="qiye2", password=org.PASSWORD, kind="enterprise"
    )
    refused_at(w, "hall.not_real_name", at(11, 19, 10), d(11, 23), user=nameless)
