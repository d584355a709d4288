"""Today's work: ~150 cases moved through the real services, so their timeline, notices, steps,
seal uses, SMS (outbox) and audit records are exactly what a working day leaves behind.

Market regulation (市场监管局, window 06) gets the most: the demo ``clerk`` there has cases to accept,
conclude and deliver and pre-reviews to do; the ``inspector``, ``approver`` and ``chief`` each find
several tasks in "my tasks". The other departments get cases at every stage their staff can work.

A stage a department cannot reach (no one holds a step's role, or its chief has no seal power this
year) is taken as far as it goes; a service refusing a scenario is counted, reported and skipped,
so a rule changed elsewhere never stops ``make run``.
"""

import datetime as dt
import logging
import random
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils import timezone

from govhall.cases import decisions, processing, services
from govhall.cases import online as online_filing
from govhall.cases.models import ApplicantKind, Case, CaseStep, Channel, DeliveryMethod, StepTask
from govhall.cases.states import StepState, TaskState
from govhall.catalog.models import CountersignMode, ItemStatus, LimitUnit
from govhall.core.errors import DomainError
from govhall.core.models.users import User, UserKind
from govhall.demo import case_texts as texts
from govhall.demo.case_people import Applicant, People
from govhall.demo.case_world import MARKET, ItemInfo, World, load_world
from govhall.org.models import Role, Staff

log = logging.getLogger(__name__)
DEMO_USERNAMES = frozenset({"manager", "clerk", "chief", "approver", "inspector", "supervisor", "agent"})

OTHER_STAGES = {  # stage → how many cases of the other departments
    "received": 16, "notice": 5, "step": 34, "partly_signed": 3, "in_supplement": 5, "suspended": 5,
    "extended": 4, "decided": 8, "concluded": 8, "delivered": 8, "instant": 10, "refused": 2, "withdrawn": 2,
}  # fmt: skip


class Skip(Exception):
    """The scenario cannot go further here (nobody holds the next step's role)."""


@dataclass
class Today:
    world: World
    people: People
    rng: random.Random
    today: dt.date
    certificates: Counter = field(default_factory=Counter)
    stages: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    # --- people --------------------------------------------------------------------------------------

    def holder(self, department_id: int, role: str) -> Staff | None:
        """Who works a task: generated staff first, so the demo users keep their lists full; the
        demo inspector and chief when they are their department's only ones."""
        people = self.world.staff.get((department_id, role), [])
        pool = [s for s in people if s.user.username not in DEMO_USERNAMES] or people
        if role == Role.CHIEF:  # a chief signs only under a grant to decide and seal, in force today
            pool = [s for s in pool if self.world.delegation(s, self.today)]
        return self.rng.choice(pool) if pool else None

    def clerk(self, info: ItemInfo, *, demo: bool = False, site=None) -> Staff:
        if demo:
            return next(
                s for people in self.world.clerks.values() for s in people if s.user.username == "clerk"
            )
        return self.world.clerk(info, self.rng, site=site)

    def applicant(self, info: ItemInfo) -> Applicant:
        kind = self.rng.choice(info.kinds or (ApplicantKind.PERSON,))
        return self.people.pick(kind)

    # --- the steps -------------------------------------------------------------------------------------

    def reachable(self, info: ItemInfo) -> int:
        """How many processing steps of the item its departments' staff can sign today."""
        for k, spec in enumerate(info.flow):
            codes = list(spec.get("countersign_departments") or []) or [spec.get("department") or ""]
            for code in codes:
                department = self.world.by_code.get(code) or info.item.department
                if self.holder(department.pk, spec["role"]) is None:
                    return k
        return len(info.flow)

    def work_step(self, case: Case, *, seats: int | None = None) -> None:
        """Sign the pending tasks of the case's active step (``seats``: only that many)."""
        step = CaseStep.objects.get(case=case, state=StepState.ACTIVE)
        signed = 0
        while seats is None or signed < seats:
            task = StepTask.objects.filter(
                step=step, state=TaskState.PENDING, kind=StepTask.Kind.SIGN
            ).first()
            if task is None:
                return
            staff = self.holder(task.department_id, step.role)
            if staff is None:
                raise Skip
            comment = self.rng.choice(texts.comments(step.role, "approve"))
            processing.task_complete(task=task, opinion="approve", comment=comment, actor=staff.user)
            signed += 1
            if not CaseStep.objects.filter(pk=step.pk, state=StepState.ACTIVE).exists():
                return


def _eligible(world: World) -> list[ItemInfo]:
    return [i for i in world.items if i.item.status == ItemStatus.RETAINED and not i.has_precondition]


def load_current(*, seed: int) -> dict[str, int]:
    rng = random.Random(seed + 1)
    world = load_world(rng)
    ctx = Today(world=world, people=People(random.Random(seed + 2), persons=300, enterprises=80), rng=rng,
                today=timezone.localdate())  # fmt: skip
    _seed_certificates(ctx)
    items = _eligible(world)
    market = [i for i in items if i.item.department.code == MARKET]
    others = [i for i in items if i.item.department.code != MARKET]
    scenarios = (
        _market_scenarios(ctx, market) + _other_scenarios(ctx, others) + _zhang_san_scenarios(ctx, others)
    )
    before = Case.objects.count()
    for stage, info, options in scenarios:
        _run(ctx, stage, info, **options)
    if ctx.failures:
        log.warning("demo: %d current scenarios refused: %s", len(ctx.failures), "; ".join(ctx.failures[:5]))
    return {"cases_current": Case.objects.count() - before, "cases_current_refused": len(ctx.failures)}


def _seed_certificates(ctx: Today) -> None:
    year = ctx.today.year
    issued = (
        Case.objects.filter(result_code=0, concluded_at__year=year)
        .values("item__department")
        .annotate(n=Count("pk"))
    )
    for row in issued:
        ctx.certificates[(row["item__department"], year)] = row["n"]


def _market_scenarios(ctx: Today, market: list[ItemInfo]) -> list[tuple]:
    """The demo staff's day at market regulation (window 06)."""
    promised = [i for i in market if not i.instant]
    inspected = [i for i in promised if i.flow and i.flow[0]["role"] == Role.INSPECTOR]
    plain = [i for i in promised if i not in inspected]
    instant = [i for i in market if i.instant]
    online = [i for i in promised if i.item.online and ApplicantKind.ENTERPRISE in i.kinds]
    pick = ctx.rng.choice
    tolerant = [i for i in inspected if i.item.tolerant and i.minor]
    commitment = [i for i in promised if i.item.commitment]
    plan = [("received", pick(promised), {"demo_clerk": True}) for _ in range(5)]
    plan += [("notice", pick(promised), {"demo_clerk": True}) for _ in range(2)]
    plan += [("online", pick(online), {"returned": n == 0}) for n in range(3)]
    plan += [("step", pick(inspected), {"to": 0}) for _ in range(4)]
    plan += [("step", tolerant[0], {"to": 0, "mode": "tolerant"})] if tolerant else []
    plan += [("step", pick(plain), {"to": 0}) for _ in range(4)]
    plan += [("step", pick(inspected), {"to": 1}) for _ in range(2)]
    plan += [("step", commitment[0], {"to": 0, "mode": "commitment"})] if commitment else []
    plan += [
        ("step", i, {"to": len(i.flow) - 1})
        for i in (pick(plain), pick(plain), pick(inspected), pick(inspected))
    ]
    for stage in ("in_supplement", "suspended", "extended"):
        plan.append((stage, pick(promised), {}))
    plan += [(stage, pick(promised), {}) for stage in ("decided", "concluded") for _ in range(3)]
    plan += [("delivered", pick(promised), {}) for _ in range(2)]
    plan += (
        [("instant", pick(instant), {"demo_clerk": True, "deliver": n < 2}) for n in range(4)]
        if instant
        else []
    )
    plan += [("refused", pick(promised), {"demo_clerk": True}), ("withdrawn", pick(promised), {})]
    plan.append(("online_person", None, {}))
    return plan


def _zhang_san_scenarios(ctx: Today, items: list[ItemInfo]) -> list[tuple]:
    """张三 at a window today, his case at its first step (he files online as well: online_person)."""
    persons = [i for i in items if not i.instant and i.flow and ApplicantKind.PERSON in i.kinds]
    return [("step", ctx.rng.choice(persons), {"to": 0, "zhang_san": True})] if persons else []


def _other_scenarios(ctx: Today, others: list[ItemInfo]) -> list[tuple]:
    promised = [i for i in others if not i.instant and i.flow]
    instant = [i for i in others if i.instant]
    countersigned = [
        i for i in promised if any(s.get("countersign_mode") == CountersignMode.ALL for s in i.flow)
    ]
    plan = []
    for stage, count in OTHER_STAGES.items():
        for _n in range(count):
            if stage == "instant":
                plan.append((stage, ctx.rng.choice(instant), {"deliver": ctx.rng.random() < 0.4}))
            elif stage == "partly_signed" and countersigned:
                plan.append((stage, ctx.rng.choice(countersigned), {}))
            elif stage == "step":
                info = ctx.rng.choice(promised)
                plan.append((stage, info, {"to": ctx.rng.randrange(len(info.flow))}))
            elif stage != "partly_signed":
                plan.append((stage, ctx.rng.choice(promised), {}))
    return plan


def _run(ctx: Today, stage: str, info: ItemInfo | None, **options) -> None:
    try:
        SCENARIOS[stage](ctx, info, **options)
    except Skip:  # taken as far as the department's staff can take it
        return
    except DomainError as error:  # a rule changed elsewhere: report it, keep the demo going
        ctx.failures.append(f"{stage} {getattr(info, 'item', '')}: {error.code} {error.message}")
        return
    ctx.stages[stage] += 1


# --- the scenarios ---------------------------------------------------------------------------------


def _receive(ctx: Today, info: ItemInfo, *, demo_clerk: bool = False, zhang_san: bool = False):
    clerk = ctx.clerk(info, demo=demo_clerk)
    applicant = ctx.people.zhang_san if zhang_san else ctx.applicant(info)
    case = services.case_submit(
        item=info.item, site=clerk.window.site, channel=Channel.WINDOW, window=clerk.window,
        applicant_name=applicant.name, applicant_id_number=applicant.id_number, applicant_kind=applicant.kind,
        applicant=applicant.user, actor=clerk.user,
    )  # fmt: skip
    return case, clerk, applicant


def _accept(ctx: Today, info: ItemInfo, *, mode: str = "", **kwargs):
    case, clerk, applicant = _receive(ctx, info, **kwargs)
    if mode == "tolerant":
        owed = info.minor[:1]
        case = services.case_accept_tolerant(case=case, owed=owed, undertaking_text=texts.TOLERANT,
                                             deadline_workdays=_tolerant_days(info), actor=clerk.user)  # fmt: skip
    elif mode == "commitment":
        case = services.case_accept_commitment(case=case, undertaking_text=texts.COMMITMENT, actor=clerk.user)
    else:
        case = services.case_accept(case=case, actor=clerk.user)
    return case, clerk, applicant


def _tolerant_days(info: ItemInfo) -> str:
    promised = info.item.promised_limit
    if info.item.promised_limit_unit != LimitUnit.WORKDAY:
        return "1"
    return str(min(promised, 3)) if promised >= 1 else "0.5"


def _advance(ctx: Today, info: ItemInfo, to: int, **kwargs):
    """Accepted, with the first ``to`` processing steps signed (as far as the staff allow)."""
    case, clerk, applicant = _accept(ctx, info, **kwargs)
    for _k in range(min(to, ctx.reachable(info))):
        ctx.work_step(case)
    return Case.objects.get(pk=case.pk), clerk, applicant


def received(ctx, info, *, demo_clerk=False):
    _receive(ctx, info, demo_clerk=demo_clerk)


def notice(ctx, info, *, demo_clerk=False):
    case, clerk, _applicant = _receive(ctx, info, demo_clerk=demo_clerk)
    services.case_request_supplement(case=case, materials=_missing(ctx, info), actor=clerk.user)


def _missing(ctx: Today, info: ItemInfo) -> list[str]:
    materials = info.materials or ["申请表"]
    return ctx.rng.sample(materials, min(2, len(materials)))


def refused(ctx, info, *, demo_clerk=False):
    case, clerk, _applicant = _receive(ctx, info, demo_clerk=demo_clerk)
    services.case_refuse(case=case, reason=ctx.rng.choice(texts.REFUSALS), actor=clerk.user)


def withdrawn(ctx, info):
    case, clerk, _applicant = _accept(ctx, info)
    services.case_withdraw(case=case, reason=ctx.rng.choice(texts.WITHDRAWALS), actor=clerk.user)


def step(ctx, info, *, to: int, mode: str = "", zhang_san: bool = False):
    _advance(ctx, info, to, mode=mode, zhang_san=zhang_san)


def partly_signed(ctx, info):
    """At a countersign step with one department's signature in and the others awaited."""
    k = next(n for n, s in enumerate(info.flow) if s.get("countersign_mode") == CountersignMode.ALL)
    if ctx.reachable(info) <= k:
        raise Skip
    case, _clerk, _applicant = _advance(ctx, info, k)
    ctx.work_step(case, seats=1)


def in_supplement(ctx, info):
    case, _clerk, _applicant = _advance(ctx, info, ctx.rng.randrange(len(info.flow)))
    clerk = ctx.clerk(info, site=case.site)
    services.case_request_supplement(case=case, materials=_missing(ctx, info), actor=clerk.user)


def _handler(ctx: Today, info: ItemInfo) -> Staff:
    staff = ctx.holder(info.item.department_id, Role.APPROVER)
    if staff is None:
        raise Skip
    return staff


def suspended(ctx, info):
    kind = ctx.rng.choice(texts.special_kinds(info))
    handler = _handler(ctx, info)
    case, _clerk, _applicant = _advance(ctx, info, ctx.rng.randrange(len(info.flow)))
    decisions.case_special_start(case=case, kind=kind, reason=texts.SPECIAL_REASONS[kind],
                                 announced_workdays=ctx.rng.choice((5, 10, 15)), actor=handler.user)  # fmt: skip


def extended(ctx, info):
    handler = _handler(ctx, info)
    chief = ctx.holder(info.item.department_id, Role.CHIEF)
    legal = info.item.legal_limit
    if chief is None or legal < 10:
        raise Skip
    case, _clerk, _applicant = _advance(ctx, info, ctx.rng.randrange(len(info.flow)))
    workdays = 15 if info.item.legal_limit_unit == LimitUnit.WORKDAY and legal == 45 else 10
    decisions.case_extend(case=case, workdays=workdays, reason=ctx.rng.choice(texts.EXTENSIONS),
                          approver=chief.user, actor=handler.user)  # fmt: skip


def decided(ctx, info):
    if ctx.reachable(info) < len(info.flow):
        raise Skip
    return _advance(ctx, info, len(info.flow))


def concluded(ctx, info):
    case, clerk, applicant = decided(ctx, info)
    closer = ctx.clerk(info, site=case.site)
    number = texts.certificate_number(info.item.department, ctx.today, ctx.certificates)
    valid = ctx.today.replace(year=ctx.today.year + 5)
    case = decisions.case_conclude(case=case, result_code=0, certificate_no=number, certificate_valid_until=valid,
                                   actor=closer.user)  # fmt: skip
    return case, closer, applicant


def delivered(ctx, info):
    case, closer, applicant = concluded(ctx, info)
    decisions.case_deliver(case=case, method=DeliveryMethod.WINDOW, recipient_name=applicant.operator or applicant.name,
                           actor=closer.user)  # fmt: skip


def instant(ctx, info, *, demo_clerk=False, deliver=False):
    clerk = ctx.clerk(info, demo=demo_clerk)
    applicant = ctx.applicant(info)
    number = texts.certificate_number(info.item.department, ctx.today, ctx.certificates)
    case = services.case_handle_instant(
        item=info.item, site=clerk.window.site, window=clerk.window, applicant_name=applicant.name,
        applicant_id_number=applicant.id_number, applicant_kind=applicant.kind, result_code=0,
        certificate_no=number, certificate_valid_until=ctx.today.replace(year=ctx.today.year + 3), actor=clerk.user,
    )  # fmt: skip
    if deliver:
        decisions.case_deliver(case=case, method=DeliveryMethod.WINDOW,
                               recipient_name=applicant.operator or applicant.name, actor=clerk.user)  # fmt: skip


def online(ctx, info, *, returned=False):
    """The demo enterprise files online; the demo clerk pre-reviews (and returns one)."""
    user = User.objects.get(username="enterprise")
    data = {"applicant_name": user.org_name, "applicant_id_number": user.org_credit_code,
            "applicant_kind": ApplicantKind.ENTERPRISE, "联系人": user.real_name}  # fmt: skip
    draft = online_filing.draft_save(applicant=user, item=info.item, data=data, actor=user)
    case = online_filing.draft_submit(draft=draft, actor=user)
    if returned:
        clerk = ctx.clerk(info, demo=True)
        online_filing.case_pre_review(
            case=case, passed=False, reasons=texts.PRE_REVIEW_RETURNS[0], actor=clerk.user
        )


def online_person(ctx, _info):
    """张三 files online for a person's item; a generated citizen with an account does too."""
    people = [User.objects.get(username="applicant")]
    people += list(
        User.objects.filter(kind=UserKind.PERSON, username__startswith="demo_p").order_by("pk")[:2]
    )
    items = [
        i for i in _eligible(ctx.world) if i.item.online and ApplicantKind.PERSON in i.kinds and not i.instant
    ]
    for user in people:
        info = ctx.rng.choice(items)
        draft = online_filing.draft_save(
            applicant=user, item=info.item, data={"申请说明": "网上申请"}, actor=user
        )
        online_filing.draft_submit(draft=draft, actor=user)


SCENARIOS = {
    "received": received, "notice": notice, "refused": refused, "withdrawn": withdrawn, "step": step,
    "partly_signed": partly_signed, "in_supplement": in_supplement, "suspended": suspended,
    "extended": extended, "decided": decided, "concluded": concluded, "delivered": delivered,
    "instant": instant, "online": online, "online_person": online_person,
}  # fmt: skip
