"""Supervision test data: an item with a two-step flow, the people around it, cases accepted at an
instant (through the cases services, with time moved by time_machine)."""

import datetime as dt
import itertools
import re
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

import time_machine

from govhall.cases.models import Case, CaseStep
from govhall.cases.services import case_accept, case_submit
from govhall.cases.states import StepState
from govhall.catalog.services import item_create
from govhall.core.models import OutboxMessage
from govhall.org.models import Department, Role
from govhall.supervision.models import ClockWatch, Warning
from govhall.supervision.sweep import sweep_run
from tests.cases import factories as f
from tests.catalog import factories as cat
from tests.org import factories as org

TZ = ZoneInfo("Asia/Shanghai")
_codes = itertools.count(1)


def at(month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, second, tzinfo=TZ)


@dataclass
class World:
    item: object
    department: Department
    clerk: object  # window clerk who accepts (the case's responsible person)
    approver: object  # works the 审核 step
    chief: object  # the department's chief representative: the leader told of every card
    supervisor: object

    def accept(self, when: dt.datetime) -> Case:
        """A case received and accepted at ``when`` (round 1 of 审核 starts then)."""
        with time_machine.travel(when, tick=False):
            case = case_submit(**f.submit_kwargs(self.item, self.clerk))
            return case_accept(case=case, actor=self.clerk)


def world(
    *, promised: int = 5, legal: int = 20, step_limit: str = "2", chief_limit: str | None = "1"
) -> World:
    """The flow 受理 (0.5) → 审核 (approver, ``step_limit``) → 批准 (chief, ``chief_limit``; None: no such
    step); the catalogue wants the steps' limits to fit in the promised limit."""
    department = cat.department()
    flow = [
        {"order": 1, "name": "受理", "role": "clerk", "limit": Decimal("0.5")},
        {"order": 2, "name": "审核", "role": "approver", "limit": Decimal(step_limit)},
    ]
    if chief_limit is not None:
        flow.append({"order": 3, "name": "批准", "role": "chief", "limit": Decimal(chief_limit)})
    data = cat.item_data(
        code=f"11510100MB0000001X-{next(_codes):03d}", department=department,
        promised_limit=Decimal(promised), legal_limit=Decimal(legal),
    )  # fmt: skip
    item = item_create(data=data, materials=cat.materials(), fees=cat.fees(), flow=flow, actor=None)
    return World(
        item=item, department=department,
        clerk=org.staff(role=Role.CLERK, dept=department, name="李窗口").user,
        approver=org.staff(role=Role.APPROVER, dept=department, name="赵审核").user,
        chief=org.staff(role=Role.CHIEF, dept=department, name="王首席").user,
        supervisor=org.staff(role=Role.SUPERVISOR, dept=cat.department("JCS", "监察室"), name="周监察").user,
    )  # fmt: skip


def sweep_at(when: dt.datetime):
    """One sweep with the clock of the whole process moved to ``when``."""
    with time_machine.travel(when, tick=False):
        return sweep_run()


def step_of(case: Case) -> CaseStep:
    return CaseStep.objects.get(case=case, state=StepState.ACTIVE)


def level(case: Case, rule: str, step: CaseStep | None = None) -> str:
    row = ClockWatch.objects.filter(case=case, rule=rule, step=step).first()
    return row.level if row else "normal"


def cards(case: Case, **filters) -> list[Warning]:
    return list(Warning.objects.filter(case=case, **filters).order_by("id"))


def open_cards(case: Case, **filters) -> list[tuple[str, str]]:
    return [(w.rule, w.level) for w in cards(case, cleared_at__isnull=True, **filters)]


def sms_of(card: Warning) -> list[OutboxMessage]:
    """The SMS that told of ``card``: its run's message to its person and to its leader (ADR 0010)."""
    family = "case_clocks" if card.step_id is None else "step_clocks"
    keys = [f"warnings:{card.run}:{family}:{user}" for user in (card.person_id, card.leader_id) if user]
    return list(OutboxMessage.objects.filter(dedupe_key__in=keys).order_by("id"))


def cards_told(message: OutboxMessage) -> int:
    """How many cards an SMS tells of: one, or the count at the head of a digest."""
    digest = re.search(r"您有(\d+)张新预警牌", message.payload["text"])
    return int(digest.group(1)) if digest else 1


def counts() -> dict[str, int]:
    from govhall.core.models import AuditEvent

    rows = {m.__name__: m.objects.count() for m in (ClockWatch, Warning, OutboxMessage)}
    return rows | {"AuditEvent": AuditEvent.objects.filter(success=True).count()}
