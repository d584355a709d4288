"""Calling at a window: the order rules, the window's preconditions, every move and bad input."""

import pytest

from govhall.cases.services import case_submit
from govhall.core.errors import DomainError
from govhall.core.models import AuditEvent, OutboxMessage
from govhall.hall.queue import calling, services
from govhall.hall.queue.models import Ticket, TicketCase
from govhall.hall.queue.selectors import tickets_served
from govhall.hall.queue.states import Lane, TicketState
from tests.cases import factories as cases_f
from tests.hall_queue import factories as f

pytestmark = pytest.mark.django_db


def call(window, clerk):
    ticket = calling.ticket_call_next(window=window, actor=clerk)
    if ticket is not None:
        calling.ticket_no_show(ticket=ticket, actor=clerk)
    return ticket


def called_numbers(window, clerk, n):
    return [call(window, clerk).number for _ in range(n)]


# --- order -------------------------------------------------------------------------------------


def test_order_green_then_appointment_then_elderly_then_fifo(biz_a, window, clerk, open_desk):
    ordinary = f.ticket(biz_a)  # A001, first in time
    elderly = f.ticket(biz_a, birth="19500101")  # A002
    appointment = f.appointment_ticket(biz_a)  # A003
    green = f.ticket(biz_a, green=True, actor=clerk)  # A004
    late = f.appointment_ticket(biz_a, on_time=False)  # A005: a late appointment queues as usual
    assert [appointment.lane, late.lane] == [Lane.APPOINTMENT, Lane.ORDINARY]
    expected = [green, appointment, elderly, ordinary, late]
    assert called_numbers(window, clerk, 5) == [t.number for t in expected]
    assert calling.ticket_call_next(window=window, actor=clerk) is None


def test_ordinary_tickets_by_the_windows_business_priority_then_fifo(biz_a, biz_b, window, clerk, open_desk):
    b1, a1, b2, a2 = f.ticket(biz_b), f.ticket(biz_a), f.ticket(biz_b), f.ticket(biz_a)
    assert called_numbers(window, clerk, 4) == [a1.number, a2.number, b1.number, b2.number]


def test_another_window_with_other_priorities(biz_a, biz_b):
    win = f.window(serves={biz_a: 2, biz_b: 1})
    clerk = f.clerk_at(win)
    f.open_window(win, clerk)
    a1, b1 = f.ticket(biz_a), f.ticket(biz_b)
    assert called_numbers(win, clerk, 2) == [b1.number, a1.number]


def test_special_lanes_are_fifo_across_businesses(biz_a, biz_b, window, clerk, open_desk):
    old_b = f.ticket(biz_b, birth="19400101")
    old_a = f.ticket(biz_a, birth="19400101")
    assert called_numbers(window, clerk, 2) == [old_b.number, old_a.number]


def test_a_window_calls_only_its_businesses(biz_a, biz_b):
    other = f.business(prefix="C")
    win = f.window(serves={biz_a: 1})
    clerk = f.clerk_at(win)
    f.open_window(win, clerk)
    f.ticket(other), f.ticket(biz_b)
    assert calling.ticket_call_next(window=win, actor=clerk) is None


# --- preconditions -------------------------------------------------------------------------------


def test_calling_at_a_closed_window_is_refused_and_changes_nothing(biz_a, window, clerk):
    f.ticket(biz_a)
    before = f.counts()
    with pytest.raises(DomainError) as refused:
        calling.ticket_call_next(window=window, actor=clerk)
    assert refused.value.code == "queue.window_closed" and refused.value.http_status == 409
    f.open_window(window, clerk)
    services.window_close(window=window, actor=clerk)
    before = f.counts()
    with pytest.raises(DomainError):
        calling.ticket_call_next(window=window, actor=clerk)
    assert f.counts() == before


def test_only_staff_assigned_to_the_window_may_call(biz_a, window, open_desk):
    f.ticket(biz_a)
    other_window = f.window(serves={biz_a: 1})
    stranger = f.clerk_at(other_window)
    before = f.counts()
    for actor in (stranger, None):
        with pytest.raises(DomainError) as refused:
            calling.ticket_call_next(window=window, actor=actor)
        assert refused.value.code == "queue.not_assigned" and refused.value.http_status == 403
        with pytest.raises(DomainError):
            services.window_open(window=window, actor=actor)
    assert f.counts() == before


def test_a_window_calls_one_person_at_a_time(biz_a, window, clerk, open_desk):
    first, _second = f.ticket(biz_a), f.ticket(biz_a)
    assert calling.ticket_call_next(window=window, actor=clerk).pk == first.pk
    before = f.counts()
    with pytest.raises(DomainError) as refused:
        calling.ticket_call_next(window=window, actor=clerk)
    assert refused.value.code == "queue.window_busy"
    with pytest.raises(DomainError):
        services.window_close(window=window, actor=clerk)
    assert f.counts() == before


# --- moves ---------------------------------------------------------------------------------------


def test_call_serve_finish_links_the_cases_of_the_sitting(biz_a, window, clerk, open_desk):
    id_number = f.ric("19800101", seq=5)
    ticket = services.ticket_issue(business=biz_a, id_number=id_number, name="张三")
    ticket = calling.ticket_call_next(window=window, actor=clerk)
    assert (ticket.state, ticket.window_id, ticket.staff.user_id) == (TicketState.CALLED, window.pk, clerk.pk)
    calling.ticket_serve(ticket=ticket, actor=clerk)
    item = cases_f.item()
    mine = case_submit(**cases_f.submit_kwargs(item, clerk, applicant_id_number=id_number))
    firm = case_submit(
        **cases_f.submit_kwargs(item, clerk, applicant_id_number=f.ric(), applicant_name="某公司")
    )
    done = calling.ticket_finish(ticket=ticket, actor=clerk, case_numbers=[firm.number.lower()])
    assert done.state == TicketState.DONE and done.rating_pending
    links = dict(TicketCase.objects.filter(ticket=done).values_list("case__number", "source"))
    assert links == {mine.number: "matched", firm.number: "typed"}
    event = AuditEvent.objects.filter(action="hall_queue.finish").get()
    assert sorted(event.detail["cases"]) == sorted([mine.number, firm.number])


def test_finish_with_an_unknown_case_number_changes_nothing(biz_a, window, clerk, open_desk):
    f.ticket(biz_a)
    ticket = calling.ticket_call_next(window=window, actor=clerk)
    calling.ticket_serve(ticket=ticket, actor=clerk)
    before = f.counts()
    with pytest.raises(DomainError) as refused:
        calling.ticket_finish(ticket=ticket, actor=clerk, case_numbers=["QL2099010100001"])
    assert refused.value.code == "queue.invalid" and refused.value.field == "case_numbers"
    assert f.counts() == before


def test_illegal_moves_name_the_state(biz_a, window, clerk, open_desk):
    f.ticket(biz_a)
    ticket = calling.ticket_call_next(window=window, actor=clerk)
    before = f.counts()
    with pytest.raises(DomainError) as refused:
        calling.ticket_finish(ticket=ticket, actor=clerk)
    assert refused.value.code == "queue.illegal_transition"
    assert refused.value.extra["state"] == "called" and "serve" in refused.value.extra["allowed"]
    with pytest.raises(DomainError):
        calling.ticket_suspend(ticket=ticket, actor=clerk)
    assert f.counts() == before


def test_ticket_moves_are_for_the_windows_staff_only(biz_a, window, clerk, open_desk):
    f.ticket(biz_a)
    ticket = calling.ticket_call_next(window=window, actor=clerk)
    stranger = f.clerk_at(f.window(serves={biz_a: 1}))
    before = f.counts()
    for move in (calling.ticket_serve, calling.ticket_no_show, calling.ticket_recall):
        with pytest.raises(DomainError) as refused:
            move(ticket=ticket, actor=stranger)
        assert refused.value.http_status == 403
    with pytest.raises(DomainError) as missing:
        calling.ticket_serve(ticket=987654, actor=clerk)
    assert missing.value.code == "queue.ticket_not_found"
    assert f.counts() == before


def test_recall_repeats_the_call(biz_a, window, clerk, open_desk):
    f.ticket(biz_a)
    ticket = calling.ticket_call_next(window=window, actor=clerk)
    again = calling.ticket_recall(ticket=ticket, actor=clerk)
    assert again.state == TicketState.CALLED and again.recall_count == 1
    assert again.called_at > ticket.called_at


def test_no_show_frees_the_window(biz_a, window, clerk, open_desk):
    first, second = f.ticket(biz_a), f.ticket(biz_a)
    ticket = calling.ticket_call_next(window=window, actor=clerk)
    assert calling.ticket_no_show(ticket=ticket, actor=clerk).state == TicketState.NO_SHOW
    assert calling.ticket_call_next(window=window, actor=clerk).pk == second.pk
    assert Ticket.objects.get(pk=first.pk).finished_at is not None


def test_transfer_to_another_business_queues_there_keeping_its_lane(biz_a, biz_b):
    win_a = f.window(serves={biz_a: 1})
    win_b = f.window(serves={biz_b: 1})
    clerk_a, clerk_b = f.clerk_at(win_a), f.clerk_at(win_b)
    f.open_window(win_a, clerk_a), f.open_window(win_b, clerk_b)
    old = f.ticket(biz_a, birth="19400101")
    b_waiting = f.ticket(biz_b)  # ordinary, issued later than the transferred elderly ticket
    ticket = calling.ticket_call_next(window=win_a, actor=clerk_a)
    moved = calling.ticket_transfer(ticket=ticket, actor=clerk_a, to_business=biz_b)
    assert (moved.state, moved.business_id, moved.number) == (TicketState.TRANSFERRED, biz_b.pk, old.number)
    assert calling.ticket_call_next(window=win_a, actor=clerk_a) is None
    assert calling.ticket_call_next(window=win_b, actor=clerk_b).pk == old.pk
    assert b_waiting.state == TicketState.WAITING


def test_transfer_to_a_window_is_called_only_there_and_first(biz_a):
    win_1, win_2, win_3 = (f.window(serves={biz_a: 1}) for _ in range(3))
    clerks = [f.clerk_at(w) for w in (win_1, win_2, win_3)]
    for w, c in zip((win_1, win_2, win_3), clerks, strict=True):
        f.open_window(w, c)
    first, second, third = f.ticket(biz_a), f.ticket(biz_a), f.ticket(biz_a)
    ticket = calling.ticket_call_next(window=win_1, actor=clerks[0])
    calling.ticket_transfer(ticket=ticket, actor=clerks[0], to_window=win_3)
    assert calling.ticket_call_next(window=win_2, actor=clerks[1]).pk == second.pk
    assert calling.ticket_call_next(window=win_3, actor=clerks[2]).pk == first.pk
    assert Ticket.objects.get(pk=third.pk).state == TicketState.WAITING


def test_bad_transfers_change_nothing(biz_a, biz_b, window, clerk, open_desk):
    id_number = f.ric(seq=9)
    services.ticket_issue(business=biz_a, id_number=id_number)
    services.ticket_issue(business=biz_b, id_number=id_number)
    ticket = calling.ticket_call_next(window=window, actor=clerk)
    before = f.counts()
    cases = [
        ({}, "queue.invalid"),
        ({"to_window": window}, "queue.invalid"),
        ({"to_business": 999999}, "queue.business_not_found"),
        ({"to_business": biz_a, "to_window": window}, "queue.invalid"),
        ({"to_business": biz_b}, "queue.duplicate_ticket"),  # the holder already queues there
    ]
    for kwargs, code in cases:
        with pytest.raises(DomainError) as refused:
            calling.ticket_transfer(ticket=ticket, actor=clerk, **kwargs)
        assert refused.value.code == code, kwargs
    assert f.counts() == before


def test_suspend_lets_the_window_call_on_and_resume_takes_it_back(biz_a, window, clerk, open_desk):
    first, second = f.ticket(biz_a), f.ticket(biz_a)
    ticket = calling.ticket_call_next(window=window, actor=clerk)
    calling.ticket_serve(ticket=ticket, actor=clerk)
    assert (
        calling.ticket_suspend(ticket=ticket, actor=clerk, reason="复印材料").state == TicketState.SUSPENDED
    )
    nxt = calling.ticket_call_next(window=window, actor=clerk)
    assert nxt.pk == second.pk
    with pytest.raises(DomainError) as busy:
        calling.ticket_resume(ticket=first, actor=clerk)
    assert busy.value.code == "queue.window_busy"
    calling.ticket_no_show(ticket=nxt, actor=clerk)
    assert calling.ticket_resume(ticket=first, actor=clerk).state == TicketState.SERVING


def test_silent_calling_sends_one_sms_per_call_with_a_masked_name(biz_a, window, clerk):
    f.open_window(window, clerk, silent=True)
    services.ticket_issue(business=biz_a, id_number=f.ric(), name="王小明", mobile="13900139000")
    ticket = calling.ticket_call_next(window=window, actor=clerk)
    calling.ticket_recall(ticket=ticket, actor=clerk)
    sms = list(OutboxMessage.objects.filter(kind="sms", topic="queue.call").order_by("id"))
    assert len(sms) == 2 and sms[0].payload["mobile"] == "13900139000"
    assert "王**" in sms[0].payload["text"] and "王小明" not in sms[0].payload["text"]
    from govhall.hall.queue.selectors import last_calls

    row = last_calls(window.site)[0]
    assert row["silent"] and row["voice"] == "" and "王**" in row["display"]


def test_voice_text_without_names(biz_a, window, clerk, open_desk):
    services.ticket_issue(business=biz_a, id_number=f.ric(), name="王小明")
    calling.ticket_call_next(window=window, actor=clerk)
    from govhall.hall.queue.selectors import last_calls

    row = last_calls(window.site)[0]
    assert "王" not in row["voice"] and row["voice"].startswith("请A零零一号到")
    assert not OutboxMessage.objects.filter(topic="queue.call").exists()


def test_tickets_served_per_staff_and_window(biz_a, window, clerk, open_desk):
    from django.utils import timezone

    for _ in range(2):
        f.ticket(biz_a)
        t = calling.ticket_call_next(window=window, actor=clerk)
        calling.ticket_serve(ticket=t, actor=clerk)
        calling.ticket_finish(ticket=t, actor=clerk)
    f.ticket(biz_a)
    call(window, clerk)  # a no-show is not served
    today = timezone.localdate()
    assert tickets_served(start=today, end=today, by="window") == {window.pk: 2}
    assert tickets_served(start=today, end=today, by="staff") == {clerk.staff.pk: 2}
    assert (
        tickets_served(
            start=today.replace(year=today.year - 1), end=today.replace(year=today.year - 1), by="staff"
        )
        == {}
    )
    with pytest.raises(ValueError):
        tickets_served(start=today, end=today, by="department")
