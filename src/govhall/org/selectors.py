"""Reads of the organisation that pages, the API and reports need (STYLE.md §2, §9)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from govhall.core.errors import ValidationFailed
from govhall.org.access import scope_staff
from govhall.org.models import Delegation, Department, Site, SiteKind, Staff, Window

# Power names used by other contexts → the flag that carries each (两集中、两到位).
POWER_FLAGS = {"decide": "can_decide", "review_report": "can_review_report", "seal": "can_use_seal"}
KIND_ORDER = {
    SiteKind.CENTRE: 0,
    SiteKind.SUB_CENTRE: 1,
    SiteKind.TOWNSHIP: 2,
    SiteKind.COMMUNITY: 3,
    SiteKind.VILLAGE: 4,
}
CHINESE_DIGITS = "〇一二三四五六七八九"


def department_list(kind: str | None = None, *, active_only: bool = False) -> QuerySet[Department]:
    """Departments with their counts of active windows and staff (one query)."""
    qs = Department.objects.annotate(
        window_count=Count("windows", filter=Q(windows__active=True), distinct=True),
        staff_count=Count("staff", filter=Q(staff__active=True), distinct=True),
    )
    if kind:
        qs = qs.filter(kind=kind)
    if active_only:
        qs = qs.filter(active=True)
    return qs.order_by("sort", "code")


@dataclass
class SiteNode:
    site: Site
    children: list[SiteNode] = field(default_factory=list)
    depth: int = 0

    def walk(self):
        """This node and its descendants, depth first (for flat rendering)."""
        yield self
        for child in self.children:
            yield from child.walk()


def _sort_key(site: Site):
    return (KIND_ORDER.get(site.kind, 9), site.code)


def site_tree(sites: QuerySet[Site] | None = None) -> list[SiteNode]:
    """The hierarchy as root nodes, built in Python from one query.

    A root is a site whose parent is not among ``sites`` (the centre, or the top of a user's scope).
    """
    rows = list((sites if sites is not None else Site.objects.all()).select_related("department"))
    nodes = {s.pk: SiteNode(site=s) for s in sorted(rows, key=_sort_key)}
    roots = []
    for node in nodes.values():
        parent = nodes.get(node.site.parent_id)
        (parent.children if parent else roots).append(node)
    stack = [(root, 0) for root in roots]
    while stack:
        node, depth = stack.pop()
        node.depth = depth
        stack.extend((child, depth + 1) for child in node.children)
    return roots


def site_get(code: str) -> Site | None:
    return Site.objects.select_related("parent", "department").filter(code=code).first()


def market_days_label(digits: str) -> str:
    """ "147" → "逢一、四、七" (0 is read 十: days 10, 20, 30)."""
    if not digits:
        return ""
    names = ["十" if d == "0" else CHINESE_DIGITS[int(d)] for d in digits]
    return "逢" + "、".join(names)


def _is_workday(day: date) -> bool:
    try:
        from govhall.core.workdays import is_workday
    except ImportError:  # the calendar module is optional here: Monday–Friday then
        return day.isoweekday() <= 5
    return is_workday(day)


def site_open_on(site: Site, day: date) -> bool:
    """Whether a site opens on ``day``.

    A village station opens on the working days whose day of month ends in one of its market-day
    digits (逢场日). Other sites open on working days whose weekday they list; an adjusted working
    weekend day (调休上班) opens them too, as the State Council schedule makes it a working day.
    """
    if not site.active or not _is_workday(day):
        return False
    if site.kind == SiteKind.VILLAGE:
        return str(day.day % 10) in site.market_day_digits
    weekday = day.isoweekday()
    return str(weekday) in site.open_weekdays or weekday >= 6


def window_list(site: Site | None = None, department: Department | None = None, *, active_only: bool = True):
    """Windows with their site, department and served items (three queries in all)."""
    qs = Window.objects.select_related("site", "department").prefetch_related(
        Prefetch("items", queryset=_item_queryset())
    )
    if site is not None:
        qs = qs.filter(site=site)
    if department is not None:
        qs = qs.filter(department=department)
    if active_only:
        qs = qs.filter(active=True)
    return qs.order_by("site__code", "number")


def _item_queryset():
    # The reverse accessor belongs to catalog.ServiceItem; org must not import catalog (DESIGN.md arrows).
    model = Window._meta.get_field("items").related_model
    return model.objects.only("pk", "code", "name").order_by("code")


def staff_list(
    user, *, department: Department | None = None, site: Site | None = None, role: str | None = None,
    active: bool | None = True,
) -> QuerySet[Staff]:  # fmt: skip
    """Staff the user's scope allows, filtered; raises PermissionDenied for non-staff."""
    qs = scope_staff(user).select_related("department", "site", "window")
    if department is not None:
        qs = qs.filter(department=department)
    if site is not None:
        qs = qs.filter(site=site)
    if role:
        qs = qs.filter(role=role)
    if active is not None:
        qs = qs.filter(active=active)
    return qs.order_by("employee_no")


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def delegation_active(*, chief: Staff, department: Department, power: str, on: date) -> Delegation | None:
    """The delegation giving ``chief`` the ``power`` for ``department`` on day ``on``, if any.

    A revocation takes effect on the day it is made: decisions taken before it stay covered.
    """
    flag = POWER_FLAGS.get(power)
    if flag is None:
        raise ValidationFailed(
            _("未知的授权类型：%(p)s。") % {"p": power}, code="org.powers_invalid", field="power"
        )
    not_revoked = Q(revoked_at__isnull=True) | Q(revoked_at__gte=_day_start(on + timedelta(days=1)))
    return (
        Delegation.objects.filter(
            not_revoked, chief=chief, department=department, valid_from__lte=on, valid_to__gte=on
        )
        .filter(**{flag: True})
        .order_by("-valid_from")
        .first()
    )


def delegation_list(user, *, chief: Staff | None = None) -> QuerySet[Delegation]:
    """Delegations in the user's scope (by department), newest first, with chief and department."""
    from govhall.org.access import scope_of

    scope = scope_of(user)
    qs = Delegation.objects.select_related("chief", "department")
    if not scope.everything:
        qs = qs.filter(department_id__in=scope.department_ids)
    if chief is not None:
        qs = qs.filter(chief=chief)
    return qs.order_by("chief__employee_no", "-valid_from")


def chief_list(user) -> QuerySet[Staff]:
    """Active chief representatives in the user's scope."""
    return staff_list(user, role="chief").select_related(None).select_related("department")


def org_figures() -> dict[str, int]:
    """The organisation figures of the centre's work report (four queries)."""
    hall_kinds = (SiteKind.CENTRE, SiteKind.SUB_CENTRE)
    windows = Window.objects.filter(active=True, site__active=True).aggregate(
        windows=Count("pk"),
        hall_windows=Count("pk", filter=Q(site__kind__in=hall_kinds)),
        departments_stationed=Count(
            "department", filter=Q(site__kind__in=hall_kinds, department__active=True), distinct=True
        ),
    )
    sites = Site.objects.filter(active=True).aggregate(
        sub_centres=Count("pk", filter=Q(kind=SiteKind.SUB_CENTRE)),
        townships=Count("pk", filter=Q(kind=SiteKind.TOWNSHIP)),
        villages=Count("pk", filter=Q(kind=SiteKind.VILLAGE)),
        communities=Count("pk", filter=Q(kind=SiteKind.COMMUNITY)),
    )
    staff = Staff.objects.filter(active=True).aggregate(
        staff=Count("pk"), staff_at_windows=Count("pk", filter=Q(window__isnull=False))
    )
    figures = {**windows, **sites, **staff}
    figures["stations"] = figures["villages"] + figures["communities"]
    figures["departments"] = Department.objects.filter(active=True).count()
    return figures
