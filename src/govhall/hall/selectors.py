"""Reads for the appointment pages, the API and the queue kiosk (every list in a fixed number of queries)."""

import datetime as dt

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from govhall.catalog.models import ItemStatus, ServiceItem
from govhall.core import crypto
from govhall.core.identity import check_ric
from govhall.hall.models import Appointment, AppointmentState, BookingBlock, DayClosure, Slot, SlotTemplate
from govhall.hall.schedule import bookable_days
from govhall.org.models import Window

CODE_MAX = 8


def appointment_for_checkin(*, code: str = "", id_number: str = "", on: dt.date) -> Appointment | None:
    """The booked (not cancelled, not yet checked in) appointment for day ``on`` with this check-in
    code or of the person with this ID number; None when there is none (the kiosk says so)."""
    qs = Appointment.objects.select_related("applicant", "item", "window__site", "slot").filter(
        day=on, state=AppointmentState.BOOKED
    )
    code = "".join(str(code or "").split())
    if code:
        if not code.isdigit() or len(code) > CODE_MAX:
            return None
        return qs.filter(code=code).first()
    result = check_ric(id_number or "")
    if not result.valid:
        return None
    return qs.filter(id_number_digest=crypto.keyed_digest(result.normalized)).order_by("starts_at").first()


def appointments_of(user) -> QuerySet[Appointment]:
    """A user's own appointments, newest day first (the /me/ hub and "my appointments")."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Appointment.objects.none()
    return (
        Appointment.objects.filter(applicant_id=user.pk)
        .select_related("item", "window__site")
        .order_by("-day", "-starts_at", "-pk")
    )


def bookable_items(q: str = "") -> QuerySet[ServiceItem]:
    """Items that take appointments at some window with a slot template."""
    with_template = Window.objects.filter(items=OuterRef("pk"), active=True, slot_templates__isnull=False)
    qs = ServiceItem.objects.filter(appointment=True, status=ItemStatus.RETAINED).filter(
        Exists(with_template)
    )
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__icontains=q) | Q(pinyin_initials__icontains=q))
    return qs.select_related("department").order_by("department__sort", "code")


def item_windows(item: ServiceItem) -> QuerySet[Window]:
    """The active windows that serve ``item`` and have a slot template, with their site."""
    return (
        Window.objects.filter(items=item, active=True)
        .filter(Exists(SlotTemplate.objects.filter(window=OuterRef("pk"))))
        .select_related("site", "department")
        .order_by("site__code", "number")
    )


def free_slots(
    *, window: Window | None = None, windows=None, day: dt.date | None = None, today: dt.date | None = None
) -> list[Slot]:
    """Open slots with places left on the bookable days (or one of them), of one window or of
    several (``windows``: a QuerySet), with their window and site; one query."""
    today = today or timezone.localdate()
    days = bookable_days(today)
    if day is not None:
        days = [d for d in days if d == day]
    qs = Slot.objects.filter(day__in=days, closed=False, booked__lt=F("capacity")).select_related(
        "window__site"
    )
    qs = qs.filter(window=window) if window is not None else qs.filter(window__in=windows)
    return list(qs.order_by("day", "start", "window_id"))


def slot_days(*, window: Window, today: dt.date | None = None) -> list[tuple[dt.date, int]]:
    """(day, free places) for each bookable day of a window that has an open slot; one query."""
    today = today or timezone.localdate()
    rows = {}
    for slot in Slot.objects.filter(window=window, day__in=bookable_days(today), closed=False).only(
        "day", "capacity", "booked"
    ):
        rows[slot.day] = rows.get(slot.day, 0) + slot.free
    return sorted(rows.items())


def day_appointments(*, window: Window, day: dt.date) -> QuerySet[Appointment]:
    """A window's appointments of a day, in slot order (the staff view)."""
    return (
        Appointment.objects.filter(window=window, day=day)
        .select_related("item", "slot")
        .order_by("starts_at", "state", "pk")
    )


def day_figures(*, window: Window, day: dt.date) -> dict[str, int]:
    counts = dict(
        Appointment.objects.filter(window=window, day=day).values_list("state").annotate(n=Count("pk"))
    )
    return {state: counts.get(state, 0) for state in AppointmentState.values}


def closures(*, since: dt.date) -> QuerySet[DayClosure]:
    return (
        DayClosure.objects.filter(day__gte=since).select_related("window__site").order_by("day", "window_id")
    )


def active_blocks(*, now: dt.datetime | None = None) -> QuerySet[BookingBlock]:
    """Booking blocks in force (the manager's list, to lift one when an absence was justified)."""
    now = now or timezone.now()
    return (
        BookingBlock.objects.filter(until__gt=now, lifted_at__isnull=True)
        .select_related("applicant")
        .order_by("-blocked_at")
    )
