"""The sweep of stale tickets: earlier days' open tickets closed, set-based, one audit record."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from govhall.core.models import AuditEvent
from govhall.hall.queue import calling
from govhall.hall.queue.errors import WindowBusy
from govhall.hall.queue.models import Ticket, TicketEvent
from govhall.hall.queue.states import TicketState, allowed_actions
from govhall.hall.queue.sweep import tickets_expire
from tests.hall_queue import factories as f

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


def at(day: int, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hh, mm, tzinfo=TZ)


def travel(when):
    return time_machine.travel(when, tick=False)


def _states() -> dict[int, str]:
    return dict(Ticket.objects.values_list("id", "state"))


def test_earlier_days_open_tickets_are_closed_and_today_untouched(biz_a, biz_b, window, clerk):
    with travel(at(10, 9)):
        waiting = f.ticket(biz_a)
        suspended = f.ticket(biz_a)
        transferred = f.ticket(biz_a)
        serving = f.ticket(biz_b)
        done = f.ticket(biz_b)
    rows = Ticket.objects.filter
    rows(pk=suspended.pk).update(state=TicketState.SUSPENDED, window=window)
    rows(pk=transferred.pk).update(state=TicketState.TRANSFERRED)
    rows(pk=serving.pk).update(state=TicketState.SERVING, window=window, rating_pending=False)
    rows(pk=done.pk).update(state=TicketState.DONE, finished_at=at(10, 10))
    with travel(at(11, 8)):
        today = f.ticket(biz_a)
    before_events = TicketEvent.objects.count()
    with travel(at(11, 0, 5)):
        counts = tickets_expire()
    assert counts == {"serving": 1, "suspended": 1, "transferred": 1, "waiting": 1}
    states = _states()
    assert states[waiting.pk] == states[suspended.pk] == states[transferred.pk] == TicketState.NO_SHOW
    assert states[serving.pk] == TicketState.DONE and states[done.pk] == TicketState.DONE
    assert states[today.pk] == TicketState.WAITING
    closed = Ticket.objects.get(pk=serving.pk)
    assert closed.finished_at == at(11, 0, 5) and closed.rating_pending is False
    assert Ticket.objects.get(pk=done.pk).finished_at == at(10, 10)
    assert TicketEvent.objects.count() == before_events + 4
    assert set(TicketEvent.objects.filter(action="expire").values_list("ticket_id", "to_state")) == {
        (waiting.pk, "no_show"),
        (suspended.pk, "no_show"),
        (transferred.pk, "no_show"),
        (serving.pk, "done"),
    }
    events = AuditEvent.objects.filter(action="hall_queue.tickets_expire")
    assert events.count() == 1
    assert events.get().detail["total"] == 4 and events.get().detail["before_day"] == "2026-11-11"


def test_a_second_run_changes_nothing_and_writes_no_audit(biz_a):
    with travel(at(10, 9)):
        f.ticket(biz_a)
    with travel(at(11, 0, 5)):
        assert tickets_expire() == {"waiting": 1}
        before = f.counts()
        events = TicketEvent.objects.count()
        assert tickets_expire() == {}
    assert f.counts() == before and TicketEvent.objects.count() == events


def test_a_window_left_busy_overnight_can_call_again(biz_a, window, clerk, open_desk):
    with travel(at(10, 16)):
        f.ticket(biz_a)
        stuck = calling.ticket_call_next(window=window, actor=clerk)
        calling.ticket_serve(ticket=stuck, actor=clerk)
    with travel(at(11, 9)):
        fresh = f.ticket(biz_a)
        with pytest.raises(WindowBusy):  # yesterday's sitting still holds the window
            calling.ticket_call_next(window=window, actor=clerk)
        tickets_expire()
        assert calling.ticket_call_next(window=window, actor=clerk).pk == fresh.pk


def test_the_command_prints_the_counts(biz_a, capsys):
    with travel(at(9, 9)):
        f.ticket(biz_a)
        f.ticket(biz_a)
    with travel(at(11, 0, 5)):
        call_command("queue_sweep")
        out = capsys.readouterr().out
        assert "waiting: 2" in out and "total: 2" in out
        call_command("queue_sweep")
        assert "total: 0" in capsys.readouterr().out


def test_expire_is_never_offered_to_a_person():
    for state in TicketState.values:
        assert "expire" not in allowed_actions(state)


def test_the_periodic_task_runs_the_same_sweep(biz_a):
    from govhall.hall.queue.tasks import queue_sweep_periodic

    with travel(at(10, 16)):
        ticket = f.ticket(biz_a)
        assert queue_sweep_periodic.call_local() == {}  # today's ticket stays
    with travel(at(11, 0, 5)):
        assert queue_sweep_periodic.call_local() == {"waiting": 1}
    assert Ticket.objects.get(pk=ticket.pk).state == TicketState.NO_SHOW


def test_midnight_is_the_local_date(biz_a):
    """23:50 Beijing time is still the 10th: a ticket of the 10th is not stale until the 11th starts."""
    with travel(at(10, 9)):
        f.ticket(biz_a)
    with travel(at(10, 23, 50)):
        assert tickets_expire() == {}
