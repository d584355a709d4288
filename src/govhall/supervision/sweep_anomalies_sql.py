"""Time-based builtin anomaly rules, one INSERT … SELECT each (called by sweep_anomalies.evaluate).

Overdue, step overdue and special procedure beyond its end compare indexed deadline columns with
``now`` and insert their anomalies in one statement each (never a row per case through Python): the
summary and the evidence are built by the database, and ``ON CONFLICT DO NOTHING`` with the rows in
subject order keeps one open anomaly per (rule, case): the first fact in that order wins, as
``sweep_anomalies._fresh`` decides for the other rules.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from govhall.cases.models import SpecialProcedure
from govhall.cases.states import Action
from govhall.supervision import anomalies as rules
from govhall.supervision import sweep_sql
from govhall.supervision.models import Anomaly, AnomalyRule, AnomalyState

if TYPE_CHECKING:
    from govhall.supervision.sweep_anomalies import Window

ACCEPT_ACTIONS = (Action.ACCEPT, Action.ACCEPT_TOLERANT, Action.ACCEPT_COMMITMENT, Action.DEEM_ACCEPT)


def local_minute(value: dt.datetime | None) -> str:
    """An instant in the centre's zone as YYYY-MM-DD HH:MM ("" for None): the summaries' dates."""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


_INSERT = """
INSERT INTO {anomaly} (rule_id, case_id, department_id, "key", severity, summary, evidence, measure,
                       detected_at, run, state, decided_at, decided_by_id, decision_note)
SELECT %(rule)s, {case_id}, {department}, {key}, %(severity)s, SUBSTR({summary}, 1, 200),
       {evidence}, {measure}, %(now)s, %(run)s, %(open)s, NULL, NULL, ''
  FROM {source}
 WHERE {where}
   AND NOT EXISTS (SELECT 1 FROM {anomaly} a WHERE a.rule_id = %(rule)s AND a.case_id = {case_id}
                      AND (a."key" = {key} OR a.state = %(open)s))
 ORDER BY {order}
ON CONFLICT DO NOTHING"""
_in = sweep_sql._in
T = sweep_sql.T | {"special": SpecialProcedure._meta.db_table, "anomaly": Anomaly._meta.db_table}
T |= {
    "changed": "SELECT case_id FROM {event} WHERE id > %(event_low)s".format(**T),  # noqa: S608 (table names)
    "overdue_actions": _in((*ACCEPT_ACTIONS, Action.EXTEND, Action.CONCLUDE, Action.EXPIRE)),
    "special_actions": _in((Action.SPECIAL_START, Action.SPECIAL_END)),
}


def _pg() -> bool:
    return connection.vendor == "postgresql"


def _when_sql(column: str) -> str:
    """``local_minute`` in SQL: the instant in the current time zone as YYYY-MM-DD HH:MM."""
    if _pg():
        return f"to_char({column} AT TIME ZONE %(tz)s, 'YYYY-MM-DD HH24:MI')"
    return f"govhall_when({column})"


def _sqlite_when(value: str | None) -> str:
    return local_minute(dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC)) if value else ""


def _text_sql(text: str, params: dict, **columns: str) -> str:
    """A translated ``%(name)s`` template as a SQL concatenation: its literal parts go in as
    parameters, each placeholder becomes the given SQL expression."""
    parts = re.split(r"%\((\w+)\)s", text)
    out = []
    for i, part in enumerate(parts):
        if i % 2:
            out.append(f"CAST({columns[part]} AS TEXT)")
        elif part:
            params[f"text{i}"] = part
            out.append(f"CAST(%(text{i})s AS TEXT)")
    return " || ".join(out)


def _evidence_sql(events: str) -> str:
    """{"case_events": the last EVIDENCE_MAX ids of ``events`` (a query of CaseEvent ids), in
    ascending order, "audit_events": []}."""
    if _pg():
        ids = "COALESCE((SELECT jsonb_agg(l.id ORDER BY l.id) FROM ({last}) l), '[]'::jsonb)"
        pattern = "jsonb_build_object('case_events', {ids}, 'audit_events', '[]'::jsonb)"
    else:
        ids = "json((SELECT json_group_array(l.id) FROM (SELECT id FROM ({last}) ORDER BY id) l))"
        pattern = "json_object('case_events', {ids}, 'audit_events', json_array())"
    last = f"{events} ORDER BY id DESC LIMIT {rules.EVIDENCE_MAX}"
    return pattern.format(ids=ids.format(last=last))


def _insert(rule: AnomalyRule, w: Window, now, run, params: dict, **parts: str) -> int:
    """Run one rule's INSERT … SELECT; returns the anomalies it raised (conflicts left out)."""
    params |= {
        "rule": rule.pk,
        "severity": rule.severity,
        "now": connection.ops.adapt_datetimefield_value(now),
        "run": run,
        "open": AnomalyState.OPEN.value,
        "since": connection.ops.adapt_datetimefield_value(w.since),
        "event_low": w.event_low,
        "tz": timezone.get_current_timezone_name(),
    }
    measure = "'{{}}'::jsonb" if _pg() else "'{{}}'"
    sql = _INSERT.format(anomaly="{anomaly}", measure=measure, **parts)
    with connection.cursor() as cursor:
        if not _pg():
            connection.connection.create_function("govhall_when", 1, _sqlite_when, deterministic=True)
        cursor.execute(sql.format(**T), params)
        return cursor.rowcount


def _all_history(w: Window) -> bool:
    """The first run reads all history: every case has a timeline row above ``event_low`` = 0, so the
    "or its timeline grew" half of a full run's scope is every row — say so instead of hashing the
    whole timeline to find that out (1.3 s per rule at 1M open cases)."""
    return w.full and w.event_low == 0


def overdue(rule: AnomalyRule, w: Window, now, run) -> int:
    if _all_history(w):
        scope = "TRUE"
    elif w.full:
        scope = "(c.state IN {open} OR c.id IN ({changed}))"
    else:  # index range scans: the deadlines in (since, now], the timelines that grew
        scope = """c.id IN (SELECT id FROM {case} WHERE clock_stopped_at IS NULL
            AND promised_due_at > %(since)s AND promised_due_at <= %(now)s UNION {changed})"""
    params: dict = {}
    summary = _text_sql(_("办件%(n)s超过承诺时限（%(d)s到期）"), params, n="c.number",
                        d=_when_sql("c.promised_due_at"))  # fmt: skip
    return _insert(
        rule, w, now, run, params,
        case_id="c.id", department="i.department_id", key="0", summary=summary,
        evidence=_evidence_sql("SELECT id FROM {event} WHERE case_id = c.id AND action IN {overdue_actions}"),
        source="{case} c JOIN {item} i ON i.id = c.item_id",
        where="c.promised_due_at <= %(now)s AND " + scope + """
          AND (c.clock_stopped_at IS NULL OR c.clock_stopped_at > c.promised_due_at)""",
        order="c.id",
    )  # fmt: skip


def step_overdue(rule: AnomalyRule, w: Window, now, run) -> int:
    if _all_history(w):
        scope = "TRUE"
    elif w.full:
        scope = "(s.state = {active} OR s.id IN (SELECT id FROM {step} WHERE case_id IN ({changed})))"
    else:
        scope = """s.id IN (SELECT id FROM {step} WHERE state = {active}
            AND due_at > %(since)s AND due_at <= %(now)s
            UNION SELECT id FROM {step} WHERE case_id IN ({changed}))"""
    params: dict = {}
    summary = _text_sql(_("办件%(n)s的“%(s)s”环节（第%(r)s轮）超时（%(d)s到期）"), params, n="c.number",
                        s="s.name", r="s.round", d=_when_sql("s.due_at"))  # fmt: skip
    return _insert(
        rule, w, now, run, params,
        case_id="s.case_id", department="COALESCE(s.department_id, i.department_id)", key="s.id",
        summary=summary, evidence=_evidence_sql("SELECT id FROM {event} WHERE case_id = s.case_id AND step_id = s.id"),
        source="{step} s JOIN {case} c ON c.id = s.case_id JOIN {item} i ON i.id = c.item_id",
        where="s.due_at <= %(now)s AND " + scope + " AND (s.state = {active} OR s.finished_at > s.due_at)",
        order="s.case_id, s.round",
    )  # fmt: skip


def suspension_overrun(rule: AnomalyRule, w: Window, now, run) -> int:
    if _all_history(w):
        scope = "TRUE"
    elif w.full:
        scope = "(p.ended_at IS NULL OR p.id IN (SELECT id FROM {special} WHERE case_id IN ({changed})))"
    else:
        scope = """p.id IN (SELECT id FROM {special} WHERE ended_at IS NULL
            AND announced_end_at > %(since)s AND announced_end_at <= %(now)s
            UNION SELECT id FROM {special} WHERE case_id IN ({changed}))"""
    params: dict = {}
    kinds = []
    for i, kind in enumerate(SpecialProcedure.Kind):
        params |= {f"kind{i}": kind.value, f"label{i}": str(kind.label)}
        kinds.append(f"WHEN %(kind{i})s THEN %(label{i})s")
    summary = _text_sql(_("办件%(n)s的%(k)s程序超过告知时长（应于%(d)s结束）"), params, n="c.number",
                        k=f"CASE p.kind {' '.join(kinds)} END", d=_when_sql("p.announced_end_at"))  # fmt: skip
    return _insert(
        rule, w, now, run, params,
        case_id="p.case_id", department="i.department_id", key="p.id", summary=summary,
        evidence=_evidence_sql("SELECT id FROM {event} WHERE case_id = p.case_id AND action IN {special_actions}"),
        source="{special} p JOIN {case} c ON c.id = p.case_id JOIN {item} i ON i.id = c.item_id",
        where="p.announced_end_at <= %(now)s AND " + scope + """
          AND (p.ended_at IS NULL OR p.ended_at > p.announced_end_at)""",
        order="p.id",
    )  # fmt: skip


SET_BASED = frozenset({overdue, step_overdue, suspension_overrun})
