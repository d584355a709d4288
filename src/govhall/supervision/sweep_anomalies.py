"""Sweep phases of anomalies and supervision orders (called by supervision.sweep every minute).

``run`` evaluates every enabled anomaly rule in one transaction, set-based: each rule is a small
fixed number of queries that return only the rows breaking it, never a loop over open cases.

- **Event-derived rules** (refused without reason, accepted late, concluded without a required
  step, online item handled offline, edited after conclusion, the centre's event rules) look at
  the cases whose timeline grew: CaseEvent ids above ``event_low``, the highest id seen by a run at
  least ``GOVHALL_SUPERVISION_OVERLAP_SECONDS`` earlier (ids are not commit-ordered; the overlap
  re-reads late commits, as the clock phases do, docs/adr/0010). Audit events on a case outside
  the cases services are read the same way above ``audit_low``. The first run reads all history.
- **Time-based rules** (overdue, step overdue, special procedure beyond its announced end) compare
  indexed deadline columns with ``now``: incremental runs read the deadlines that fell in
  (last run, now] plus the cases whose timeline grew; a full run (the first, then at least every
  ``GOVHALL_SUPERVISION_FULL_MINUTES``, or when the instant goes back) reads every open one.
- **Rate rules** are aggregates over their window, evaluated on full runs.

Inserts are idempotent: one anomaly per (rule, case, key) ever and one open anomaly per (rule,
case) are unique constraints, and rows go in with ``ON CONFLICT DO NOTHING``; a dismissed or
confirmed anomaly is never raised again for the same fact. While an anomaly of a rule is open on a
case, later facts of that rule on the case add nothing (the supervisor sees them on the timeline).
On PostgreSQL the phase takes an advisory lock so that a second sweep skips it.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Trim
from django.utils import timezone
from django.utils.translation import gettext as _

from govhall.cases import clocks, processing
from govhall.cases.models import Case, CaseEvent, CaseStep, Channel
from govhall.cases.states import Action, CaseState, StepState
from govhall.catalog.models import CaseKind
from govhall.core.models import AuditEvent
from govhall.org.models import Department
from govhall.supervision import anomalies as rules
from govhall.supervision.models import Anomaly, AnomalyRule, AnomalyScan, AnomalyState, RuleKind
from govhall.supervision.sweep_anomalies_sql import (
    ACCEPT_ACTIONS,
    SET_BASED,
    local_minute,
    overdue,
    step_overdue,
    suspension_overrun,
)

# Advisory lock keys next to the clock phases' ("GOVSUPV" + n, supervision.sweep.LOCK_KEYS).
LOCK_KEYS = {"anomalies": 0x474F5653555056 + 3}
SCANS_KEPT = dt.timedelta(days=1)
# After conclusion a case may still be delivered or revoked, a 容缺 undertaking fulfilled and a
# 告知承诺 verified (both lawful follow-ups by design), and a copy read; anything else is an edit.
ALLOWED_AFTER_CONCLUSION = frozenset(
    {Action.DELIVER, Action.REVOKE, "undertaking_fulfil", "commitment_verify", "step_copy_read"}
)
CONCLUDED_STATES = (CaseState.CONCLUDED, CaseState.DELIVERED)


@dataclass
class Window:
    full: bool
    since: dt.datetime | None  # incremental: the last run's instant
    event_low: int
    audit_low: int
    event_high: int
    audit_high: int

    def changed(self, **filters):
        """Ids of the cases with a timeline row above ``event_low`` (a subquery driven by the
        primary-key range of CaseEvent: a few rows between two runs)."""
        return CaseEvent.objects.filter(id__gt=self.event_low, **filters).values("case_id")


@dataclass
class Candidate:
    case_id: int | None
    department_id: int | None
    key: int
    summary: str
    events: list[int] = field(default_factory=list)
    audits: list[int] = field(default_factory=list)
    cases: list[int] = field(default_factory=list)
    measure: dict = field(default_factory=dict)


# --- the window and the lock --------------------------------------------------------------------------


def _high(model) -> int:
    return model.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _window(now: dt.datetime) -> Window:
    full_every = dt.timedelta(minutes=getattr(settings, "GOVHALL_SUPERVISION_FULL_MINUTES", 60))
    overlap = dt.timedelta(seconds=getattr(settings, "GOVHALL_SUPERVISION_OVERLAP_SECONDS", 300))
    highs = {"event_high": _high(CaseEvent), "audit_high": _high(AuditEvent)}  # before any other read
    latest = AnomalyScan.objects.order_by("-now", "-id").first()
    last_full = AnomalyScan.objects.filter(full=True).order_by("-now", "-id").first()
    anchor = AnomalyScan.objects.filter(now__lte=now - overlap).order_by("-now", "-id").first()
    lows = (
        {"event_low": anchor.event_high, "audit_low": anchor.audit_high}
        if anchor
        else {"event_low": 0, "audit_low": 0}
    )
    full = latest is None or last_full is None or latest.now > now or now - last_full.now > full_every
    return Window(full=full, since=None if full else latest.now, **lows, **highs)


def _locked(phase: str) -> bool:
    """Take this phase's sweep lock until the transaction ends (PostgreSQL; SQLite serialises writers)."""
    from govhall.supervision import sweep  # the sweep imports this module: look its switch up on use

    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '64MB'")  # as the clock phases (sweep._locked)
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL random_page_cost = 1.1")
        if not sweep.USE_LOCK:
            return True
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK_KEYS[phase]])
        return bool(cursor.fetchone()[0])


# --- helpers ---------------------------------------------------------------------------------------


def _raised(rule: AnomalyRule, key="pk", case="pk") -> Exists:
    return Exists(Anomaly.objects.filter(rule=rule, case_id=OuterRef(case), key=OuterRef(key) if key else 0))


def _union(qs, scopes: list[Q], *fields) -> list[tuple]:
    """``qs`` restricted to each scope in turn (one query each), rows merged by their first field."""
    rows = {}
    for scope in scopes:
        rows.update((row[0], row) for row in qs.filter(scope).values_list(*fields))
    return [rows[pk] for pk in sorted(rows)]


def _events_by_case(case_ids, actions) -> dict[int, list[int]]:
    rows = (
        CaseEvent.objects.filter(case_id__in=case_ids, action__in=actions)
        .order_by()
        .values_list("case_id", "id")
    )
    out: dict[int, list[int]] = defaultdict(list)
    for case_id, pk in rows:
        out[case_id].append(pk)
    return out


def _cited(rule: AnomalyRule, case_ids) -> dict[int, int]:
    """Per case, the highest timeline row already cited by an anomaly of ``rule``."""
    out: dict[int, int] = {}
    for case_id, evidence in Anomaly.objects.filter(rule=rule, case_id__in=case_ids).values_list(
        "case_id", "evidence"
    ):
        out[case_id] = max([out.get(case_id, 0), *(evidence or {}).get("case_events", [0])])
    return out


def _per_case(rule: AnomalyRule, rows, summary) -> list[Candidate]:
    """Group matching timeline rows (id, case_id, number, department) into one candidate per case,
    leaving out rows an earlier anomaly of the rule already cited; key: the first new row."""
    rows = list(rows)
    cited = _cited(rule, {r[1] for r in rows})
    grouped: dict[int, Candidate] = {}
    for pk, case_id, number, department_id, *extra in rows:
        if pk <= cited.get(case_id, 0):
            continue
        candidate = grouped.setdefault(
            case_id, Candidate(case_id, department_id, pk, summary(number, *extra))
        )
        candidate.events.append(pk)
    return list(grouped.values())


# --- builtin rules ---------------------------------------------------------------------------------------


def _refused_without_reason(rule: AnomalyRule, w: Window, now) -> list[Candidate]:
    blank_refusal = CaseEvent.objects.annotate(text=Trim("note")).filter(
        case=OuterRef("pk"), action=Action.REFUSE, text=""
    )
    refused = Q(state=CaseState.REFUSED) & Exists(blank_refusal)
    # RULES.md "Cases": results 1–6 need a reason.
    concluded = Q(result_code__in=[1, 2, 3, 4, 5, 6], reason="")
    rows = list(
        Case.objects.annotate(reason=Trim("result_reason"))
        .filter(
            refused | concluded, pk__in=w.changed(action__in=(Action.REFUSE, Action.CONCLUDE, Action.EXPIRE))
        )
        .exclude(_raised(rule, key=None))
        .values_list("pk", "number", "item__department_id")
    )
    events = _events_by_case([r[0] for r in rows], (Action.REFUSE, Action.CONCLUDE, Action.EXPIRE))
    text = _("办件%(n)s不予受理（或不予许可等）未说明理由")
    return [Candidate(pk, dept, 0, text % {"n": number}, events[pk]) for pk, number, dept in rows]


def _window_opened(case_ids) -> dict[int, list[dt.datetime]]:
    """行政许可法 Art. 32: the five days run from receipt, from an online filing's pre-review pass,
    and again from the receipt of the materials a one-time notice asked for."""
    rows = (
        CaseEvent.objects.filter(
            case_id__in=case_ids, action__in=(Action.PRE_REVIEW_PASS, Action.SUPPLEMENT_RECEIVED)
        )
        .order_by()
        .values_list("case_id", "at")
    )
    out: dict[int, list[dt.datetime]] = defaultdict(list)
    for case_id, at in rows:
        out[case_id].append(at)
    return out


def _accepted_late(rule: AnomalyRule, w: Window, now) -> list[Candidate]:
    deemed = Q(pk__in=w.changed(action=Action.DEEM_ACCEPT))  # the acceptance itself is the new row
    # Five working days never fit in fewer than five natural days: a cheap filter before the calendar.
    slow = Q(accepted_at__gt=F("received_at") + dt.timedelta(days=5))
    rows = _union(
        Case.objects.filter(accepted_at__isnull=False).exclude(_raised(rule, key=None)),
        [deemed, slow & Q(pk__in=w.changed(action__in=ACCEPT_ACTIONS))],
        "pk", "number", "item__department_id", "received_at", "accepted_at",
    )  # fmt: skip
    was_deemed = set(CaseEvent.objects.filter(case_id__in=[r[0] for r in rows], action=Action.DEEM_ACCEPT)
                     .order_by().values_list("case_id", flat=True))  # fmt: skip
    opened = _window_opened([r[0] for r in rows])
    events = _events_by_case([r[0] for r in rows], ("submit", Action.PRE_REVIEW_PASS, Action.SUPPLEMENT_RECEIVED,
                                                    *ACCEPT_ACTIONS))  # fmt: skip
    out = []
    for pk, number, dept, received, accepted in rows:
        start = max([received, *(at for at in opened[pk] if at <= accepted)])
        deadline = clocks.acceptance_deadline(start)
        if pk in was_deemed:
            text = _("办件%(n)s在法定5个工作日内未作处理，被视为受理（%(d)s到期）")
        elif accepted > deadline:
            text = _("办件%(n)s超过5个工作日才受理（%(d)s到期）")
        else:
            continue
        out.append(Candidate(pk, dept, 0, text % {"n": number, "d": local_minute(deadline)}, events[pk]))
    return out


def _missing_step(rule: AnomalyRule, w: Window, now) -> list[Candidate]:
    rows = list(
        Case.objects.filter(pk__in=w.changed(action=Action.CONCLUDE), result_code=0)
        .exclude(item__case_kind=CaseKind.INSTANT)  # decided on the spot: no steps by design
        .exclude(_raised(rule, key=None))
        .values_list("pk", "number", "item__department_id", "item_version_id")
    )
    passed: dict[int, set[int]] = defaultdict(set)
    for case_id, order in CaseStep.objects.filter(
        case_id__in=[r[0] for r in rows], state=StepState.PASSED
    ).values_list("case_id", "flow_order"):
        passed[case_id].add(order)
    events = _events_by_case([r[0] for r in rows], (Action.DECIDE, Action.CONCLUDE))
    text = _("办件%(n)s出证办结，但环节“%(s)s”未通过")
    out = []
    for pk, number, dept, version in rows:
        flow = processing.processing_flow(Case(pk=pk, item_version_id=version))
        missing = [spec["name"] for spec in flow if int(spec["order"]) not in passed[pk]]
        if missing:
            out.append(Candidate(pk, dept, 0, text % {"n": number, "s": "、".join(missing)}, events[pk]))
    return out


def _fee_off_schedule(rule: AnomalyRule, w: Window, now) -> list[Candidate]:
    """No-op until the fees context exists: there are no fee records to compare with the schedule
    (the rule's description says so). Never fabricate an anomaly without its evidence."""
    return []


def _offline_only(rule: AnomalyRule, w: Window, now) -> list[Candidate]:
    # The item as the case was filed under it (its version's snapshot), not as it is today.
    rows = list(
        Case.objects.filter(
            pk__in=w.changed(action="submit"),
            channel__in=(Channel.WINDOW, Channel.POST),
            item_version__snapshot__online=True,
            item_version__snapshot__visits=0,
        )  # fmt: skip
        .exclude(_raised(rule, key=None))
        .values_list("pk", "number", "item__department_id", "channel")
    )
    events = _events_by_case([r[0] for r in rows], ("submit",))
    text = _("办件%(n)s：可全程网办的事项经%(c)s收件")
    return [Candidate(pk, dept, 0, text % {"n": number, "c": Channel(channel).label}, events[pk])
            for pk, number, dept, channel in rows]  # fmt: skip


def _edited_after_conclusion(rule: AnomalyRule, w: Window, now) -> list[Candidate]:
    rows = (
        CaseEvent.objects.filter(id__gt=w.event_low, from_state__in=CONCLUDED_STATES)
        .exclude(action__in=ALLOWED_AFTER_CONCLUSION)
        .order_by("id")
        .values_list("id", "case_id", "case__number", "case__item__department_id", "action")
    )
    text = _("办件%(n)s办结后仍有操作：%(a)s")
    out = _per_case(rule, rows, lambda number, action: text % {"n": number, "a": action})
    return out + _edited_in_audit(rule, w, text)


def _edited_in_audit(rule: AnomalyRule, w: Window, text: str) -> list[Candidate]:
    """Audit events on a case written outside the cases services (their own actions all start with
    ``cases.`` and come with a timeline row, read above) after it was concluded; key: −(audit id)."""
    audits = list(
        AuditEvent.objects.filter(id__gt=w.audit_low, object_type="cases.case")
        .exclude(action__startswith="cases.")
        .values_list("id", "object_id", "action", "occurred_at")
    )
    ids = {int(object_id) for _pk, object_id, _a, _o in audits if object_id.isdigit()}
    cases = {
        pk: (number, dept, concluded)
        for pk, number, dept, concluded in Case.objects.filter(
            pk__in=ids, concluded_at__isnull=False
        ).values_list("pk", "number", "item__department_id", "concluded_at")
    }
    out = []
    for pk, object_id, action, occurred in audits:
        found = cases.get(int(object_id)) if object_id.isdigit() else None
        if found is not None and occurred > found[2]:
            out.append(
                Candidate(int(object_id), found[1], -pk, text % {"n": found[0], "a": action}, audits=[pk])
            )
    return out


BUILTIN = {
    rules.OVERDUE: overdue,
    rules.STEP_OVERDUE: step_overdue,
    rules.REFUSED_NO_REASON: _refused_without_reason,
    rules.ACCEPTED_LATE: _accepted_late,
    rules.SUSPENSION_OVERRUN: suspension_overrun,
    rules.MISSING_STEP: _missing_step,
    rules.FEE_OFF_SCHEDULE: _fee_off_schedule,
    rules.OFFLINE_ONLY: _offline_only,
    rules.EDITED_AFTER_CONCLUSION: _edited_after_conclusion,
}


# --- configured rules -------------------------------------------------------------------------------------


def _event_rule(rule: AnomalyRule, w: Window, now) -> list[Candidate]:
    events = rules.event_rule_events(rule, CaseEvent.objects.filter(id__gt=w.event_low))
    rows = events.order_by("id").values_list("id", "case_id", "case__number", "case__item__department_id")
    text = _("%(r)s：办件%(n)s")
    return _per_case(rule, rows, lambda number: text % {"r": rule.name, "n": number})


def _rate_rule(rule: AnomalyRule, w: Window, now) -> list[Candidate]:
    if not w.full:
        return []
    period = timezone.localdate(now).toordinal() // rule.rate_window_days  # once per window per unit
    rows = rules.rate_rows(rule, now)
    names = dict(Department.objects.filter(pk__in=[r["department"] for r in rows]).values_list("pk", "name"))
    label = rules.RATE_METRICS[rule.rate_metric][0].split("（")[0]
    text = _("%(r)s：%(u)s近%(d)s天%(m)s为%(v)s%%（%(a)s/%(b)s），超过阈值%(t)s%%")
    out = []
    for row in rows:
        rate = row["numerator"] / row["denominator"]
        measure = {"numerator": row["numerator"], "denominator": row["denominator"], "rate": round(rate, 4),
                   "window_days": rule.rate_window_days, "threshold": str(rule.rate_threshold),
                   "from": (now - dt.timedelta(days=rule.rate_window_days)).isoformat(), "to": now.isoformat()}  # fmt: skip
        summary = text % {"r": rule.name, "u": names.get(row["department"], ""), "d": rule.rate_window_days,
                          "m": label, "v": f"{rate * 100:.1f}", "a": row["numerator"], "b": row["denominator"],
                          "t": f"{rule.rate_threshold * 100:.1f}"}  # fmt: skip
        out.append(Candidate(None, row["department"], period, summary, cases=rules.rate_cases(rule, row["department"], now),
                             measure=measure))  # fmt: skip
    return out


def _evaluator(rule: AnomalyRule):
    if rule.kind == RuleKind.EVENT:
        return _event_rule
    if rule.kind == RuleKind.RATE:
        return _rate_rule
    return BUILTIN.get(rule.code)


# --- raising -----------------------------------------------------------------------------------------------


def _fresh(rule: AnomalyRule, candidates: list[Candidate]) -> list[Candidate]:
    """Drop facts already raised and subjects with an open anomaly of the rule; one per subject."""
    on_case = [c for c in candidates if c.case_id is not None]
    on_unit = [c for c in candidates if c.case_id is None]
    known = Anomaly.objects.filter(rule=rule)
    seen = set(known.filter(case_id__in={c.case_id for c in on_case}).values_list("case_id", "key"))
    busy = set(
        known.filter(case_id__in={c.case_id for c in on_case}, state=AnomalyState.OPEN).values_list(
            "case_id", flat=True
        )
    )
    units = known.filter(case__isnull=True, department_id__in={c.department_id for c in on_unit})
    seen |= {(("unit", d), k) for d, k in units.values_list("department_id", "key")}
    busy |= {
        ("unit", d) for d in units.filter(state=AnomalyState.OPEN).values_list("department_id", flat=True)
    }
    out, taken = [], set()
    for c in candidates:
        subject = c.case_id if c.case_id is not None else ("unit", c.department_id)
        if (subject, c.key) in seen or subject in busy or subject in taken:
            continue
        taken.add(subject)
        out.append(c)
    return out


def _raise(rule: AnomalyRule, candidates: list[Candidate], now, run) -> int:
    fresh = _fresh(rule, candidates) if candidates else []
    if not fresh:
        return 0
    rows = []
    for c in fresh:
        evidence = {"case_events": sorted(c.events)[-rules.EVIDENCE_MAX :], "audit_events": c.audits}
        if c.cases:
            evidence["cases"] = c.cases
        rows.append(Anomaly(rule=rule, case_id=c.case_id, department_id=c.department_id, key=c.key,
                            severity=rule.severity, summary=c.summary[:200], evidence=evidence, measure=c.measure,
                            detected_at=now, run=run))  # fmt: skip
    # What this run raised: open rows of the rule detected at this instant (index: state, detected_at).
    raised = Anomaly.objects.filter(state=AnomalyState.OPEN, detected_at=now, rule=rule)
    before = raised.count()
    Anomaly.objects.bulk_create(rows, ignore_conflicts=True)  # a concurrent sweep may have raised some
    return raised.count() - before


def evaluate(*, now: dt.datetime, window: Window, run=None) -> dict[str, int]:
    """Evaluate every enabled rule over ``window``; returns anomalies raised per rule code."""
    raised = {}
    for rule in AnomalyRule.objects.filter(enabled=True).order_by("kind", "code"):
        evaluator = _evaluator(rule)
        if evaluator in SET_BASED:
            raised[rule.code] = evaluator(rule, window, now, run)
        elif evaluator is not None:
            raised[rule.code] = _raise(rule, evaluator(rule, window, now), now, run)
    return raised


def run(*, now: dt.datetime | None = None, run: int | None = None) -> dict[str, int] | None:
    """The ``anomalies`` phase: one transaction; None when another sweep holds the phase."""
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        if not _locked("anomalies"):
            return None
        rules.rules_seed()  # no-op when present (a flushed test database has none)
        window = _window(now)
        raised = evaluate(now=now, window=window, run=run)
        AnomalyScan.objects.create(run=run, now=now, full=window.full, event_high=window.event_high,
                                   audit_high=window.audit_high, report=raised)  # fmt: skip
        AnomalyScan.objects.filter(now__lt=now - SCANS_KEPT).delete()
    return {"full": int(window.full), "raised": sum(raised.values())}


def escalate_orders(*, now: dt.datetime | None = None, run: int | None = None) -> dict[str, int]:
    """The ``orders`` phase: overdue supervision orders escalated once (supervision.orders)."""
    from govhall.supervision.orders import orders_escalate

    return {"escalated": orders_escalate(now=now or timezone.now())}
