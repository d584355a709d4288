"""What the demo cases are made of, read once from the demo city: items with their current
version and processing flow, windows, staff by window / department / role, stations and their
agents, and the chief representatives' delegations."""

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field

from govhall.cases.models import ApplicantKind, Case
from govhall.cases.processing import processing_flow
from govhall.catalog.models import CaseKind, ItemStatus, ItemVersion, LimitUnit, Precondition, ServiceItem
from govhall.org.models import Delegation, Department, Role, Site, SiteKind, Staff, Window

MARKET = "SCJ"  # market regulation: the department of the demo clerk, chief, approver and inspector


@dataclass
class ItemInfo:
    item: ServiceItem
    version: ItemVersion
    flow: list[dict]  # the processing steps of the version's flow (intake step left out)
    windows: list[Window]
    online_site: Site  # where an online filing is received (services._online_site)
    kinds: tuple[str, ...]  # applicant kinds the item serves
    minor: list[str]  # non-main materials: what a tolerant acceptance may leave owed
    materials: list[str]
    weight: float = 1.0
    has_precondition: bool = False

    @property
    def instant(self) -> bool:
        return self.item.case_kind == CaseKind.INSTANT

    @property
    def township(self) -> bool:
        return all(w.site.kind == SiteKind.TOWNSHIP for w in self.windows)


@dataclass
class World:
    centre: Site
    items: list[ItemInfo]
    departments: dict[int, Department]
    by_code: dict[str, Department]
    clerks: dict[int, list[Staff]]  # window id → clerks
    staff: dict[tuple[int, str], list[Staff]]  # (department id, role) → staff
    by_department: dict[int, list[Staff]]
    agents: dict[int, Staff]  # station id → its agent
    stations: list[Site]
    delegations: dict[int, list[Delegation]] = field(default_factory=dict)  # chief staff id → grants

    def signer(self, department_id: int, role: str, rng: random.Random) -> Staff | None:
        """Who works a step task of ``role`` in the department; a department without anyone in that
        role (a catalogue gap) has its task done by its approver, chief or, last, any of its staff."""
        for wanted in (role, Role.APPROVER, Role.CHIEF):
            people = self.staff.get((department_id, wanted))
            if people:
                return rng.choice(people)
        people = self.by_department.get(department_id)
        return rng.choice(people) if people else None

    def head(self, department_id: int, rng: random.Random) -> Staff:
        """Who approves an extension (行政许可法 Art. 42): the department's chief representative,
        else the centre's duty leader."""
        chiefs = self.staff.get((department_id, Role.CHIEF))
        if chiefs:
            return rng.choice(chiefs)
        leaders = [s for (_d, role), people in self.staff.items() if role == Role.DUTY_LEADER for s in people]
        return rng.choice(leaders) if leaders else self.signer(department_id, Role.APPROVER, rng)

    def clerk(self, info: ItemInfo, rng: random.Random, site: Site | None = None) -> Staff:
        """A clerk of a window serving the item, at ``site`` (or its township) when one is there."""
        windows = info.windows
        if site is not None:
            near = [w for w in windows if w.site_id in (site.pk, site.parent_id)]
            windows = near or windows
        for window in rng.sample(windows, len(windows)):
            if self.clerks.get(window.pk):
                return rng.choice(self.clerks[window.pk])
        raise LookupError(f"no clerk serves {info.item.code}")

    def delegation(self, chief: Staff, on: dt.date) -> Delegation | None:
        """The chief's grant in force on ``on`` with the powers to decide and to seal."""
        for grant in self.delegations.get(chief.pk, []):
            if grant.valid_from <= on <= grant.valid_to and grant.can_decide and grant.can_use_seal:
                if grant.revoked_at is None:
                    return grant
        return None


def _kinds(service_objects: str) -> tuple[str, ...]:
    kinds = []
    if "1" in service_objects:
        kinds.append(ApplicantKind.PERSON)
    if set(service_objects) - {"1"}:
        kinds.append(ApplicantKind.ENTERPRISE)
    return tuple(kinds)


def _online_site(windows: list[Window], centre: Site) -> Site:
    active = [w.site for w in windows if w.active and w.site.active]
    return min(active, key=lambda s: s.pk) if active else centre


def _items(centre: Site, rng: random.Random) -> list[ItemInfo]:
    windows: dict[int, list[Window]] = defaultdict(list)
    through = ServiceItem.windows.through.objects.select_related("window__site").order_by("window_id")
    for link in through:
        windows[link.serviceitem_id].append(link.window)
    needs = set(
        Precondition.objects.filter(status=ItemStatus.RETAINED, required_item__isnull=False).values_list(
            "item_id", flat=True
        )
    )
    current = {(v.item_id, v.version): v for v in ItemVersion.objects.order_by("pk")}
    infos = []
    for item in ServiceItem.objects.select_related("department").order_by("pk"):
        version = current.get((item.pk, item.version))
        if version is None or not windows[item.pk]:
            continue
        probe = Case(item=item, item_version=version)
        snapshot_materials = version.snapshot.get("materials", [])
        infos.append(
            ItemInfo(
                item=item, version=version, flow=processing_flow(probe), windows=windows[item.pk],
                online_site=_online_site(windows[item.pk], centre), kinds=_kinds(item.service_objects),
                minor=[m["name"] for m in snapshot_materials if not m.get("is_main", True)],
                materials=[m["name"] for m in snapshot_materials],
                weight=_weight(item, rng), has_precondition=item.pk in needs,
            )
        )  # fmt: skip
    return infos


def _weight(item: ServiceItem, rng: random.Random) -> float:
    """How often the item is applied for: everyday services far more than project approvals."""
    base = rng.lognormvariate(0, 0.9)
    if item.case_kind == CaseKind.INSTANT:
        base *= 2.5
    if item.category == "public_service":
        base *= 1.8
    if item.legal_limit_unit == LimitUnit.WORKDAY and item.legal_limit >= 20:
        base *= 0.6  # construction and land approvals are fewer
    return base


def load_world(rng: random.Random) -> World:
    centre = Site.objects.get(kind=SiteKind.CENTRE, parent__isnull=True)
    staff = list(Staff.objects.filter(active=True).select_related("user", "department", "site", "window"))
    clerks, by_role, by_department, agents = defaultdict(list), defaultdict(list), defaultdict(list), {}
    for person in staff:
        if person.role == Role.CLERK and person.window_id:
            clerks[person.window_id].append(person)
        if person.role == Role.AGENT:
            agents.setdefault(person.site_id, person)
        by_role[(person.department_id, person.role)].append(person)
        by_department[person.department_id].append(person)
    grants = defaultdict(list)
    for grant in Delegation.objects.order_by("-valid_from"):
        grants[grant.chief_id].append(grant)
    departments = {d.pk: d for d in Department.objects.all()}
    stations = Site.objects.filter(kind__in=(SiteKind.VILLAGE, SiteKind.COMMUNITY), pk__in=list(agents))
    return World(
        centre=centre, items=_items(centre, rng), departments=departments,
        by_code={d.code: d for d in departments.values()}, clerks=dict(clerks), staff=dict(by_role),
        by_department=dict(by_department), agents=agents,
        stations=list(stations.select_related("parent").order_by("pk")), delegations=dict(grants),
    )  # fmt: skip
