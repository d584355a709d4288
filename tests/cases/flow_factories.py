"""Items with custom flows and the staff who work them (processing engine tests).

``world(mode=...)`` publishes an item of department SCJ whose flow is 受理 (clerk, the intake) →
承办 (approver of SCJ) → [会签 of three departments CS1..CS3 in ``mode``] → 批准 (SCJ's chief),
with one approver per countersign department, a chief holding a delegation and an inspector.
"""

import itertools
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from govhall.cases.models import Case, CaseCopy, CaseStep, SealUse, StepTask
from govhall.cases.services import case_accept, case_submit
from govhall.cases.states import StepState, TaskState
from govhall.catalog.services import item_create
from govhall.core.models import OutboxMessage
from govhall.org.models import Department, Role
from tests.cases import factories as f
from tests.catalog import factories as cat
from tests.org import factories as org

_codes = itertools.count(1)
COUNTERSIGN = (("CS1", "住房和城乡建设局"), ("CS2", "生态环境局"), ("CS3", "消防救援支队"))


def counts() -> dict[str, int]:
    """factories.counts() plus the processing tables and the outbox."""
    models = (CaseStep, StepTask, CaseCopy, SealUse, OutboxMessage)
    return f.counts() | {m.__name__: m.objects.count() for m in models}


def flow(
    *, mode: str = "none", ratio=None, departments=(), chief: bool = True, handle: bool = True
) -> list[dict]:
    steps = [{"name": "受理", "role": "clerk", "limit": Decimal("0.5")}]
    if handle:
        steps.append({"name": "承办", "role": "approver", "limit": Decimal("1")})
    if mode != "none":
        steps.append(
            {"name": "会签", "role": "approver", "limit": Decimal("1"), "countersign_mode": mode,
             "countersign_departments": list(departments), "pass_ratio": ratio}
        )  # fmt: skip
    if chief:
        steps.append({"name": "批准", "role": "chief", "limit": Decimal("1")})
    return [{"order": i, **s} for i, s in enumerate(steps, start=1)]


@dataclass
class World:
    item: object
    department: Department
    clerk: object
    handler: object  # approver of the item's department (承办)
    chief: object  # chief representative of the item's department (批准)
    inspector: object
    departments: list[Department] = field(default_factory=list)  # CS1..CS3
    signers: list = field(default_factory=list)  # one approver per countersign department

    def case(self) -> Case:
        """A case received at the window and accepted (round 1 running)."""
        case = case_submit(**f.submit_kwargs(self.item, self.clerk))
        return case_accept(case=case, actor=self.clerk)


def make_item(department: Department, steps: list[dict]):
    data = cat.item_data(code=f"11510100MB0000001X-{next(_codes):03d}", department=department)
    return item_create(data=data, materials=cat.materials(), fees=cat.fees(), flow=steps, actor=None)


def world(
    *, mode: str = "none", ratio=None, chief: bool = True, handle: bool = True, delegation: bool = True
):
    department = cat.department()
    countersign = (
        [cat.department(code=code, name=name) for code, name in COUNTERSIGN] if mode != "none" else []
    )
    item = make_item(
        department, flow(mode=mode, ratio=ratio, departments=countersign, chief=chief, handle=handle)
    )
    chief_staff = org.staff(role=Role.CHIEF, dept=department, name="王首席")
    if delegation:
        today = timezone.localdate()
        org.delegation(chief_staff, valid_from=today, valid_to=today + timedelta(days=365))
    return World(
        item=item, department=department, clerk=f.clerk(),
        handler=org.staff(role=Role.APPROVER, dept=department, name="赵承办").user, chief=chief_staff.user,
        inspector=org.staff(role=Role.INSPECTOR, dept=department, name="钱踏勘").user,
        departments=countersign,
        signers=[org.staff(role=Role.APPROVER, dept=d, name=f"会签{i}").user for i, d in enumerate(countersign, 1)],
    )  # fmt: skip


def approver(department: Department, name: str = "孙审批"):
    return org.staff(role=Role.APPROVER, dept=department, name=name).user


# --- reading the state ----------------------------------------------------------------------------


def active(case: Case) -> CaseStep | None:
    return CaseStep.objects.filter(case=case, state=StepState.ACTIVE).first()


def tasks(step: CaseStep, **filters) -> list[StepTask]:
    return list(StepTask.objects.filter(step=step, **filters).order_by("seq", "id"))


def pending(case: Case, department: Department | None = None) -> StepTask:
    """The one pending sign task of the active round (of ``department`` if given)."""
    qs = StepTask.objects.filter(step=active(case), state=TaskState.PENDING, kind="sign")
    if department is not None:
        qs = qs.filter(department=department)
    return qs.get()


def fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def photo(case: Case, actor, *, task: StepTask | None = None):
    """A site photo uploaded to the case (through cases.files), a real 2×2 PNG."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from govhall.cases.files import case_file_attach

    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), "green").save(buffer, format="PNG")
    upload = SimpleUploadedFile("现场.png", buffer.getvalue(), content_type="image/png")
    return case_file_attach(case=case, task=task, kind="photo", upload=upload, actor=actor)
