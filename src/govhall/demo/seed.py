"""``seed_demo``: load the believable demo city centre once (idempotent), then its cases.

The city loader writes through the ORM with bulk inserts rather than through the org/catalog
services: it creates a whole city in one transaction in a few seconds, and one audit event records
it. The cases are a second phase, idempotent on its own (``seed_demo_cases``, see ``load_cases``):
an existing demo database gains its cases on the next ``govhall seed_demo``.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F

from govhall.cases.models import Case, CaseEvent, Notice, StepTask
from govhall.cases.states import FINAL_STATES, CaseState
from govhall.catalog.models import ItemStatus, ItemVersion, Precondition, ServiceItem
from govhall.core import audit
from govhall.core.models.users import User
from govhall.demo.load_cases import CasesResult, load_cases
from govhall.demo.load_catalog import load_catalog
from govhall.demo.load_org import load_org
from govhall.demo.load_people import (
    demo_password_hash,
    load_delegations,
    load_manager_group,
    load_public_users,
    load_staff,
)
from govhall.org.models import Delegation, Department, Site, SiteKind, Staff, Window

CENTRE_CODE = "QL"  # the marker: when the centre site exists the demo is loaded


@dataclass
class SeedResult:
    created: bool
    counts: dict[str, int] = field(default_factory=dict)


def demo_counts() -> dict[str, int]:
    """What the demo city holds now (also used for the summary of a second, no-op run)."""
    stations = Site.objects.filter(kind__in=[SiteKind.VILLAGE, SiteKind.COMMUNITY])
    return {
        "departments": Department.objects.count(),
        "sites": Site.objects.count(),
        "townships": Site.objects.filter(kind=SiteKind.TOWNSHIP).count(),
        "stations": stations.count(),
        "windows": Window.objects.count(),
        "staff": Staff.objects.count(),
        "delegations": Delegation.objects.count(),
        "users": User.objects.count(),
        "items": ServiceItem.objects.count(),
        "items_cancelled": ServiceItem.objects.filter(status=ItemStatus.CANCELLED).count(),
        "preconditions_cancelled": Precondition.objects.filter(status=ItemStatus.CANCELLED).count(),
        "item_versions": ItemVersion.objects.count(),
    }


def case_counts() -> dict[str, int]:
    """What the demo cases hold now (printed by ``seed_demo`` after the cases phase)."""
    finished = (CaseState.CONCLUDED, *FINAL_STATES)
    return {
        "cases": Case.objects.count(),
        "cases_open": Case.objects.exclude(state__in=finished).count(),
        "cases_concluded": Case.objects.filter(state__in=(CaseState.CONCLUDED, CaseState.DELIVERED)).count(),
        "cases_late": Case.objects.filter(concluded_at__gt=F("promised_due_at")).count(),
        "cases_refused": Case.objects.filter(state=CaseState.REFUSED).count(),
        "cases_withdrawn": Case.objects.filter(state=CaseState.WITHDRAWN).count(),
        "cases_revoked": Case.objects.filter(state=CaseState.REVOKED).count(),
        "step_tasks_pending": StepTask.objects.filter(state="pending").count(),
        "case_events": CaseEvent.objects.count(),
        "notices": Notice.objects.count(),
    }


def seed_demo_cases() -> CasesResult:
    """The second phase: a year of cases and today's work, unless any case exists already."""
    result = load_cases()
    result.counts = {**result.counts, **case_counts()}
    return result


def demo_loaded() -> bool:
    return Site.objects.filter(code=CENTRE_CODE).exists()


def seed_demo() -> SeedResult:
    """Load the demo centre unless it is there already; a second call changes nothing."""
    if demo_loaded():
        return SeedResult(created=False, counts=demo_counts())
    return _load()


@transaction.atomic(durable=True)
def _load() -> SeedResult:
    # Re-check inside the transaction; a truly concurrent second loader fails on the unique
    # department and site codes and rolls back, leaving the first one's data intact.
    if demo_loaded():
        return SeedResult(created=False, counts=demo_counts())
    refs = load_org()
    password_hash = demo_password_hash()
    staff = load_staff(refs, password_hash)
    load_delegations(staff)
    load_manager_group()
    load_public_users(password_hash)
    catalog = load_catalog(refs)
    counts = demo_counts() | {k: v for k, v in catalog.items() if k not in ("items", "items_cancelled")}
    audit.record(action="demo.seed", object_type="org.site", object_id=str(refs.centre.pk), after=counts)
    return SeedResult(created=True, counts=counts)
