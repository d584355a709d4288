"""The slot schedule: templates, slots for the bookable working days, closures with SMS."""

import datetime as dt

import pytest
import time_machine

from govhall.core.errors import DomainError
from govhall.core.models import AuditEvent
from govhall.hall.models import AppointmentState, DayClosure, Slot, SlotTemplate
from govhall.hall.schedule import (
    Period,
    bookable_days,
    day_close,
    day_reopen,
    parse_periods,
    slot_template_set,
)
from govhall.hall.selectors import free_slots, slot_days
from govhall.hall.sweep import sweep_run
from tests.hall import factories as hf
from tests.hall.factories import at, d


def test_bookable_days_are_the_next_five_working_days(db):
    assert bookable_days(d(11, 19)) == [d(11, 20), d(11, 23), d(11, 24), d(11, 25), d(11, 26)]
    assert bookable_days(d(9, 29)) == [d(9, 30), d(10, 8), d(10, 9), d(10, 10), d(10, 12)]


def test_the_sweep_makes_slots_for_the_bookable_days_only(w):
    Slot.objects.all().delete()
    with time_machine.travel(at(11, 19, 10), tick=False):
        report = sweep_run()
    days = sorted(set(Slot.objects.filter(window=w.window).values_list("day", flat=True)))
    assert days == [d(11, 20), d(11, 23), d(11, 24), d(11, 25), d(11, 26)]
    assert report.slots.created == 5 * 3
    with time_machine.travel(at(11, 19, 10, 5), tick=False):
        assert sweep_run().slots.created == 0  # idempotent


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("9点到10点 4", "格式"),
        ("10:00-09:00 4", "晚于"),
        ("09:00-10:00 0", "人数"),
        ("25:00-26:00 3", "时间无效"),
        ("09:00-10:30 4\n10:00-11:00 4", "重叠"),
    ],
)
def test_bad_periods_are_refused_with_the_line(text, message):
    with pytest.raises(DomainError) as info:
        parse_periods(text)
    assert info.value.code == "hall.bad_period" and message in info.value.message


def test_parse_periods_reads_lines():
    assert parse_periods("09:00-10:00 4\n\n 13:30 - 14:30 2 ") == [
        Period(dt.time(9), dt.time(10), 4), Period(dt.time(13, 30), dt.time(14, 30), 2)
    ]  # fmt: skip


def test_only_a_manager_edits_the_template(w):
    clerk = hf.org.staff(role="clerk").user
    before = hf.counts()
    with pytest.raises(DomainError) as info:
        slot_template_set(window=w.window, periods=[Period(dt.time(9), dt.time(10), 9)], actor=clerk)
    assert info.value.http_status == 403 and hf.counts() == before


def test_a_template_change_keeps_booked_places(w):
    w.book(at(11, 19, 10), d(11, 23), 9, user=hf.person("甲"))
    w.book(at(11, 19, 10), d(11, 23), 9, user=hf.person("乙"))
    with time_machine.travel(at(11, 19, 11), tick=False):
        slot_template_set(window=w.window, periods=[Period(dt.time(9), dt.time(10), 1)], actor=w.manager)
    nine = Slot.objects.get(window=w.window, day=d(11, 23), start=dt.time(9))
    assert (nine.capacity, nine.booked, nine.closed) == (2, 2, False)  # never below the places taken
    ten = Slot.objects.get(window=w.window, day=d(11, 23), start=dt.time(10))
    assert ten.closed  # the period was removed
    assert SlotTemplate.objects.filter(window=w.window).count() == 1
    assert AuditEvent.objects.filter(action="hall.template_set").count() == 2


def test_closing_a_day_cancels_its_appointments_and_tells_each_applicant_once(w):
    first = w.book(at(11, 19, 10), d(11, 23), 9)
    other = w.book(at(11, 19, 10), d(11, 23), 10, user=hf.person("李四"))
    with time_machine.travel(at(11, 19, 12), tick=False):
        day_close(day=d(11, 23), reason="系统升级", actor=w.manager)
    for appointment in (first, other):
        appointment.refresh_from_db()
        assert appointment.state == AppointmentState.CANCELLED and "系统升级" in appointment.cancel_reason
        assert sum("停止办理预约" in t for t in hf.sms_texts(appointment)) == 1
    assert not Slot.objects.filter(window=w.window, day=d(11, 23), closed=False).exists()
    with time_machine.travel(at(11, 19, 12), tick=False):
        assert free_slots(window=w.window, day=d(11, 23)) == []
        assert d(11, 23) not in dict(slot_days(window=w.window))
        sweep_run()  # the sweep keeps the closed day closed
    assert not Slot.objects.filter(window=w.window, day=d(11, 23), closed=False).exists()


def test_closing_twice_and_bad_closures_change_nothing(w):
    with time_machine.travel(at(11, 19, 12), tick=False):
        day_close(day=d(11, 23), reason="系统升级", actor=w.manager)
        for kwargs, code in (
            ({"day": d(11, 23), "reason": "again"}, "hall.already_closed"),
            ({"day": d(11, 24), "reason": ""}, "hall.reason"),
            ({"day": d(11, 18), "reason": "过去"}, "hall.past_day"),
        ):
            before = hf.counts()
            with pytest.raises(DomainError) as info:
                day_close(actor=w.manager, **kwargs)
            assert info.value.code == code and hf.counts() == before


def test_reopening_a_day_opens_its_slots_again(w):
    w.slots(d(11, 23))
    with time_machine.travel(at(11, 19, 12), tick=False):
        closure = day_close(day=d(11, 23), window=w.window, reason="窗口培训", actor=w.manager)
        day_reopen(closure=closure, actor=w.manager)
        assert len(free_slots(window=w.window, day=d(11, 23))) == 3
    assert not DayClosure.objects.exists()


@pytest.fixture
def calendar_restored():
    from govhall.core import workdays

    yield
    workdays.invalidate()  # the test's calendar change rolls back; the process cache must follow


def test_a_day_made_a_holiday_later_closes_and_cancels_with_an_sms(w, calendar_restored):
    from govhall.core.calendar import calendar_set_day

    appointment = w.book(at(11, 19, 10), d(11, 23), 9)
    kept = w.book(at(11, 19, 10), d(11, 24), 9, user=hf.person("李四"))
    calendar_set_day(day=d(11, 23), is_workday=False, note="临时调整", actor=w.manager)
    with time_machine.travel(at(11, 20, 10), tick=False):
        report = sweep_run()
    assert report.slots.cancelled == 1
    appointment.refresh_from_db()
    assert appointment.state == AppointmentState.CANCELLED and "不办公" in appointment.cancel_reason
    assert sum("停止办理预约" in t for t in hf.sms_texts(appointment)) == 1
    assert not Slot.objects.filter(day=d(11, 23), closed=False).exists()
    kept.refresh_from_db()
    assert kept.state == AppointmentState.BOOKED
    with time_machine.travel(at(11, 20, 10, 5), tick=False):
        assert sweep_run().slots.cancelled == 0  # once
    assert len(hf.sms_texts(appointment)) == 2  # the confirmation and the cancellation


def test_a_window_stopped_cancels_its_future_bookings(w):
    from govhall.org.models import Window

    appointment = w.book(at(11, 19, 10), d(11, 23), 9)
    Window.objects.filter(pk=w.window.pk).update(active=False)  # the org service's effect
    with time_machine.travel(at(11, 20, 10), tick=False):
        sweep_run()
    appointment.refresh_from_db()
    assert appointment.state == AppointmentState.CANCELLED and "暂停服务" in appointment.cancel_reason
