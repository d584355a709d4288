"""The supervision sweep (`govhall supervise`, every minute by huey): see docs/adr/0010-supervision-sweep.md.

Phases, each its own transaction and each idempotent, so a sweep killed midway leaves every phase
done or not done and the next run completes the rest:

1. ``deem_accept``          行政许可法 Art. 32 (cases.services.cases_deem_accepted);
2. ``expire_undertakings``  容缺受理 deadlines (cases.undertakings.cases_expire_undertakings);
3. ``calendar``             one Alert per year whose working-day calendar is still provisional;
   ``anomalies``            every enabled anomaly rule (sweep_anomalies.run);
   ``orders``               overdue supervision orders escalated once (sweep_anomalies.escalate_orders);
4. ``case_clocks``          colours of every case's promised and legal clocks, their cards and SMS;
5. ``step_clocks``          colours of every active step's clock, their cards and SMS.

Phases 4 and 5 compare every clock (full: the first run, then at least hourly) or only the clocks
that may have changed since the last run (incremental). On PostgreSQL the anomalies and the two
colour phases run last, in two lanes at once (``LANES``: anomalies then case clocks; step clocks),
one connection each. Phases 3–5 take a PostgreSQL advisory lock (``pg_try_advisory_xact_lock``): a
second sweep running at the same time skips them instead of queueing behind the first. The lock
saves work only: the statements themselves never double anything (sweep_sql.py). A failing phase
does not stop the others; SweepFailed is raised once every phase has had its turn.
"""

import datetime as dt
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from govhall.core import outbox
from govhall.core.crypto import decrypt
from govhall.core.models import CalendarYear, OutboxMessage
from govhall.supervision import sweep_anomalies, sweep_sql
from govhall.supervision.models import Alert, Level, Rule, SweepPhase, SweepRun, Warning

logger = logging.getLogger(__name__)

# Keys of the advisory locks that let one sweep at a time run each locked phase ("GOVSUPV" + n).
LOCK_KEY = 0x474F5653555056
LOCK_KEYS = {"calendar": LOCK_KEY, "case_clocks": LOCK_KEY + 1, "step_clocks": LOCK_KEY + 2}
USE_LOCK = True  # tests turn it off to show that the statements alone never double anything
RUNS_KEPT = dt.timedelta(days=7)
_hook: Callable[[str], None] | None = None  # tests: called at named points inside a phase


def _checkpoint(name: str) -> None:
    if _hook is not None:
        _hook(name)


@dataclass
class SweepReport:
    run: int
    now: dt.datetime
    phases: dict[str, dict[str, int] | None] = field(default_factory=dict)  # None: skipped
    errors: dict[str, str] = field(default_factory=dict)
    milliseconds: dict[str, int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = []
        for name, counts in self.phases.items():
            if name in self.errors:
                text = f"failed ({self.errors[name]})"
            elif counts is None:
                text = "skipped"
            else:
                text = ", ".join(f"{k} {v}" for k, v in counts.items())
            out.append(f"{name}: {text} [{self.milliseconds.get(name, 0)} ms]")
        return out

    def as_dict(self) -> dict:
        return {"phases": self.phases, "errors": self.errors, "milliseconds": self.milliseconds}


class SweepFailed(Exception):
    """A phase failed (the others ran); ``report`` says what each phase did."""

    def __init__(self, report: SweepReport) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in report.errors.items()))
        self.report = report


# --- the lock -------------------------------------------------------------------------------------
def _locked(phase: str) -> bool | None:
    """Take the sweep lock until this transaction ends: True when this sweep runs the phase alone
    (the lock is held; on SQLite every transaction begins IMMEDIATE, so writers are serialised),
    None when it runs without the lock (tests: ``USE_LOCK`` off), False when another sweep holds it.

    On PostgreSQL the phase's transaction also gets room to sort and hash a full sweep's rows in
    memory, and no JIT compilation (it costs more than it saves on these set-based statements).
    """
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute("SET LOCAL jit = off")
        if not USE_LOCK:
            return None
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK_KEYS[phase]])
        return bool(cursor.fetchone()[0])


# --- phases 1 and 2: the cases context's own sweeps ------------------------------------------------
def _deem_accept(*, now, run) -> dict[str, int]:
    from govhall.cases.services import cases_deem_accepted

    return {"accepted": cases_deem_accepted(now=now)}


def _expire_undertakings(*, now, run) -> dict[str, int]:
    from govhall.cases.undertakings import cases_expire_undertakings

    return {"expired": cases_expire_undertakings(now=now)}


# --- phase 3: the calendar alert --------------------------------------------------------------------
def _calendar(*, now, run) -> dict[str, int] | None:
    """DESIGN.md mechanism 1: a provisional year raises a supervision alert until it is published."""
    with transaction.atomic(durable=True):
        if _locked("calendar") is False:
            return None
        years = set(CalendarYear.objects.filter(provisional=True).values_list("year", flat=True))
        known = set(Alert.objects.filter(kind=Alert.Kind.CALENDAR_PROVISIONAL).values_list("year", flat=True))
        Alert.objects.bulk_create(
            [
                Alert(
                    kind=Alert.Kind.CALENDAR_PROVISIONAL,
                    key=f"{Alert.Kind.CALENDAR_PROVISIONAL}:{year}",
                    year=year,
                    message=_("%(y)s年工作日历为暂定日历（未录入国务院放假安排），请尽快导入正式安排。")
                    % {"y": year},
                    raised_at=now,
                )
                for year in sorted(years - known)
            ],
            ignore_conflicts=True,
        )
        resolved = (
            Alert.objects.filter(kind=Alert.Kind.CALENDAR_PROVISIONAL, resolved_at__isnull=True)
            .exclude(year__in=years)
            .update(resolved_at=now)
        )
    return {"raised": len(years - known), "resolved": resolved}


# --- phases 4 and 5: clock colours, cards and SMS -----------------------------------------------------
def _single(rule: str, level: str, number: str) -> str:
    """The text of an SMS for one new card."""
    yellow, red = _("【电子监察】黄牌预警：办件"), _("【电子监察】红牌警示：办件")
    tails = {
        (Rule.PROMISED, Level.YELLOW): _("承诺时限即将届满，请抓紧办理。"),
        (Rule.PROMISED, Level.RED): _("已超过承诺时限，请立即办理并说明原因。"),
        (Rule.LEGAL, Level.RED): _("已超过法定时限，请立即办理并说明原因。"),
        (Rule.STEP, Level.YELLOW): _("当前办理环节即将超时，请抓紧办理。"),
        (Rule.STEP, Level.RED): _("当前办理环节已超时，请立即办理。"),
    }
    return (red if level == Level.RED else yellow) + number + tails[(rule, level)]


def _digest(family: sweep_sql.Family, cards: int, red: int, number: str) -> str:
    """The text of an SMS for several new cards of one family (a backlog: ADR 0010)."""
    counts = {"n": cards, "red": red, "yellow": cards - red, "number": number}
    if family is sweep_sql.CASE:
        what = _("办件%(number)s等的办理时限即将届满或已超期")
    else:
        what = _("办件%(number)s等的当前办理环节即将超时或已超时")
    template = _(
        "【电子监察】您有%(n)s张新预警牌（红牌%(red)s张、黄牌%(yellow)s张）：%(what)s，请登录电子监察系统查看，抓紧办理。"
    )
    return template % (counts | {"what": what % counts})


def _queue_sms(cursor, family: sweep_sql.Family, params: dict) -> int:
    """One SMS per recipient of the cards this run raised in ``family`` (ADR 0010, "SMS").

    A recipient with one new card gets that card's text; with several, a digest (how many, how many
    red, one case number). The dedupe key ``warnings:<run>:<family>:<user>`` is unique because a card
    belongs to the one run that raised it, and is in the same transaction as the cards. Staff
    mobiles are SM4-encrypted: the recipients' (a few hundred at most) are decrypted here.
    """
    from django.contrib.auth import get_user_model

    cursor.execute(sweep_sql.DIGEST.format(family=sweep_sql.family_filter(family)), params)
    rows = cursor.fetchall()
    if not rows:
        return 0
    users = get_user_model().objects.filter(pk__in=[row[0] for row in rows]).exclude(mobile_cipher="")
    mobiles = {pk: decrypt(cipher) for pk, cipher in users.values_list("pk", "mobile_cipher")}
    firsts = {
        pk: (rule, level, number)
        for pk, rule, level, number in Warning.objects.filter(pk__in={row[3] for row in rows}).values_list(
            "pk", "rule", "level", "case__number"
        )
    }
    sent = timezone.now()
    messages = []
    for user_id, cards, red, first in rows:
        if user_id not in mobiles:
            continue
        rule, level, number = firsts[first]
        text = _single(rule, level, number) if cards == 1 else _digest(family, cards, red, number)
        messages.append(
            OutboxMessage(
                kind="sms",
                topic="supervision_warning",
                payload={"mobile": mobiles[user_id], "text": text},
                dedupe_key=f"warnings:{params['run']}:{family.name}:{user_id}",
                available_at=sent,
            )
        )
    OutboxMessage.objects.bulk_create(messages, ignore_conflicts=True)
    if messages:
        outbox.kick_after_commit()  # what outbox.enqueue does: ask a worker to deliver after commit
    return len(messages)


def _levels(cursor, family: sweep_sql.Family, params: dict) -> dict[str, int]:
    sql = sweep_sql.LEVEL_COUNTS.format(watch=sweep_sql.T["watch"], family=sweep_sql.family_filter(family))
    cursor.execute(sql, params)
    return dict(cursor.fetchall())


def _event_high(cursor) -> int:
    cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {sweep_sql.T['event']}")  # noqa: S608 (a table name)
    return cursor.fetchone()[0]


def _window(family: sweep_sql.Family, now: dt.datetime) -> tuple[dt.datetime, int] | None:
    """(since, event_low) for an incremental run of ``family``, or None for a full one.

    Full: the first run, a run after ``GOVHALL_SUPERVISION_FULL_MINUTES`` (default 60) without a
    full one, or a run whose instant is before the last one's. Incremental: deadlines in
    (since, now] plus the cases with a CaseEvent above ``event_low`` — the highest event id seen
    by a run at least ``GOVHALL_SUPERVISION_OVERLAP_SECONDS`` (300) earlier, so an event whose
    transaction committed after a later run had read the ids is still seen (ADR 0010).
    """
    full_every = dt.timedelta(minutes=getattr(settings, "GOVHALL_SUPERVISION_FULL_MINUTES", 60))
    overlap = dt.timedelta(seconds=getattr(settings, "GOVHALL_SUPERVISION_OVERLAP_SECONDS", 300))
    done = SweepPhase.objects.filter(phase=family.name)
    latest = done.order_by("-now").first()
    last_full = done.filter(full=True).order_by("-now").first()
    anchor = done.filter(now__lte=now - overlap).order_by("-now").first()
    if latest is None or last_full is None or anchor is None:
        return None
    if latest.now > now or now - last_full.now > full_every:
        return None
    return latest.now, anchor.event_high


def _clocks(family: sweep_sql.Family, *, now, run) -> dict[str, int] | None:
    params = {
        "now": connection.ops.adapt_datetimefield_value(now),
        "run": run,
        "escalated": _("时限转为红牌"),
        "resolved": _("时限已恢复正常或计时结束"),
    }
    with transaction.atomic(durable=True), connection.cursor() as cursor:
        alone = _locked(family.name)
        if alone is False:
            return None
        event_high = _event_high(cursor)  # before any read of the clocks
        window = _window(family, now)
        if window is not None:
            params |= {"since": connection.ops.adapt_datetimefield_value(window[0]), "event_low": window[1]}
        for sql in family.transitions(incremental=window is not None, exclusive=bool(alone)):
            cursor.execute(sql, params)
        cursor.execute(family.demotions(incremental=window is not None), params)
        _checkpoint(f"{family.name}:moved")
        levels = _levels(cursor, family, params)
        cursor.execute(family.escalated, params)
        cleared = cursor.rowcount
        cursor.execute(family.resolved, params)
        cleared += cursor.rowcount
        cursor.execute(
            family.raise_cards(exclusive=bool(alone), postgresql=connection.vendor == "postgresql"), params
        )
        raised = cursor.rowcount
        _checkpoint(f"{family.name}:raised")
        sms = _queue_sms(cursor, family, params)
        cursor.execute(sweep_sql.PURGE, params)
        SweepPhase.objects.create(
            run_id=run, phase=family.name, full=window is None, now=now, event_high=event_high
        )
    return {
        "full": int(window is None),
        "yellow": levels.get(Level.YELLOW, 0),
        "red": levels.get(Level.RED, 0),
        "normal": levels.get(Level.NORMAL, 0),
        "warnings_raised": raised,
        "warnings_cleared": cleared,
        "sms_queued": sms,
    }


def _case_clocks(*, now, run) -> dict[str, int] | None:
    return _clocks(sweep_sql.CASE, now=now, run=run)


def _step_clocks(*, now, run) -> dict[str, int] | None:
    return _clocks(sweep_sql.STEP, now=now, run=run)


Phase = Callable[..., dict[str, int] | None]
PHASES: tuple[tuple[str, Phase], ...] = (
    ("deem_accept", _deem_accept),
    ("expire_undertakings", _expire_undertakings),
    ("calendar", _calendar),
    ("anomalies", sweep_anomalies.run),
    ("orders", sweep_anomalies.escalate_orders),
)
CLOCK_PHASES: tuple[tuple[str, Phase], ...] = (("case_clocks", _case_clocks), ("step_clocks", _step_clocks))
# On PostgreSQL, after the other phases: lanes run at once, one connection each, their phases in turn.
# The anomalies and the two colour phases write disjoint tables and only read what the earlier phases
# committed; the anomalies go with the lighter colour phase (the step clocks are the longest).
LANES: tuple[tuple[str, ...], ...] = (("anomalies", "case_clocks"), ("step_clocks",))


def _timed(report: SweepReport, name: str, phase: Phase, *, now, run) -> Exception | None:
    started = time.perf_counter()
    error = None
    try:
        report.phases[name] = phase(now=now, run=run)
    except Exception as failure:  # one failing phase must not stop the others
        logger.exception("supervision sweep phase %s failed", name)
        report.phases[name] = None
        report.errors[name] = f"{type(failure).__name__}: {failure}"
        error = failure
    report.milliseconds[name] = round((time.perf_counter() - started) * 1000)
    return error


def _lane(report: SweepReport, phases: list[tuple[str, Phase]], *, now, run) -> list[Exception | None]:
    try:
        return [_timed(report, name, phase, now=now, run=run) for name, phase in phases]
    finally:
        connection.close()  # this thread's connection


def _parallel() -> bool:
    """The lanes touch disjoint rows: on PostgreSQL they run at once, one connection each (a full
    sweep is mostly writing rows, and a second core halves it). Not inside an open
    transaction (a test's): another connection could not see its rows."""
    return (
        connection.vendor == "postgresql"
        and not connection.in_atomic_block
        and getattr(settings, "GOVHALL_SUPERVISION_PARALLEL", True)
    )


def sweep_run(*, now: dt.datetime | None = None) -> SweepReport:
    """Run every phase once at ``now`` (default: the current instant); returns what each changed."""
    now = now or timezone.now()
    run = SweepRun.objects.create(now=now, started_at=timezone.now())
    report = SweepReport(run=run.pk, now=now)
    if _parallel():
        laned = {name for lane in LANES for name in lane}
        phases = dict(PHASES + CLOCK_PHASES)
        errors = [_timed(report, n, p, now=now, run=run.pk) for n, p in PHASES if n not in laned]
        with ThreadPoolExecutor(max_workers=len(LANES), thread_name_prefix="supervise") as pool:
            futures = [
                pool.submit(_lane, report, [(n, phases[n]) for n in lane], now=now, run=run.pk)
                for lane in LANES
            ]
            errors += [error for future in futures for error in future.result()]
    else:
        errors = [_timed(report, name, phase, now=now, run=run.pk) for name, phase in PHASES + CLOCK_PHASES]
    report.phases = {name: report.phases[name] for name, _phase in PHASES + CLOCK_PHASES}  # in order
    SweepRun.objects.filter(pk=run.pk).update(finished_at=timezone.now(), report=report.as_dict())
    SweepRun.objects.filter(started_at__lt=timezone.now() - RUNS_KEPT).delete()
    first_error = next((error for error in errors if error is not None), None)
    if first_error is not None:
        raise SweepFailed(report) from first_error
    return report
