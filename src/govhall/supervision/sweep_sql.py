# ruff: noqa: S608 -- statements are built from table names and enum constants only; values are bound parameters.
"""The sweep's set-based statements, one family of clocks at a time (docs/adr/0010-supervision-sweep.md).

Every statement is idempotent: it compares the clocks' indexed deadline columns with ClockWatch
and writes only differences, so running it twice — or in two sessions at once — changes each
clock once. The statements of one family run in one transaction, in this order:

1. ``transitions``  upsert the yellow/red clocks whose colour differs from their ClockWatch row;
2. ``demotions``    set to normal the rows whose clock is no longer yellow/red (not while paused);
   both compare every clock (full) or only the candidates that may have changed (incremental);
3. ``escalated`` / ``resolved``  clear the open cards of the clocks this run moved;
4. ``raise``        insert a card for each clock this run moved to yellow or red (unique per open
                    card: a concurrent sweep's identical insert does nothing);
5. ``sms``          queue one SMS per card and recipient (unique dedupe key per card and person);
6. ``purge``        delete the rows this run set to normal.

Inserts run in key order, so two sessions running them at once (without the sweep's lock) queue
on the same first row instead of deadlocking. The rows a run moved carry its SweepRun id (``run``), so steps 3–6 read only this run's changes
through an index. Raw SQL because the ORM cannot express INSERT … SELECT … ON CONFLICT; it runs on
SQLite and PostgreSQL alike (the only difference is the JSON constructor of the SMS payload).
"""

from dataclasses import dataclass

from django.db import connection

from govhall.cases.models import Case, CaseEvent, CaseStep, StepTask
from govhall.cases.states import OPEN_STATES, Action, StepState, TaskState
from govhall.catalog.models import ServiceItem
from govhall.core.models import OutboxMessage
from govhall.org.models import Department, Role, Staff
from govhall.supervision.models import ClockWatch, Level, Rule, Warning

T = {
    "watch": ClockWatch._meta.db_table,
    "warning": Warning._meta.db_table,
    "case": Case._meta.db_table,
    "step": CaseStep._meta.db_table,
    "task": StepTask._meta.db_table,
    "event": CaseEvent._meta.db_table,
    "item": ServiceItem._meta.db_table,
    "staff": Staff._meta.db_table,
    "dept": Department._meta.db_table,
    "outbox": OutboxMessage._meta.db_table,
}


def _in(values) -> str:
    """A literal IN list of trusted enum values (never user input)."""
    return "(" + ", ".join(f"'{v}'" for v in sorted(str(v) for v in values)) + ")"


T |= {
    "open": _in(OPEN_STATES),
    "accept_actions": _in({Action.ACCEPT, Action.ACCEPT_TOLERANT, Action.ACCEPT_COMMITMENT}),
    "active": f"'{StepState.ACTIVE}'",
    "pending": f"'{TaskState.PENDING}'",
    "normal": f"'{Level.NORMAL}'",
    "yellow": f"'{Level.YELLOW}'",
    "red": f"'{Level.RED}'",
    "promised": f"'{Rule.PROMISED}'",
    "legal": f"'{Rule.LEGAL}'",
    "step_rule": f"'{Rule.STEP}'",
    "chief": f"'{Role.CHIEF}'",
    "duty_leader": f"'{Role.DUTY_LEADER}'",
}

# The leader who is told with the responsible person: the department's chief representative
# (首席代表, lowest employee number), or the centre's duty leader (值班领导) when it has none.
# Materialised once per statement (a few hundred departments), then hash-joined. It sits after
# "INSERT INTO … (…)" so that the statement still starts with INSERT (sqlite3 reports rowcount -1
# for a statement that starts with WITH).
LEADERS = """WITH leaders AS MATERIALIZED (SELECT d.id AS department_id, COALESCE(
    (SELECT s.user_id FROM {staff} s WHERE s.department_id = d.id AND s.role = {chief} AND s.active = TRUE
      ORDER BY s.employee_no LIMIT 1),
    (SELECT s.user_id FROM {staff} s WHERE s.role = {duty_leader} AND s.active = TRUE
      ORDER BY s.employee_no LIMIT 1)) AS user_id
  FROM {dept} d)
"""


@dataclass(frozen=True)
class Family:
    """The statements of one family of clocks (the case's clocks, or the steps' clocks).

    ``transitions`` and ``demotions`` are (full, incremental) pairs: the incremental form compares
    only the candidates (``{scope}``) — clocks with a deadline in (since, now] and the cases whose
    timeline grew past ``event_low`` (docs/adr/0010).
    """

    name: str
    candidates: str  # the clocks that may have changed since the last run (incremental form)
    key: str  # the clock's id in ``transitions`` …
    watch_key: str  # … and in ``demotions``
    transitions_sql: str
    demotions_sql: str
    escalated: str
    resolved: str
    raise_cards: str

    def transitions(self, incremental: bool) -> str:
        return self.transitions_sql.replace("{scope}", self._scope(self.key, incremental))

    def demotions(self, incremental: bool) -> str:
        return self.demotions_sql.replace("{scope}", self._scope(self.watch_key, incremental))

    def _scope(self, column: str, incremental: bool) -> str:
        return f"AND {column} IN ({self.candidates})" if incremental else ""


# --- the case's clocks: promised (yellow, red) and legal (red) ---------------------------------------
# A case's warn_at is set only while its clocks run (NULL when paused or stopped), so the index range
# scan ``warn_at <= now`` finds exactly the running clocks that are not normal.
_CASE_CANDIDATES = """
    SELECT id FROM {case} WHERE warn_at > %(since)s AND warn_at <= %(now)s
    UNION SELECT id FROM {case} WHERE promised_due_at > %(since)s AND promised_due_at <= %(now)s
    UNION SELECT id FROM {case} WHERE legal_due_at > %(since)s AND legal_due_at <= %(now)s
    UNION SELECT case_id FROM {event} WHERE id > %(event_low)s"""
_CASE_DESIRED = """
    SELECT {promised} AS rule, c.id AS case_id,
           CASE WHEN c.promised_due_at <= %(now)s THEN {red} ELSE {yellow} END AS level,
           c.promised_due_at AS due_at
      FROM {case} c
     WHERE c.warn_at <= %(now)s AND c.clock_stopped_at IS NULL AND c.state IN {open} {scope}
    UNION ALL
    SELECT {legal}, c.id, {red}, c.legal_due_at
      FROM {case} c
     WHERE c.warn_at <= %(now)s AND c.legal_due_at <= %(now)s AND c.clock_stopped_at IS NULL
       AND c.state IN {open} {scope}"""


def _fmt(text: str) -> str:
    """Fill in table names and constants, keeping ``{scope}`` for Family to fill."""
    return text.format(**T, scope="{scope}")


CASE = Family(
    name="case_clocks",
    candidates=_fmt(_CASE_CANDIDATES),
    key="c.id",
    watch_key="w.case_id",
    transitions_sql=_fmt(
        """
INSERT INTO {watch} (rule, case_id, step_id, level, due_at, changed_at, run)
SELECT d.rule, d.case_id, NULL, d.level, d.due_at, %(now)s, %(run)s
  FROM ("""
        + _CASE_DESIRED
        + """) d
 WHERE NOT EXISTS (SELECT 1 FROM {watch} w WHERE w.step_id IS NULL AND w.case_id = d.case_id
                      AND w.rule = d.rule AND w.level = d.level)
 ORDER BY d.case_id, d.rule
ON CONFLICT (case_id, rule) WHERE step_id IS NULL DO UPDATE
   SET level = excluded.level, due_at = excluded.due_at, changed_at = excluded.changed_at, run = excluded.run
 WHERE {watch}.level <> excluded.level"""
    ),
    # Not yellow/red any more, unless the clock is paused (colours freeze during a pause). Rows this
    # run has just set are yellow/red by construction: left out (the first sweep sets every row).
    demotions_sql=_fmt("""
UPDATE {watch} SET level = {normal}, changed_at = %(now)s, run = %(run)s
 WHERE id IN (
   SELECT w.id FROM {watch} w JOIN {case} c ON c.id = w.case_id
    WHERE w.step_id IS NULL AND w.level <> {normal} AND w.run <> %(run)s {scope}
      AND NOT (c.clock_paused_at IS NOT NULL AND c.clock_stopped_at IS NULL AND c.state IN {open})
      AND NOT (COALESCE(c.warn_at <= %(now)s, FALSE) AND c.clock_stopped_at IS NULL AND c.state IN {open}
               AND (w.rule = {promised} OR COALESCE(c.legal_due_at <= %(now)s, FALSE))))"""),
    escalated="""
UPDATE {warning} SET cleared_at = %(now)s, clear_kind = 'escalated', clear_reason = %(escalated)s
 WHERE id IN (
   SELECT g.id FROM {watch} w JOIN {warning} g ON g.case_id = w.case_id AND g.rule = w.rule
    WHERE w.run = %(run)s AND w.step_id IS NULL AND g.step_id IS NULL AND g.cleared_at IS NULL
      AND g.level = {yellow} AND w.level = {red})""".format(**T),
    resolved="""
UPDATE {warning} SET cleared_at = %(now)s, clear_kind = 'resolved', clear_reason = %(resolved)s
 WHERE id IN (
   SELECT g.id FROM {watch} w JOIN {warning} g ON g.case_id = w.case_id AND g.rule = w.rule
    WHERE w.run = %(run)s AND w.step_id IS NULL AND g.step_id IS NULL AND g.cleared_at IS NULL
      AND g.level <> w.level)""".format(**T),
    # Responsible: the item's department, and the clerk who accepted the case (none when deemed).
    raise_cards=(
        """
INSERT INTO {warning} (level, rule, case_id, step_id, department_id, person_id, leader_id, due_at,
                       raised_at, run, cleared_at, clear_kind, clear_reason, cleared_by_id)
"""
        + LEADERS
        + """SELECT w.level, w.rule, w.case_id, NULL, i.department_id,
       (SELECT e.actor_id FROM {event} e WHERE e.case_id = c.id AND e.action IN {accept_actions}
           AND e.actor_id IS NOT NULL ORDER BY e.id DESC LIMIT 1),
       ld.user_id, w.due_at, %(now)s, %(run)s, NULL, '', '', NULL
  FROM {watch} w
  JOIN {case} c ON c.id = w.case_id
  JOIN {item} i ON i.id = c.item_id
  LEFT JOIN leaders ld ON ld.department_id = i.department_id
 WHERE w.run = %(run)s AND w.step_id IS NULL AND w.level <> {normal}
 ORDER BY w.case_id, w.rule
ON CONFLICT DO NOTHING"""
    ).format(**T),
)


# --- the active steps' clocks -------------------------------------------------------------------------
# A step's due/warn are NULL while the case is paused; (state, warn_at) and (state, due_at) are indexed.
_STEP_CANDIDATES = """
    SELECT id FROM {step} WHERE state = {active} AND warn_at > %(since)s AND warn_at <= %(now)s
    UNION SELECT id FROM {step} WHERE state = {active} AND due_at > %(since)s AND due_at <= %(now)s
    UNION SELECT id FROM {step} WHERE case_id IN (SELECT case_id FROM {event} WHERE id > %(event_low)s)"""

STEP = Family(
    name="step_clocks",
    candidates=_fmt(_STEP_CANDIDATES),
    key="s.id",
    watch_key="w.step_id",
    transitions_sql=_fmt("""
INSERT INTO {watch} (rule, case_id, step_id, level, due_at, changed_at, run)
SELECT {step_rule}, s.case_id, s.id, CASE WHEN s.due_at <= %(now)s THEN {red} ELSE {yellow} END,
       s.due_at, %(now)s, %(run)s
  FROM {step} s
 WHERE s.state = {active} AND s.warn_at <= %(now)s {scope}
   AND NOT EXISTS (SELECT 1 FROM {watch} w WHERE w.step_id = s.id
                      AND w.level = CASE WHEN s.due_at <= %(now)s THEN {red} ELSE {yellow} END)
 ORDER BY s.id
ON CONFLICT (step_id) WHERE step_id IS NOT NULL DO UPDATE
   SET level = excluded.level, due_at = excluded.due_at, changed_at = excluded.changed_at, run = excluded.run
 WHERE {watch}.level <> excluded.level"""),
    demotions_sql=_fmt("""
UPDATE {watch} SET level = {normal}, changed_at = %(now)s, run = %(run)s
 WHERE id IN (
   SELECT w.id FROM {watch} w JOIN {step} s ON s.id = w.step_id
    WHERE w.step_id IS NOT NULL AND w.level <> {normal} AND w.run <> %(run)s {scope}
      AND NOT (s.state = {active} AND s.due_at IS NULL)
      AND NOT (s.state = {active} AND COALESCE(s.warn_at <= %(now)s, FALSE)))"""),
    escalated="""
UPDATE {warning} SET cleared_at = %(now)s, clear_kind = 'escalated', clear_reason = %(escalated)s
 WHERE id IN (
   SELECT g.id FROM {watch} w JOIN {warning} g ON g.step_id = w.step_id
    WHERE w.run = %(run)s AND w.step_id IS NOT NULL AND g.cleared_at IS NULL
      AND g.level = {yellow} AND w.level = {red})""".format(**T),
    resolved="""
UPDATE {warning} SET cleared_at = %(now)s, clear_kind = 'resolved', clear_reason = %(resolved)s
 WHERE id IN (
   SELECT g.id FROM {watch} w JOIN {warning} g ON g.step_id = w.step_id
    WHERE w.run = %(run)s AND w.step_id IS NOT NULL AND g.cleared_at IS NULL
      AND g.level <> w.level)""".format(**T),
    # Responsible: the step's first pending task — its assignee (None for a department pool) and its
    # department (else the step's, else the item's).
    raise_cards=(
        """
INSERT INTO {warning} (level, rule, case_id, step_id, department_id, person_id, leader_id, due_at,
                       raised_at, run, cleared_at, clear_kind, clear_reason, cleared_by_id)
"""
        + LEADERS
        + """SELECT w.level, w.rule, w.case_id, w.step_id, r.department_id, r.person_id, ld.user_id, w.due_at,
       %(now)s, %(run)s, NULL, '', '', NULL
  FROM {watch} w
  JOIN (SELECT s.id AS step_id, COALESCE(t.department_id, s.department_id,
                 (SELECT i.department_id FROM {case} c JOIN {item} i ON i.id = c.item_id WHERE c.id = s.case_id)
               ) AS department_id, t.assignee_id AS person_id
          FROM {step} s
          LEFT JOIN {task} t ON t.id = (SELECT t2.id FROM {task} t2 WHERE t2.step_id = s.id
                                           AND t2.state = {pending} ORDER BY t2.seq, t2.id LIMIT 1)
       ) r ON r.step_id = w.step_id
  LEFT JOIN leaders ld ON ld.department_id = r.department_id
 WHERE w.run = %(run)s AND w.step_id IS NOT NULL AND w.level <> {normal}
 ORDER BY w.step_id
ON CONFLICT DO NOTHING"""
    ).format(**T),
)

FAMILIES = (CASE, STEP)

LEVEL_COUNTS = "SELECT level, COUNT(*) FROM {watch} WHERE run = %(run)s AND {family} GROUP BY level"
PURGE = "DELETE FROM {watch} WHERE run = %(run)s AND level = {normal}".format(**T)
RECIPIENTS = """
SELECT person_id FROM {warning} WHERE run = %(run)s AND {{family}} AND person_id IS NOT NULL
UNION SELECT leader_id FROM {warning} WHERE run = %(run)s AND {{family}} AND leader_id IS NOT NULL""".format(
    **T
)


def family_filter(family: Family) -> str:
    return "step_id IS NULL" if family is CASE else "step_id IS NOT NULL"


def _json_object(pairs: str) -> str:
    return f"jsonb_build_object({pairs})" if connection.vendor == "postgresql" else f"json_object({pairs})"


def _rows(prefix: str, rows: list[tuple], names: tuple[str, ...]) -> tuple[str, dict]:
    """A derived table of literal rows passed as parameters: (SELECT %(p0_0)s AS a, … UNION ALL …)."""
    selects, params = [], {}
    for i, row in enumerate(rows):
        cols = []
        for j, (name, value) in enumerate(zip(names, row, strict=True)):
            key = f"{prefix}{i}_{j}"
            params[key] = value
            cols.append(f"%({key})s AS {name}" if i == 0 else f"%({key})s")
        selects.append("SELECT " + ", ".join(cols))
    return "(" + " UNION ALL ".join(selects) + ")", params


def sms_insert(
    family: Family, mobiles: list[tuple[int, str]], texts: list[tuple[str, str, str, str]]
) -> tuple[str, dict]:
    """One SMS per open card that this run raised in ``family`` and per recipient with a mobile (the
    person, and the leader when another person); the dedupe key ``warning:<card>:<user>`` makes it
    once only, whoever retries.

    ``mobiles``: (user id, mobile) decrypted by the caller; ``texts``: (rule, level, head, tail), the
    message being head + case number + tail. No ORDER BY: a card's SMS are queued only by the run
    that raised it, so two sweeps never insert the same keys. The case is read once per card (the
    materialised ``g``), then the two recipients come from a two-row join (SQLite has no LATERAL).
    """
    mobile_rows, params = _rows("m", mobiles, ("user_id", "mobile"))
    heads, tails = [], []
    for i, (rule, level, head, tail) in enumerate(texts):
        params |= {f"t{i}r": str(rule), f"t{i}l": str(level), f"t{i}h": head, f"t{i}t": tail}
        when = f"WHEN g.rule = %(t{i}r)s AND g.level = %(t{i}l)s"
        heads.append(f"{when} THEN %(t{i}h)s")
        tails.append(f"{when} THEN %(t{i}t)s")
    text = f"(CASE {' '.join(heads)} END) || g.number || (CASE {' '.join(tails)} END)"
    payload = _json_object(f"'mobile', m.mobile, 'text', {text}")
    recipient = "CASE who.k WHEN 1 THEN g.person_id ELSE g.leader_id END"
    sql = f"""
INSERT INTO {T["outbox"]} (kind, topic, payload, dedupe_key, state, attempts, available_at, claim_token,
                           claimed_until, sent_at, last_error, created_at)
WITH g AS MATERIALIZED (
  SELECT w.id, w.rule, w.level, w.person_id, w.leader_id, c.number
    FROM {T["warning"]} w JOIN {T["case"]} c ON c.id = w.case_id
   WHERE w.run = %(run)s AND w.{family_filter(family)} AND w.cleared_at IS NULL)
SELECT 'sms', 'supervision_warning', {payload}, 'warning:' || g.id || ':' || m.user_id, 'pending', 0,
       %(sent)s, '', NULL, NULL, '', %(sent)s
  FROM g
  JOIN (SELECT 1 AS k UNION ALL SELECT 2) who ON who.k = 1 OR g.person_id IS NULL OR g.person_id <> g.leader_id
  JOIN {mobile_rows} m ON m.user_id = {recipient}
 WHERE TRUE
ON CONFLICT (dedupe_key) DO NOTHING"""
    return sql, params
