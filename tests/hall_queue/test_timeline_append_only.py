"""A ticket's timeline is append-only on PostgreSQL: window moves are recorded there, not in the
audit chain (docs/adr/0016), so the database refuses to change or remove a row once written."""

import pytest
from django.db import DatabaseError, transaction

from govhall.hall.queue import calling
from govhall.hall.queue.models import Ticket, TicketEvent
from tests.hall_queue import factories as f

pytestmark = pytest.mark.django_db


def test_timeline_rows_cannot_be_changed_or_removed(postgres_only, biz_a, window, clerk, open_desk):
    ticket = f.ticket(biz_a)
    called = calling.ticket_call_next(window=window, actor=clerk)
    assert called.pk == ticket.pk
    before = list(
        TicketEvent.objects.filter(ticket=ticket).order_by("id").values_list("id", "action", "to_state")
    )
    assert [action for _id, action, _state in before][-1] == "call"
    attempts = [
        lambda: TicketEvent.objects.filter(ticket=ticket).update(action="serve"),
        lambda: TicketEvent.objects.filter(ticket=ticket).delete(),
        lambda: Ticket.objects.filter(pk=ticket.pk).delete(),  # its events would go with it
    ]
    for attempt in attempts:
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            attempt()
    after = list(
        TicketEvent.objects.filter(ticket=ticket).order_by("id").values_list("id", "action", "to_state")
    )
    assert after == before
    calling.ticket_no_show(ticket=called, actor=clerk)  # appending still works
    assert TicketEvent.objects.filter(ticket=ticket).count() == len(before) + 1
