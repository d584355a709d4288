"""Every read of the catalogue that a page, the API or a report needs."""

from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from govhall.catalog.models import (
    FlowStep,
    ItemStatus,
    Precondition,
    ReportCategory,
    ServiceItem,
    Theme,
)
from govhall.catalog.pinyin import has_han, latin_key
from govhall.core.errors import NotFound, ValidationFailed

MAX_LIMIT = 100


@dataclass
class SearchResult:
    items: list[ServiceItem]
    total: int
    limit: int
    offset: int


def _term_filter(term: str) -> Q:
    """Chinese terms must appear in the name; Latin ones in the full pinyin, initials or code."""
    if has_han(term):
        return Q(name__contains=term)
    key = latin_key(term)
    if not key:
        return Q()
    return Q(pinyin__contains=key) | Q(pinyin_initials__contains=key) | Q(code__icontains=term)


def _rank(q: str) -> Case:
    # Lower is better: exact name, name prefix, initials (exact or prefix), then anything containing.
    key = latin_key(q)
    whens = [When(name=q, then=Value(0)), When(name__startswith=q, then=Value(1))]
    if key and not has_han(q):
        whens += [
            When(pinyin_initials=key, then=Value(2)),
            When(pinyin_initials__startswith=key, then=Value(3)),
            When(pinyin__startswith=key, then=Value(4)),
        ]
    return Case(*whens, default=Value(5), output_field=IntegerField())


def _filters(department, theme, service_object, category, include_cancelled: bool) -> Q:
    cond = Q() if include_cancelled else Q(status=ItemStatus.RETAINED)
    if department:
        cond &= Q(department__code=department) if isinstance(department, str) else Q(department=department)
    if theme:
        cond &= Q(themes__code=theme) if isinstance(theme, str) else Q(themes=theme)
    if service_object:
        cond &= Q(service_objects__contains=str(service_object))
    if category:
        cond &= Q(category=category)
    return cond


def item_search(
    q: str = "",
    *,
    department=None,
    theme=None,
    service_object=None,
    category: str | None = None,
    include_cancelled: bool = False,
    limit: int = 20,
    offset: int = 0,
) -> SearchResult:
    """Search by Chinese words (each must be in the name), full pinyin or initials (“yyzz” → 营业执照),
    ranked exact > prefix > initials > contains. Two queries: the count and the page."""
    q = (q or "").strip()[:64]
    limit, offset = max(1, min(int(limit), MAX_LIMIT)), max(0, int(offset))
    cond = _filters(department, theme, service_object, category, include_cancelled)
    for term in q.split():
        cond &= _term_filter(term)
    qs = ServiceItem.objects.filter(cond)
    if theme:  # a join through the M2M could repeat rows
        qs = qs.distinct()
    total = qs.count()
    qs = qs.select_related("department").annotate(rank=_rank(q)).order_by("rank", "name", "code")
    return SearchResult(items=list(qs[offset : offset + limit]), total=total, limit=limit, offset=offset)


def item_get(code: str) -> ServiceItem:
    """One item with everything its guide shows (cancelled items too: they show as cancelled)."""
    flow = FlowStep.objects.select_related("department").prefetch_related("countersign_departments")
    pre = Precondition.objects.select_related("required_item").order_by("status", "id")
    qs = ServiceItem.objects.select_related("department").prefetch_related(
        "materials",
        "fees",
        "faqs",
        "themes",
        Prefetch("flow_steps", queryset=flow),
        Prefetch("preconditions", queryset=pre),
        "windows__site",
    )
    try:
        return qs.get(code=code)
    except ServiceItem.DoesNotExist:
        raise NotFound(
            _("未找到编码为 %(code)s 的事项") % {"code": code}, code="catalog.item_not_found"
        ) from None


def theme_list() -> QuerySet[Theme]:
    return Theme.objects.all()


@dataclass
class CleanupFigures:
    """The clean-up paragraph of the work report for one period."""

    start: date
    end: date
    items_cancelled: int = 0
    cancelled_by_category: dict[str, int] = field(default_factory=dict)
    preconditions_cancelled: int = 0
    retained_by_category: dict[str, int] = field(default_factory=dict)

    @property
    def approvals_cancelled(self) -> int:
        """Cancelled licensing and non-licensing approval items (the report counts them together)."""
        return sum(
            self.cancelled_by_category.get(c, 0)
            for c in (ReportCategory.LICENSING, ReportCategory.NON_LICENSING)
        )

    @property
    def sentence(self) -> str:
        r = self.retained_by_category
        return _(
            "取消行政许可、非行政许可审批项目%(a)d项，取消前置条件%(p)d项，保留行政许可事项%(l)d项，"
            "非行政许可事项%(n)d项，公共服务事项%(s)d项"
        ) % {
            "a": self.approvals_cancelled,
            "p": self.preconditions_cancelled,
            "l": r.get(ReportCategory.LICENSING, 0),
            "n": r.get(ReportCategory.NON_LICENSING, 0),
            "s": r.get(ReportCategory.PUBLIC_SERVICE, 0),
        }


def _by_category(qs: QuerySet) -> dict[str, int]:
    counts = dict.fromkeys(ReportCategory.values, 0)
    counts.update(
        {row["category"]: row["n"] for row in qs.values("category").annotate(n=Count("id")).order_by()}
    )
    return counts


def cleanup_figures(*, start: date, end: date) -> CleanupFigures:
    """Items and preconditions cancelled in [start, end]; items in force at the end of the period
    (published by then and not cancelled on or before ``end``), by report category."""
    if start > end:
        raise ValidationFailed(_("开始日期不能晚于结束日期"), code="catalog.period_invalid", field="start")
    cancelled = ServiceItem.objects.filter(status=ItemStatus.CANCELLED, cancelled_on__range=(start, end))
    end_instant = timezone.make_aware(datetime.combine(end, time.max))
    retained = ServiceItem.objects.filter(created_at__lte=end_instant).filter(
        Q(status=ItemStatus.RETAINED) | Q(cancelled_on__gt=end)
    )
    pre = Precondition.objects.filter(status=ItemStatus.CANCELLED, cancelled_on__range=(start, end))
    by_cat = _by_category(cancelled)
    return CleanupFigures(
        start=start,
        end=end,
        items_cancelled=sum(by_cat.values()),
        cancelled_by_category=by_cat,
        preconditions_cancelled=pre.count(),
        retained_by_category=_by_category(retained),
    )
