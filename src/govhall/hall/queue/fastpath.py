"""The calling hot path on PostgreSQL: each window move is one SQL statement.

``call_next``: in one statement — the actor must be active staff assigned to the window and the
window's desk open (the desk row is read ``FOR SHARE``, so it waits for a ``window_close`` in
flight and then sees the closed state); the window must hold no called/serving ticket; the first
ticket in calling order is locked with ``FOR UPDATE SKIP LOCKED`` (a ticket another window is
taking right now is skipped, not waited for), updated, and its timeline row appended.
Two clicks of the *same* window racing each other are stopped by the partial unique index "one
current ticket per window" (the loser gets ``WindowBusy``), which the callers translate.

Outside a transaction the statement is its own transaction (autocommit): one round trip per call.

``no_show``: one UPDATE guarded by the actor's assignment to the ticket's window and the state,
plus the timeline row.

Both commit with ``synchronous_commit = off`` (set for their own transaction only): a call is a
transient hall event; a PostgreSQL crash may forget the calls of its last few hundred
milliseconds (the ticket is then called again), never corrupts anything, and the waiting for
the WAL flush no longer holds every window back (docs/adr/0016).

When a statement does nothing, the ORM path in ``calling.py`` runs the same checks one by one to
name the reason. The ordering key is the one of ``calling.next_ticket_queryset`` (the ORM form used
on SQLite and for the window's queue list); the ordering tests run on both databases.
"""

from __future__ import annotations

from functools import lru_cache

import psycopg
from django.db import connection

from govhall.hall.queue.models import Ticket, TicketEvent, WindowBusiness, WindowDesk
from govhall.hall.queue.states import CALLABLE_STATES, CURRENT_STATES, Lane, TicketState
from govhall.org.models import Staff

# Candidates read per business (from the statement's snapshot) before locking one. They must
# outnumber the tickets other windows can take between this statement's snapshot and its lock
# (in flight: ≤ one per window; committed meanwhile: a few per millisecond at full speed), or
# the first waiting ticket could be missed. 256 keeps a wide margin for 20+ windows on a
# loaded machine and costs a sort of a few hundred short rows.
HEADS = 256


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _in(states) -> str:
    return ", ".join(f"'{s}'" for s in states)


def _execute(sql: str, params):
    """Run one hot-path statement as a server-side prepared statement: the planner's work is done
    once per connection, not per call (PgBouncer ≥ 1.21 keeps protocol-level prepared statements
    in transaction pooling mode). Same transaction as Django's: it is the same connection."""
    connection.ensure_connection()
    cursor = psycopg.Cursor(connection.connection)
    cursor.execute(sql, params, prepare=True)
    return cursor


def _fields():
    return Ticket._meta.concrete_fields


@lru_cache(maxsize=2)
def _call_sql(loud_only: bool) -> str:
    ticket, event = _q(Ticket._meta.db_table), _q(TicketEvent._meta.db_table)
    links, desk, staff = (
        _q(WindowBusiness._meta.db_table),
        _q(WindowDesk._meta.db_table),
        _q(Staff._meta.db_table),
    )
    columns = ", ".join(f"called.{_q(f.column)}" for f in _fields())
    return f"""
WITH desk AS MATERIALIZED (
  SELECT d.window_id, d.silent, s.id AS staff_id, set_config('synchronous_commit', 'off', true) AS async FROM {desk} d
  JOIN {staff} s ON s.window_id = d.window_id AND s.user_id = %(user)s AND s.active
  WHERE d.window_id = %(window)s AND d.state = 'open'{" AND NOT d.silent" if loud_only else ""}
  FOR SHARE OF d
), heads AS (
  -- Index scans, no sort of the whole queue: the first tickets of each business the window serves
  -- (in lane, issue order) and those transferred to the window itself.
  SELECT h.id, h.lane, h.issued_at,
         CASE WHEN h.lane = {int(Lane.ORDINARY)} THEN wb.priority ELSE 0 END AS rank
  FROM {links} wb CROSS JOIN LATERAL (
    SELECT t.id, t.lane, t.issued_at FROM {ticket} t
    WHERE t.business_id = wb.business_id AND t.day = %(day)s AND t.state IN ({_in(CALLABLE_STATES)})
      AND t.target_window_id IS NULL
    ORDER BY t.lane, t.issued_at, t.id LIMIT {HEADS}
  ) h
  WHERE wb.window_id = %(window)s
  UNION ALL
  SELECT t.id, t.lane, t.issued_at, -1 FROM {ticket} t
  WHERE t.target_window_id = %(window)s AND t.day = %(day)s AND t.state IN ({_in(CALLABLE_STATES)})
), pick AS (
  -- Walk the heads in calling order (nested loop on the primary key) and lock the first one
  -- nobody else is taking; a row changed since the snapshot is re-checked and passed over.
  SELECT t.id, t.state AS from_state
  FROM (SELECT * FROM heads ORDER BY lane, rank, issued_at, id OFFSET 0) h
  JOIN {ticket} t ON t.id = h.id
  WHERE t.state IN ({_in(CALLABLE_STATES)}) AND EXISTS (SELECT 1 FROM desk)
    AND NOT EXISTS (SELECT 1 FROM {ticket} c WHERE c.window_id = %(window)s AND c.state IN ({_in(CURRENT_STATES)}))
  ORDER BY h.lane, h.rank, h.issued_at, h.id
  LIMIT 1
  FOR UPDATE OF t SKIP LOCKED
), called AS (
  UPDATE {ticket} t SET state = '{TicketState.CALLED}', window_id = %(window)s,
    staff_id = (SELECT staff_id FROM desk), target_window_id = NULL, called_at = %(now)s,
    first_called_at = COALESCE(t.first_called_at, %(now)s)
  FROM pick WHERE t.id = pick.id
  RETURNING t.*
), logged AS (
  INSERT INTO {event} (ticket_id, action, from_state, to_state, window_id, staff_id, at)
  SELECT pick.id, 'call', pick.from_state, '{TicketState.CALLED}', %(window)s, (SELECT staff_id FROM desk), %(now)s
  FROM pick
)
SELECT {columns}, (SELECT silent FROM desk) FROM called"""  # noqa: S608


def call_next(
    *, window_id: int, user_id: int | None, day, now, loud_only: bool = False
) -> tuple[Ticket, bool] | None:
    """(the called ticket, whether the desk calls silently), or None when nothing was called.

    ``loud_only``: do nothing at a silent desk (its call also queues an SMS, so it needs a
    transaction of more than this one statement)."""
    params = {"window": window_id, "user": user_id, "day": day, "now": now}
    with _execute(_call_sql(loud_only), params) as cursor:
        row = cursor.fetchone()
    if row is None:
        return None
    return Ticket.from_db(connection.alias, [f.attname for f in _fields()], row[:-1]), bool(row[-1])


@lru_cache(maxsize=1)
def _no_show_sql() -> str:
    ticket, event, staff = _q(Ticket._meta.db_table), _q(TicketEvent._meta.db_table), _q(Staff._meta.db_table)
    called, gone = TicketState.CALLED, TicketState.NO_SHOW
    return f"""
WITH me AS (
  SELECT s.id, s.window_id, set_config('synchronous_commit', 'off', true) AS async FROM {staff} s
  WHERE s.user_id = %(user)s AND s.active AND s.window_id IS NOT NULL
), moved AS (
  UPDATE {ticket} t SET state = '{gone}', finished_at = %(now)s FROM me
  WHERE t.id = %(ticket)s AND t.window_id = me.window_id AND t.state = '{called}'
  RETURNING t.id, t.window_id, me.id AS staff_id
)
INSERT INTO {event} (ticket_id, action, from_state, to_state, window_id, staff_id, at)
SELECT id, 'no_show', '{called}', '{gone}', window_id, staff_id, %(now)s FROM moved RETURNING ticket_id"""  # noqa: S608


def no_show(*, ticket_id: int, user_id: int | None, now) -> bool:
    """True when the called ticket at the actor's window was marked a no-show."""
    with _execute(_no_show_sql(), {"ticket": ticket_id, "user": user_id, "now": now}) as cursor:
        return cursor.fetchone() is not None
