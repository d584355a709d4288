"""Demo cases: a year of history in every state, and today's work on the workbenches.

``govhall seed_demo`` runs this as its second phase, after the city (``seed.py``); it is idempotent
on its own: when any case exists it does nothing, so an existing demo database gains its cases on the
next ``seed_demo`` and a database holding real cases is never touched.

Design
------
1. **History** (~3,000 cases received over the past 365 days, the bulk) is built as rows and
   inserted with ``bulk_create`` in one durable transaction — not through the services, which act
   "now". Each case is a *plan* (``case_plans``: item, channel, place, applicant, minute of receipt,
   fate) *replayed* in memory (``case_history`` on a ``case_life.Life``) with the services' own
   pieces: the transition table and report codes of ``cases.states``, ``clocks.refresh`` / ``pause``
   / ``resume`` on the in-memory case, the notices' base facts and numbering, the engine's rounds and
   seats read from the item's current version snapshot (``case.item_version``). So every state,
   report status (1–15), deadline (legal, promised, warning, stop), step due date and timeline row
   is what the services would have written. A plan whose next instant lies after the present stops
   there: recent cases are still open — submitted, in pre-review, in supplement, suspended,
   accepted with an active step, decided, concluded awaiting delivery — with overdue ones among them.
   - Instants lie on a work line (``case_time``): 9:00–12:00 and 13:30–17:00 of working days
     (``core.workdays.is_workday``), so no event falls on a rest day or at night.
   - Actors are the demo staff: the clerk of a window serving the item (intake, conclusion,
     delivery), the department's approvers, inspectors and chief representative for the steps
     (a department lacking the role falls back to its approver, chief, then any of its staff),
     agents of village and community stations for agency filings — on the station's market days
     (``Site.market_day_digits``) — and the applicants themselves for online filings.
   - Channels: window ~65 %, online ~24 %, agency ~8 %, post ~3 %. Outcomes: mostly concluded and
     delivered (result 0 with a certificate number and validity; 1, 4, 5 and 6 with reasons), some
     refused at intake (4), withdrawn (2 before, 14 after acceptance), a few revoked (15, mostly
     false commitments); tolerant (容缺) and commitment (告知承诺) acceptances with their undertakings;
     supplements and special procedures pause the clocks; a few extensions; ~8 % concluded after
     the promised deadline, so figures and supervision have something to show.
   - Applicants are generated (``case_people``): fictitious names, resident IDs of a region code that
     does not exist (valid check characters), enterprises with valid credit codes, stored as keyed
     digests; online filers get a real-name account that cannot log in. The demo applicant 张三
     owns ~10 cases and the demo enterprise a few. Query passwords are digested as the services do;
     one case number and its password are printed for the public lookup.
   - Three cases wait at the window six working days after receipt: the Art. 32 sweep (deemed
     acceptance) has work; eight are stuck in processing weeks past their limit (red cards).
   - Simplifications, on purpose: no returns (退回) or transfers in the history; preconditions of
     items are not checked for the history's applicants; a chief's decision gets its seal-use row
     only when a grant to decide and seal was in force that day (``load_people`` grants last year's
     to every other chief); ``Case.created_at`` is the insertion time.
   - The history is not in the audit chain (its instants are in the past); one audit event
     ``demo.seed_cases`` records its counts.
2. **Current work** (~150 cases, ``case_current``) goes through the real services today, so its
   events, notices, steps, seal uses, outbox rows and audit records are genuine: received and waiting
   for the clerk, online pre-review (one returned), one-time notices, accepted cases at every
   processing step (countersign steps partly signed), supplements, special procedures, extensions,
   decided awaiting conclusion, concluded awaiting delivery, instant items. The demo ``clerk``,
   ``approver``, ``chief`` and ``inspector`` (market regulation, window 06) find several of them
   in their workbench.
3. **Time**: bulk inserts in batches; the services only for the current work. The phase takes
   about 10–12 s on SQLite and 14 s on PostgreSQL on a 2-core machine (``seed_demo`` prints it);
   ``seed_demo --no-cases`` loads the centre alone.
"""

import datetime as dt
import random
import time
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from govhall.cases.models import (
    ApplicantKind,
    Case,
    CaseEvent,
    CaseStep,
    Channel,
    Extension,
    Notice,
    SealUse,
    SpecialProcedure,
    StepTask,
    SupplementNotice,
    Undertaking,
)
from govhall.cases.selectors import password_digest
from govhall.cases.states import CaseState
from govhall.core import audit, workdays
from govhall.core.models import SerialCounter
from govhall.demo.case_history import Replay, make_case
from govhall.demo.case_life import Life, Rows
from govhall.demo.case_people import People
from govhall.demo.case_plans import HISTORY_DAYS, Fate, Plan, Planner
from govhall.demo.case_time import WorkLine
from govhall.demo.case_world import MARKET, World, load_world
from govhall.org.models import Staff

SEED = 20260315  # fixed: the same history on every machine (relative to its day)
HISTORY_CASES = 3000
ZHANG_SAN_HISTORY = 8
ENTERPRISE_HISTORY = 5
WAITING_FOR_SWEEP = 3  # received six working days ago, nobody acted: the Art. 32 sweep's work
STALLED = 8  # received two to four weeks ago, still in processing and overdue: red cards to show
BATCH = 1000


@dataclass
class CasesResult:
    created: bool
    counts: dict[str, int] = field(default_factory=dict)
    sample: tuple[str, str] | None = None  # (case number, query password) for the public lookup
    seconds: float = 0.0


def cases_loaded() -> bool:
    return Case.objects.exists()


def load_cases(*, now: dt.datetime | None = None) -> CasesResult:
    """Both phases; a second call (or any case in the database) changes nothing."""
    if cases_loaded():
        return CasesResult(created=False)
    started = time.monotonic()
    now = now or timezone.now()
    history = load_history(now=now)
    if not history.created:
        return history
    from govhall.demo.case_current import load_current

    current = load_current(seed=SEED)
    counts = {"cases_history": history.counts["cases"], **current,
              "applicant_accounts": history.counts["applicant_accounts"]}  # fmt: skip
    return CasesResult(created=True, counts=counts, sample=history.sample, seconds=time.monotonic() - started)


@transaction.atomic(durable=True)
def load_history(*, now: dt.datetime) -> CasesResult:
    if cases_loaded():  # re-checked inside the transaction; a concurrent loader fails on case numbers
        return CasesResult(created=False)
    workdays.invalidate()  # the calendar may just have been topped up (seed_demo's first run)
    rng = random.Random(SEED)
    today = timezone.localdate(now)
    first, last = workdays.calendar_range()  # plans may run past today; never past the calendar
    line = WorkLine(
        max(first, today - dt.timedelta(days=HISTORY_DAYS + 10)), min(last, today + dt.timedelta(days=400))
    )
    world = load_world(rng)
    people = People(rng)
    plans, serials = _plans(world, people, line, rng, today)
    rows, sample = Rows(), None
    now_minute = line.minute_before(now)
    for i, plan in enumerate(plans):
        case_rng = random.Random(SEED * 7 + i)
        password = f"{case_rng.randrange(10**6):06d}"
        case = make_case(plan, password_digest=password_digest(plan.number, password), people=people)
        life = Life(case=case, rows=rows, world=world, line=line, now_minute=now_minute)
        Replay(life, plan, case_rng).run()
        if sample is None and plan.applicant is people.zhang_san and case.state == CaseState.DELIVERED:
            sample = (case.number, password)
    accounts = people.save_accounts()
    counts = _insert(rows) | {"applicant_accounts": accounts}
    _serials(serials)
    audit.record(
        action="demo.seed_cases", object_type="org.site", object_id=str(world.centre.pk), after=counts
    )
    return CasesResult(created=True, counts=counts, sample=sample)


def _plans(world: World, people: People, line: WorkLine, rng: random.Random, today: dt.date):
    """The plans in order of receipt, numbered as ``core.serials`` numbers cases, and the counters."""
    planner = Planner(world=world, people=people, line=line, rng=rng, today=today)
    plans = [planner.plan(i) for i in range(HISTORY_CASES)]
    _own_cases(planner, plans, people, rng)
    _waiting(planner, plans, line, today)
    _stalled(planner, plans, line, today)
    plans.sort(key=lambda p: p.received)
    serials: dict[tuple[str, dt.date], int] = {}
    for plan in plans:
        day = line.date(plan.received)
        serials[(plan.site.code, day)] = serial = serials.get((plan.site.code, day), 0) + 1
        plan.number = f"{plan.site.code}{day:%Y%m%d}{serial:05d}"
    return plans, serials


def _own_cases(planner: Planner, plans: list[Plan], people: People, rng: random.Random) -> None:
    """The demo applicant 张三 and the demo enterprise file some of the history themselves."""
    usable = [i for i in planner.items if not i.has_precondition]
    persons = [i for i in usable if ApplicantKind.PERSON in i.kinds]
    enterprises = [i for i in usable if ApplicantKind.ENTERPRISE in i.kinds and i.item.online]
    market = [i for i in enterprises if i.item.department.code == MARKET] or enterprises
    for n in range(ZHANG_SAN_HISTORY):
        channel = Channel.ONLINE if n % 2 else Channel.WINDOW
        info = rng.choice([i for i in persons if i.item.online] if channel == Channel.ONLINE else persons)
        plan = planner.plan(len(plans), info=info, channel=channel)
        plan.applicant = people.zhang_san
        if n == 0:  # the case printed for the public lookup: an ordinary one, long finished
            plan.fate = Fate()
            plan.received = min(plan.received, planner.line.day_start(planner.days[-60]))
        plans.append(plan)
    for _n in range(ENTERPRISE_HISTORY):
        plan = planner.plan(len(plans), info=rng.choice(market), channel=Channel.ONLINE)
        plan.applicant = people.enterprise
        plans.append(plan)


def _waiting(planner: Planner, plans: list[Plan], line: WorkLine, today: dt.date) -> None:
    """Cases received six working days ago that nobody decided on (行政许可法 Art. 32); the first
    at the demo clerk's window."""
    yesterday = line.index[max(d for d in line.days if d < today)]
    day = line.days[yesterday - 5]  # its fifth working day ended last night
    clerk = Staff.objects.select_related("window__site", "user").filter(user__username="clerk").first()
    infos = [i for i in planner.items if not i.instant and not i.has_precondition]
    ours = [i for i in infos if clerk and clerk.window_id in {w.pk for w in i.windows}]
    for n in range(WAITING_FOR_SWEEP):
        pool = ours if n == 0 and ours else infos
        plan = planner.plan(len(plans), info=pool[n * 7 % len(pool)], channel=Channel.WINDOW)
        if pool is ours:
            plan.receiver, plan.window, plan.site = clerk, clerk.window, clerk.window.site
        plan.received = line.day_start(day) + 60 + 37 * n
        plan.fate.intake = "idle"
        plans.append(plan)


def _stalled(planner: Planner, plans: list[Plan], line: WorkLine, today: dt.date) -> None:
    """Cases stuck in processing past their promised limit, some at market regulation (the demo
    staff's department), so the workbench and supervision show red as well as yellow."""
    short = [i for i in planner.items if not i.instant and i.item.promised_limit <= 10 and i.flow]
    market = [i for i in short if i.item.department.code == MARKET] or short
    yesterday = line.index[max(d for d in line.days if d < today)]
    for n in range(STALLED):
        pool = market if n < 3 else short
        plan = planner.plan(len(plans), info=pool[n * 5 % len(pool)], channel=Channel.WINDOW)
        plan.received = line.day_start(line.days[yesterday - 12 - 2 * n]) + 45 * n
        plan.fate = Fate(stall=True)
        plans.append(plan)


def _insert(rows: Rows) -> dict[str, int]:
    models = [
        (Case, rows.cases), (CaseStep, rows.steps), (StepTask, rows.tasks), (Notice, rows.notices),
        (CaseEvent, rows.events), (SealUse, rows.seals), (Undertaking, rows.undertakings),
        (SpecialProcedure, rows.specials), (Extension, rows.extensions), (SupplementNotice, rows.supplements),
    ]  # fmt: skip
    for model, objs in models:
        model.objects.bulk_create(objs, batch_size=BATCH)
    return {
        "cases": len(rows.cases), "case_steps": len(rows.steps), "step_tasks": len(rows.tasks),
        "case_events": len(rows.events), "notices": len(rows.notices), "seal_uses": len(rows.seals),
    }  # fmt: skip


def _serials(serials: dict[tuple[str, dt.date], int]) -> None:
    """The daily case-number counters, as ``core.serials`` would have left them."""
    SerialCounter.objects.bulk_create(
        [SerialCounter(scope=f"case:{site}", day=day, value=value) for (site, day), value in serials.items()],
        batch_size=BATCH,
        ignore_conflicts=True,
    )
