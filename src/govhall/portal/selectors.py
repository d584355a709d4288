"""Read-only queries the online hall needs that the contexts' selectors lack (DESIGN.md: portal owns
no tables). Each is one or two queries; the home page's are cached briefly because every visitor
sees the same figures."""

from datetime import timedelta

from django.core.cache import cache
from django.db.models import Count, QuerySet
from django.utils import timezone

from govhall.cases.models import Case, CaseDraft, CaseFile, SupplementNotice
from govhall.catalog.models import ItemStatus, ItemVersion, ServiceItem

POPULAR_DAYS = 90
POPULAR_LIMIT = 8
HOME_CACHE_SECONDS = 300
NOTICE_LIMIT = 5


def popular_items(*, limit: int = POPULAR_LIMIT) -> list[ServiceItem]:
    """The items filed most in the last 90 days (retained, online first), cached for 5 minutes."""
    key = f"portal:popular:{limit}"
    ids = cache.get(key)
    if ids is None:
        since = timezone.now() - timedelta(days=POPULAR_DAYS)
        rows = (
            Case.objects.filter(received_at__gte=since, item__status=ItemStatus.RETAINED)
            .values("item_id")
            .annotate(n=Count("id"))
            .order_by("-n", "item_id")[:limit]
        )
        ids = [row["item_id"] for row in rows]
        cache.set(key, ids, HOME_CACHE_SECONDS)
    items = ServiceItem.objects.in_bulk(ids)
    return [items[i] for i in ids if i in items]


def guide_notices(*, limit: int = NOTICE_LIMIT) -> list[dict]:
    """通知公告: the latest catalogue changes — a guide republished with a note, an item cancelled
    by a clean-up — newest first, cached for 5 minutes."""
    key = f"portal:notices:{limit}"
    rows = cache.get(key)
    if rows is None:
        versions = (
            ItemVersion.objects.filter(version__gt=1)
            .exclude(note="")
            .select_related("item")
            .order_by("-created_at", "-id")[:limit]
        )
        cancelled = ServiceItem.objects.filter(
            status=ItemStatus.CANCELLED, cancelled_on__isnull=False
        ).order_by("-cancelled_on", "-id")[:limit]
        rows = [
            {"kind": "update", "code": v.item.code, "name": v.item.name, "note": v.note,
             "on": timezone.localdate(v.created_at)}
            for v in versions
        ] + [
            {"kind": "cancel", "code": i.code, "name": i.name, "note": i.cancel_reason, "on": i.cancelled_on}
            for i in cancelled
        ]  # fmt: skip
        rows = sorted(rows, key=lambda r: r["on"], reverse=True)[:limit]
        cache.set(key, rows, HOME_CACHE_SECONDS)
    return rows


def my_cases(user) -> QuerySet[Case]:
    """The applicant's own cases, newest first (one query with the item)."""
    return Case.objects.filter(applicant_id=user.pk).select_related("item").order_by("-received_at", "-id")


def agent_filings(user) -> QuerySet[Case]:
    """The cases an agent filed for others (代办), newest first."""
    return (
        Case.objects.filter(agent_id=user.pk).select_related("item", "site").order_by("-received_at", "-id")
    )


def my_drafts(user) -> QuerySet[CaseDraft]:
    """Drafts not yet submitted."""
    return (
        CaseDraft.objects.filter(applicant_id=user.pk, submitted_case__isnull=True)
        .select_related("item")
        .order_by("-updated_at", "-id")
    )


def draft_of(user, item) -> CaseDraft | None:
    """The user's open draft of ``item`` (the newest), which the filing page continues."""
    return my_drafts(user).filter(item=item).first()


def draft_files(draft: CaseDraft) -> list[CaseFile]:
    return list(CaseFile.objects.filter(draft=draft).order_by("uploaded_at", "id"))


def case_files(case: Case) -> list[CaseFile]:
    return list(CaseFile.objects.filter(case=case).order_by("uploaded_at", "id"))


def supplement_items(case: Case) -> list[str]:
    notice = SupplementNotice.objects.filter(case=case).first()
    return list(notice.items) if notice else []
