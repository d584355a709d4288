"""The sweep: no-shows after the slot, a block after N no-shows in the window, one reminder SMS the
day before; every phase idempotent (a second sweep changes nothing and sends nothing)."""

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command

from govhall.core.models import AuditEvent, OutboxMessage
from govhall.hall.models import Appointment, AppointmentState, BookingBlock
from govhall.hall.services import appointment_book, appointment_check_in, booking_block_lift
from govhall.hall.sweep import sweep_run
from tests.hall import factories as hf
from tests.hall.factories import at, d


def sweep_at(when):
    with time_machine.travel(when, tick=False):
        return sweep_run()


def state(appointment) -> str:
    return Appointment.objects.get(pk=appointment.pk).state


def test_an_unattended_appointment_becomes_a_no_show_after_its_slot(w):
    appointment = w.book(at(11, 19, 10), d(11, 23), 9)
    assert sweep_at(at(11, 23, 9, 59)).no_shows == 0
    assert state(appointment) == AppointmentState.BOOKED
    report = sweep_at(at(11, 23, 10, 0))
    assert report.no_shows == 1 and state(appointment) == AppointmentState.NO_SHOW
    assert sweep_at(at(11, 23, 10, 5)).no_shows == 0  # idempotent
    assert (
        AuditEvent.objects.filter(action="hall.appointment_no_show", object_id=str(appointment.pk)).count()
        == 1
    )


def test_a_checked_in_appointment_is_not_a_no_show(w):
    appointment = w.book(at(11, 19, 10), d(11, 23), 9)
    with time_machine.travel(at(11, 23, 8, 50), tick=False):
        appointment_check_in(appointment=appointment)
    assert sweep_at(at(11, 23, 12)).no_shows == 0
    assert state(appointment) == AppointmentState.CHECKED_IN


@pytest.fixture
def three_no_shows(w):
    """Three no-shows on Mon 23, Tue 24 and Wed 25 Nov (the limit: 3 in 90 days)."""
    rows = []
    for day, booked in (
        (d(11, 23), at(11, 19, 10)),
        (d(11, 24), at(11, 19, 10)),
        (d(11, 25), at(11, 24, 12)),
    ):
        rows.append(w.book(booked, day, 9))
        sweep_at(at(day.month, day.day, 12))
    return rows


def test_three_no_shows_block_booking_for_30_days(w, three_no_shows):
    block = BookingBlock.objects.get(applicant=w.applicant)
    assert block.no_shows == 3 and block.trigger_id == three_no_shows[-1].pk
    assert block.until == at(11, 25, 12) + dt.timedelta(days=30)
    texts = hf.sms_texts(three_no_shows[-1])
    assert sum("暂停网上预约" in t for t in texts) == 1
    slot = w.slot(d(11, 27), 10)
    before = hf.counts()
    with time_machine.travel(at(11, 26, 9), tick=False), pytest.raises(Exception) as info:
        appointment_book(slot=slot, item=w.item, actor=w.applicant)
    assert info.value.code == "hall.blocked" and "2026-12-25" in info.value.message
    assert hf.counts() == before
    sweep_at(at(11, 26, 9))
    assert BookingBlock.objects.count() == 1  # a later sweep blocks nobody twice


def test_the_block_ends_after_its_period_and_counting_starts_afresh(w, three_no_shows):
    assert w.book(at(12, 25, 12, 1), d(12, 28), 9).state == AppointmentState.BOOKED
    sweep_at(at(12, 28, 12))  # a fourth no-show: only one since the block, no new block
    assert BookingBlock.objects.count() == 1


def test_two_no_shows_do_not_block(w):
    for day in (d(11, 23), d(11, 24)):
        w.book(at(11, 19, 10), day, 9)
        sweep_at(at(day.month, day.day, 12))
    assert not BookingBlock.objects.exists()
    assert w.book(at(11, 24, 13), d(11, 25), 10).state == AppointmentState.BOOKED


def test_no_shows_older_than_the_window_do_not_count(w, settings):
    settings.GOVHALL_HALL_NO_SHOW_WINDOW_DAYS = 1
    for day in (d(11, 23), d(11, 24), d(11, 25)):
        w.book(at(day.month, day.day - 1, 8), day, 9)
        sweep_at(at(day.month, day.day, 12))
    assert not BookingBlock.objects.exists()


def test_a_manager_lifts_a_block(w, three_no_shows):
    block = BookingBlock.objects.get()
    with time_machine.travel(at(11, 26, 9), tick=False):
        booking_block_lift(block=block, reason="因病未到，已核实", actor=w.manager)
    assert w.book(at(11, 26, 9, 30), d(11, 27), 10).state == AppointmentState.BOOKED


# --- reminders --------------------------------------------------------------------------------------


def reminders(appointment) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(dedupe_key=f"hall:appointment:{appointment.pk}:reminder"))


def test_one_reminder_the_day_before_from_16_00(w):
    appointment = w.book(at(11, 19, 10), d(11, 23), 9)  # Monday: reminded on Sunday
    assert sweep_at(at(11, 22, 15, 59)).reminders == 0
    assert sweep_at(at(11, 22, 16, 0)).reminders == 1
    assert sweep_at(at(11, 22, 16, 5)).reminders == 0
    assert sweep_at(at(11, 23, 8)).reminders == 0
    rows = reminders(appointment)
    assert (
        len(rows) == 1 and "提醒" in rows[0].payload["text"] and appointment.code in rows[0].payload["text"]
    )


def test_booked_after_the_reminder_hour_gets_only_the_confirmation(w):
    appointment = w.book(at(11, 22, 17), d(11, 23), 9)
    assert sweep_at(at(11, 22, 18)).reminders == 0
    assert len(hf.sms_texts(appointment)) == 1


def test_cancelled_appointments_are_not_reminded(w):
    from govhall.hall.services import appointment_cancel

    appointment = w.book(at(11, 19, 10), d(11, 23), 9)
    with time_machine.travel(at(11, 20, 10), tick=False):
        appointment_cancel(appointment=appointment, actor=w.applicant)
    assert sweep_at(at(11, 22, 17)).reminders == 0


def test_no_mobile_no_sms_but_still_reminded_once(w):
    quiet = hf.person("李四", mobile=False)
    appointment = w.book(at(11, 19, 10), d(11, 23), 9, user=quiet)
    assert hf.sms_texts(appointment) == []
    sweep_at(at(11, 22, 17))
    assert Appointment.objects.get(pk=appointment.pk).reminded_at is not None
    assert hf.sms_texts(appointment) == []


def test_sms_are_delivered_exactly_once(w, settings, tmp_path):
    from govhall.core.notify import FileSmsBackend
    from govhall.core.outbox import deliver_pending

    settings.GOVHALL_SMS_OUTBOX_FILE = tmp_path / "sms.log"
    w.book(at(11, 19, 10), d(11, 23), 9)
    sweep_at(at(11, 22, 16))
    sweep_at(at(11, 22, 17))
    deliver_pending()
    deliver_pending()
    lines = FileSmsBackend().lines()
    assert len(lines) == 2  # the confirmation and the reminder
    assert len({line["id"] for line in lines}) == 2


def test_the_command_prints_what_it_did(w, capsys):
    w.book(at(11, 19, 10), d(11, 23), 9)
    with time_machine.travel(at(11, 23, 12), tick=False):
        call_command("hall_sweep")
    out = capsys.readouterr().out
    assert "爽约：1" in out and "预约时段" in out
