"""The nightly close of stale tickets (ADR 0016): tickets of an earlier day still open are closed.

Nobody calls yesterday's queue, but a ticket left waiting, called, transferred or suspended stays
"active" forever, and one left called or serving keeps its window busy (one current ticket per
window, whatever the day). ``tickets_expire`` moves every open ticket of a day before today
through the state table's system move ``expire``: not served → no-show; serving → done (the
sitting ended; no rating is asked, no case linked). Set-based: one locking read of the ids and
states, one UPDATE per from-state, one bulk insert of timeline rows, and one audit record with the
counts (none when nothing was stale). Idempotent: a second run finds nothing. On PostgreSQL rows
locked by a move in flight are skipped (SKIP LOCKED) and closed by the next run.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.db import transaction
from django.utils import timezone

from govhall.core import audit
from govhall.hall.queue.models import Ticket, TicketEvent
from govhall.hall.queue.states import ACTIVE_STATES, TicketAction, next_state


@transaction.atomic(durable=True)
def tickets_expire(*, today: date | None = None, actor=None) -> dict[str, int]:
    """Close the open tickets of every day before ``today`` (default: the local date).

    Returns {from state: count}. ``actor`` None is the system (the command and the huey task)."""
    now = timezone.now()
    today = today or timezone.localdate(now)
    stale = (
        Ticket.objects.filter(day__lt=today, state__in=ACTIVE_STATES)
        .select_for_update(skip_locked=True)
        .values_list("id", "state", "window_id", "staff_id")
    )
    by_state: dict[str, list[tuple]] = defaultdict(list)
    for row in stale:
        by_state[row[1]].append(row)
    counts: dict[str, int] = {}
    events = []
    for from_state, rows in sorted(by_state.items()):
        to_state = next_state(from_state, TicketAction.EXPIRE)
        ids = [row[0] for row in rows]
        counts[from_state] = Ticket.objects.filter(pk__in=ids, state=from_state).update(
            state=to_state, finished_at=now, rating_pending=False
        )
        events += [
            TicketEvent(ticket_id=pk, action=TicketAction.EXPIRE, from_state=from_state, to_state=to_state,
                        window_id=window_id, staff_id=staff_id, at=now)
            for pk, _state, window_id, staff_id in rows
        ]  # fmt: skip
    TicketEvent.objects.bulk_create(events, batch_size=1000)
    total = sum(counts.values())
    if total:
        audit.record(
            action="hall_queue.tickets_expire", actor=actor, object_type="hall_queue.ticket",
            detail={"before_day": today.isoformat(), "total": total, "by_state": counts},
        )  # fmt: skip
    return counts
