"""Reads of the queue: the kiosk's businesses, a window's panel, the hall screen, served counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q
from django.utils import timezone

from govhall.core import workdays
from govhall.hall.queue.calling import next_ticket_queryset
from govhall.hall.queue.models import Business, DeskState, Ticket, WindowBusiness, WindowDesk
from govhall.hall.queue.states import CALLABLE_STATES, CURRENT_STATES, TicketState
from govhall.hall.queue.texts import call_texts
from govhall.org.models import Site, Window

LAST_CALLS = 8


@dataclass(frozen=True)
class BusinessLoad:
    business: Business
    waiting: int
    warn: bool  # RULES.md "Hall": queue-length warning per business
    full: bool  # the daily cap is reached
    wait_minutes: int


def default_site() -> Site | None:
    """The hall a kiosk or screen shows when none is named: the first site with businesses."""
    site_id = (
        Business.objects.filter(active=True).order_by("site_id").values_list("site_id", flat=True).first()
    )
    return Site.objects.filter(pk=site_id).first() if site_id else None


def business_loads(site, day: date | None = None) -> list[BusinessLoad]:
    """Active businesses of the site with today's waiting count (two queries)."""
    day = day or timezone.localdate()
    waiting = Q(tickets__day=day, tickets__state__in=CALLABLE_STATES, tickets__target_window__isnull=True)
    businesses = list(
        Business.objects.filter(site=site, active=True).annotate(
            waiting=Count("tickets", filter=waiting),
            issued=Count("tickets", filter=Q(tickets__day=day)),
        )
    )
    open_windows = dict(
        WindowBusiness.objects.filter(business__in=businesses, window__desk__state=DeskState.OPEN)
        .values("business_id").annotate(n=Count("window_id")).values_list("business_id", "n")
    )  # fmt: skip
    loads = []
    for b in businesses:
        per_window = b.minutes_per_ticket * b.waiting / max(open_windows.get(b.pk, 0), 1)
        loads.append(
            BusinessLoad(b, b.waiting, b.waiting >= b.warn_length, b.issued >= b.daily_cap, round(per_window))
        )
    return loads


def last_calls(site, *, limit: int = LAST_CALLS) -> list[dict]:
    """The latest calls of the day at the site (a recall counts again), with their texts."""
    day = timezone.localdate()
    tickets = (
        Ticket.objects.filter(site=site, day=day, called_at__isnull=False)
        .select_related("window", "window__desk")
        .order_by("-called_at", "-id")[:limit]
    )
    rows = []
    for t in tickets:
        desk = getattr(t.window, "desk", None)
        silent = bool(desk and desk.silent)
        rows.append(
            {"ticket": t, "window": t.window, "silent": silent, **call_texts(t, t.window, silent=silent)}
        )
    return rows


def window_panel(window) -> dict:
    """Everything the window strip shows: desk, the current ticket, suspended ones, the queue."""
    day = timezone.localdate()
    desk = WindowDesk.objects.filter(window=window).select_related("staff").first()
    current = (
        Ticket.objects.filter(window=window, state__in=CURRENT_STATES).select_related("business").first()
    )
    suspended = list(
        Ticket.objects.filter(window=window, state=TicketState.SUSPENDED, day=day).order_by("issued_at")
    )
    queue = list(next_ticket_queryset(window, day).select_related("business")[:10])
    texts = call_texts(current, window, silent=bool(desk and desk.silent)) if current else None
    return {
        "desk": desk,
        "is_open": bool(desk and desk.state == DeskState.OPEN),
        "current": current,
        "texts": texts,
        "suspended": suspended,
        "queue": queue,
        "waiting": next_ticket_queryset(window, day).count(),
    }


def window_businesses(window) -> list[WindowBusiness]:
    return list(WindowBusiness.objects.filter(window=window).select_related("business").order_by("priority"))


def transfer_choices(window) -> tuple[list[Window], list[Business]]:
    windows = list(Window.objects.filter(site_id=window.site_id, active=True).exclude(pk=window.pk))
    businesses = list(Business.objects.filter(site_id=window.site_id, active=True))
    return windows, businesses


def ticket_get(*, pk) -> Ticket | None:
    try:
        return Ticket.objects.select_related("business", "window").filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        return None


def tickets_served(*, start: date, end: date, by: str) -> dict[int, int]:
    """Tickets finished (state done) between ``start`` and ``end`` inclusive, per staff or window id."""
    column = {"staff": "staff_id", "window": "window_id"}.get(by)
    if column is None:
        raise ValueError(f"by must be 'staff' or 'window', not {by!r}")
    low, high = workdays.day_span(start, end)
    rows = (
        Ticket.objects.filter(state=TicketState.DONE, finished_at__gte=low, finished_at__lt=high)
        .exclude(**{f"{column}__isnull": True})
        .values(column)
        .annotate(n=Count("id"))
        .values_list(column, "n")
    )
    return {int(key): int(n) for key, n in rows}


# --- configuration page (centre manager) -------------------------------------------------------


def setup_businesses(site) -> list[Business]:
    """Every business of the hall (active or not) with its items and serving windows (3 queries)."""
    return list(
        Business.objects.filter(site=site)
        .prefetch_related("items", "windows__window")
        .order_by("sort", "code")
    )


def setup_windows(site) -> list[tuple]:
    """The hall's active windows, each with {business id: priority} of what it serves (2 queries)."""
    windows = list(Window.objects.filter(site=site, active=True).order_by("number"))
    links: dict[int, dict[int, int]] = {}
    for window_id, business_id, priority in WindowBusiness.objects.filter(window__in=windows).values_list(
        "window_id", "business_id", "priority"
    ):
        links.setdefault(window_id, {})[business_id] = priority
    return [(w, links.get(w.pk, {})) for w in windows]
