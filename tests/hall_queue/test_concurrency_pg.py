"""20 windows calling at once over 2,000 tickets on PostgreSQL (SKIP LOCKED): every ticket is
called exactly once, and each window's calls follow the ordering rules."""

import threading
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone

from govhall.core import crypto
from govhall.hall.queue import calling
from govhall.hall.queue.models import Ticket
from govhall.hall.queue.states import Lane, TicketState
from tests.hall_queue import factories as f

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WINDOWS = 20
TICKETS = 2000


def _tickets(biz_a, biz_b) -> list[Ticket]:
    """2,000 waiting tickets in both businesses and all four lanes (bulk: the issuing service is
    tested on its own; here the calls are under test)."""
    now, day = timezone.now(), timezone.localdate()
    lanes = [Lane.ORDINARY] * 7 + [Lane.ELDERLY, Lane.APPOINTMENT, Lane.GREEN]
    rows = []
    for i in range(TICKETS):
        business = biz_a if i % 2 else biz_b
        rows.append(
            Ticket(
                site_id=business.site_id, business=business, day=day, number=f"{business.prefix}{i:03d}"[:5],
                lane=lanes[i % len(lanes)], id_number_digest=crypto.keyed_digest(f"id-{i}"),
                issued_at=now - timedelta(seconds=TICKETS - i),
            )
        )  # fmt: skip
    for i, row in enumerate(rows):  # numbers unique per site and day
        row.number = f"{'AB'[i % 2]}{i // 2:03d}" if i < 1998 else f"Z{i - 1998:03d}"
    return Ticket.objects.bulk_create(rows)


def test_twenty_windows_call_two_thousand_tickets_exactly_once(postgres_only, biz_a, biz_b):
    windows = [f.window(serves={biz_a: 1 + k % 2, biz_b: 2 - k % 2}) for k in range(WINDOWS)]
    clerks = [f.clerk_at(w) for w in windows]
    for w, c in zip(windows, clerks, strict=True):
        f.open_window(w, c)
    _tickets(biz_a, biz_b)
    priorities = [{biz_a.pk: 1 + k % 2, biz_b.pk: 2 - k % 2} for k in range(WINDOWS)]
    calls: list[list[Ticket]] = [[] for _ in range(WINDOWS)]
    errors: list[Exception] = []
    barrier = threading.Barrier(WINDOWS)

    def work(k: int) -> None:
        try:
            barrier.wait()
            while (ticket := calling.ticket_call_next(window=windows[k], actor=clerks[k])) is not None:
                calls[k].append(ticket)
                calling.ticket_no_show(ticket=ticket, actor=clerks[k])
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(k,)) for k in range(WINDOWS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    ids = [t.pk for window_calls in calls for t in window_calls]
    assert len(ids) == TICKETS and len(set(ids)) == TICKETS  # every ticket once, none twice
    assert not Ticket.objects.exclude(state=TicketState.NO_SHOW).exists()
    assert all(window_calls for window_calls in calls)  # every window took part
    for k, window_calls in enumerate(calls):
        # No ticket arrives during the run, so each window's own calls follow its ordering key.
        keys = [(t.lane, 0 if t.lane != Lane.ORDINARY else priorities[k][t.business_id], t.issued_at, t.pk)
                for t in window_calls]  # fmt: skip
        assert keys == sorted(keys), f"window {k} called out of order"
