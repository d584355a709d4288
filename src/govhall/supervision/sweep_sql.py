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
5. ``sms``          one SMS per recipient of the run's new cards (``DIGEST`` counts them; the
                    sweep writes the rows, dedupe key per run, family and person);
6. ``purge``        delete the rows this run set to normal.

Inserts run in key order, so two sessions running them at once (without the sweep's lock) queue
on the same first row instead of deadlocking. The rows a run moved carry its SweepRun id (``run``),
so steps 3–6 read only this run's changes through an index. Raw SQL because the ORM cannot express
INSERT … SELECT … ON CONFLICT; it runs on SQLite and PostgreSQL alike.
"""

from dataclasses import dataclass

from govhall.cases.models import Case, CaseEvent, CaseStep, StepTask
from govhall.cases.states import OPEN_STATES, Action, StepState, TaskState
from govhall.catalog.models import ServiceItem
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
    recolour_sql: str  # exclusive form of ``transitions``: the rows whose colour changed …
    new_clocks_sql: str  # … and the clocks without a row
    demotions_sql: str
    escalated: str
    resolved: str
    raise_cards_sql: str
    pg_raise_cards_sql: str = ""  # the same with PostgreSQL-only joins (LATERAL), when faster

    def raise_cards(self, *, exclusive: bool, postgresql: bool) -> str:
        """Insert a card for each clock this run moved to yellow/red, unless its open card exists.

        ``exclusive``: no other sweep can run this family's statements now (the advisory lock is
        held, or SQLite, whose writers are serialised), so the ``NOT EXISTS`` guard decides alone
        and the unique index is only the backstop. Otherwise ``ON CONFLICT DO NOTHING`` makes a
        concurrent sweep's identical insert a no-op; it costs a speculative insertion per row
        (≈ 2 µs: a quarter of a first sweep's card insert), so it is kept for that case only.
        """
        sql = (postgresql and self.pg_raise_cards_sql) or self.raise_cards_sql
        return sql if exclusive else sql + "\nON CONFLICT DO NOTHING"

    def transitions(self, *, incremental: bool, exclusive: bool = False) -> list[str]:
        """Upsert the clocks whose colour differs from their row. ``exclusive`` (no other sweep can
        run this family now, as in ``raise_cards``): an UPDATE of the rows whose colour changed, then
        an INSERT of the clocks without a row; otherwise one INSERT … ON CONFLICT DO UPDATE, whose
        speculative insertion per row (a lock, an extra WAL record) a concurrent sweep needs."""
        scope = self._scope(self.key, incremental)
        if exclusive:
            return [
                self.recolour_sql.replace("{scope}", scope),
                self.new_clocks_sql.replace("{scope}", scope),
            ]
        return [self.transitions_sql.replace("{scope}", scope)]

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
    recolour_sql=_fmt(
        """
UPDATE {watch} SET level = d.level, due_at = d.due_at, changed_at = %(now)s, run = %(run)s
  FROM ("""
        + _CASE_DESIRED
        + """) d
 WHERE {watch}.step_id IS NULL AND {watch}.case_id = d.case_id AND {watch}.rule = d.rule
   AND {watch}.level <> d.level"""
    ),
    new_clocks_sql=_fmt(
        """
INSERT INTO {watch} (rule, case_id, step_id, level, due_at, changed_at, run)
SELECT d.rule, d.case_id, NULL, d.level, d.due_at, %(now)s, %(run)s
  FROM ("""
        + _CASE_DESIRED
        + """) d
 WHERE NOT EXISTS (SELECT 1 FROM {watch} w WHERE w.step_id IS NULL AND w.case_id = d.case_id AND w.rule = d.rule)
 ORDER BY d.case_id, d.rule"""
    ),
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
    raise_cards_sql=(
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
   AND NOT EXISTS (SELECT 1 FROM {warning} g WHERE g.case_id = w.case_id AND g.rule = w.rule
                      AND g.level = w.level AND g.cleared_at IS NULL AND g.step_id IS NULL)
 ORDER BY w.case_id, w.rule"""
    ).format(**T),
)


# --- the active steps' clocks -------------------------------------------------------------------------
# A step's due/warn are NULL while the case is paused; (state, warn_at) and (state, due_at) are indexed.
_STEP_CANDIDATES = """
    SELECT id FROM {step} WHERE state = {active} AND warn_at > %(since)s AND warn_at <= %(now)s
    UNION SELECT id FROM {step} WHERE state = {active} AND due_at > %(since)s AND due_at <= %(now)s
    UNION SELECT id FROM {step} WHERE case_id IN (SELECT case_id FROM {event} WHERE id > %(event_low)s)"""

# Responsible for a step's card: the step's first pending task — its assignee (None for a department
# pool) and its department, else the step's, else the item's (looked up only when the task has none:
# COALESCE stops at the first value). The task in one index scan with LATERAL on PostgreSQL, through
# two scalar subqueries elsewhere (SQLite has no LATERAL). The watch row carries the step and case
# ids, so the step itself is read only for that fallback (at 1M open cases a first sweep raises
# 213k step cards: one index probe per card less).
_FIRST_TASK = """(SELECT t2.{column} FROM {task} t2 WHERE t2.step_id = w.step_id AND t2.state = {pending}
        ORDER BY t2.seq, t2.id LIMIT 1)"""
_STEP_DEPARTMENT = """COALESCE({task_department},
        (SELECT s.department_id FROM {step} s WHERE s.id = w.step_id),
        (SELECT i.department_id FROM {case} c JOIN {item} i ON i.id = c.item_id WHERE c.id = w.case_id))"""


def _step_cards(postgresql: bool) -> str:
    if postgresql:
        person, department = "t.assignee_id", _STEP_DEPARTMENT.replace("{task_department}", "t.department_id")
        task = """LEFT JOIN LATERAL (SELECT t2.department_id, t2.assignee_id FROM {task} t2
                      WHERE t2.step_id = w.step_id AND t2.state = {pending} ORDER BY t2.seq, t2.id LIMIT 1) t ON TRUE"""
    else:
        person = _FIRST_TASK.replace("{column}", "assignee_id")
        department = _STEP_DEPARTMENT.replace(
            "{task_department}", _FIRST_TASK.replace("{column}", "department_id")
        )
        task = ""
    sql = (
        """
INSERT INTO {warning} (level, rule, case_id, step_id, department_id, person_id, leader_id, due_at,
                       raised_at, run, cleared_at, clear_kind, clear_reason, cleared_by_id)
"""
        + LEADERS
        + f"""SELECT r.level, r.rule, r.case_id, r.step_id, r.department_id, r.person_id, ld.user_id, r.due_at,
       %(now)s, %(run)s, NULL, '', '', NULL
  FROM (SELECT w.level, w.rule, w.case_id, w.step_id, w.due_at, {person} AS person_id,
               {department} AS department_id
          FROM {{watch}} w
          {task}
         WHERE w.run = %(run)s AND w.step_id IS NOT NULL AND w.level <> {{normal}}
           AND NOT EXISTS (SELECT 1 FROM {{warning}} g WHERE g.step_id = w.step_id AND g.rule = w.rule
                              AND g.level = w.level AND g.cleared_at IS NULL)
        ) r
  LEFT JOIN leaders ld ON ld.department_id = r.department_id
 ORDER BY r.step_id"""
    )
    return sql.format(**T)


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
    recolour_sql=_fmt("""
UPDATE {watch} SET level = d.level, due_at = d.due_at, changed_at = %(now)s, run = %(run)s
  FROM (SELECT s.id, CASE WHEN s.due_at <= %(now)s THEN {red} ELSE {yellow} END AS level, s.due_at
          FROM {step} s WHERE s.state = {active} AND s.warn_at <= %(now)s {scope}) d
 WHERE {watch}.step_id = d.id AND {watch}.level <> d.level"""),
    new_clocks_sql=_fmt("""
INSERT INTO {watch} (rule, case_id, step_id, level, due_at, changed_at, run)
SELECT {step_rule}, s.case_id, s.id, CASE WHEN s.due_at <= %(now)s THEN {red} ELSE {yellow} END,
       s.due_at, %(now)s, %(run)s
  FROM {step} s
 WHERE s.state = {active} AND s.warn_at <= %(now)s {scope}
   AND NOT EXISTS (SELECT 1 FROM {watch} w WHERE w.step_id = s.id)
 ORDER BY s.id"""),
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
    raise_cards_sql=_step_cards(postgresql=False),
    pg_raise_cards_sql=_step_cards(postgresql=True),
)
FAMILIES = (CASE, STEP)

LEVEL_COUNTS = "SELECT level, COUNT(*) FROM {watch} WHERE run = %(run)s AND {family} GROUP BY level"
PURGE = "DELETE FROM {watch} WHERE run = %(run)s AND level = {normal}".format(**T)
# The recipients of this run's new open cards in a family — the person, and the leader unless the
# same person — with, for each, how many cards, how many red, and the first card (its text when it
# is the only one, its case number as the example in a digest). A few hundred rows at most.
DIGEST = """
SELECT r.user_id, COUNT(*), SUM(CASE WHEN r.level = {red} THEN 1 ELSE 0 END), MIN(r.id)
  FROM (SELECT id, level, person_id AS user_id FROM {warning}
         WHERE run = %(run)s AND {{family}} AND cleared_at IS NULL AND person_id IS NOT NULL
        UNION ALL
        SELECT id, level, leader_id FROM {warning}
         WHERE run = %(run)s AND {{family}} AND cleared_at IS NULL AND leader_id IS NOT NULL
           AND (person_id IS NULL OR person_id <> leader_id)) r
 GROUP BY r.user_id
 ORDER BY r.user_id""".format(**T)


def family_filter(family: Family) -> str:
    return "step_id IS NULL" if family is CASE else "step_id IS NOT NULL"
