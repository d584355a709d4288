"""The slot schedule: each window's template periods, dated slots for the next working days, closures.

``slots_sync`` is the one writer of slots: for every window with a template and every bookable day
(the next ``max_workdays_ahead`` working days, core.workdays) it creates the missing slots, updates
the period and capacity of existing ones, and closes the slots of a day the window does not open
(a holiday entered later, a closure, a period removed from the template). A slot is never deleted:
appointments point at it. A booked place survives every change: a capacity lowered below the
places taken keeps those places, and a closed slot's bookings are cancelled only by ``day_close``
(which tells each applicant by SMS). Every function here is idempotent, so the sweep runs it often.
"""

import datetime as dt
import re
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from govhall.core import audit, workdays
from govhall.core.errors import Conflict, ValidationFailed
from govhall.hall import notices
from govhall.hall.conf import rules
from govhall.hall.models import (
    Appointment,
    AppointmentState,
    DayClosure,
    Slot,
    SlotTemplate,
)
from govhall.org.access import require_role
from govhall.org.models import Role, Window
from govhall.org.selectors import site_open_on

CAPACITY_MAX = 99
PERIODS_MAX = 24
REASON_MAX = 200
_PERIOD = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–—~至]\s*(\d{1,2}):(\d{2})\s+(\d{1,3})\s*$")


@dataclass(frozen=True)
class Period:
    start: dt.time
    end: dt.time
    capacity: int

    def label(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M} {self.capacity}"


def instant(day: dt.date, at: dt.time) -> dt.datetime:
    """The aware instant of a local wall-clock time on ``day`` (the centre's time zone)."""
    return timezone.make_aware(dt.datetime.combine(day, at))


def bookable_days(today: dt.date) -> list[dt.date]:
    """The working days one may book on ``today``: the next N working days (RULES.md "Hall").

    "≥ 1 day ahead" means not the same day; "≤ N working days" counts with core.workdays.
    """
    return [workdays.add_workdays(today, k) for k in range(1, rules().max_workdays_ahead + 1)]


# --- the template ------------------------------------------------------------------------------------


def _bad(message: str, *, line: int | None = None) -> ValidationFailed:
    prefix = _("第%(n)d行：") % {"n": line} if line else ""
    return ValidationFailed(prefix + message, code="hall.bad_period", field="periods")


def _parse_line(raw: str, number: int) -> Period:
    match = _PERIOD.match(raw)
    if not match:
        raise _bad(_("格式应为“09:00-10:00 4”（开始-结束 人数）。"), line=number)
    h1, m1, h2, m2, cap = (int(g) for g in match.groups())
    try:
        start, end = dt.time(h1, m1), dt.time(h2, m2)
    except ValueError:
        raise _bad(_("时间无效。"), line=number) from None
    if end <= start:
        raise _bad(_("结束时间须晚于开始时间。"), line=number)
    if not 1 <= cap <= CAPACITY_MAX:
        raise _bad(_("可预约人数须在1至%(m)d之间。") % {"m": CAPACITY_MAX}, line=number)
    return Period(start, end, cap)


def parse_periods(text: str) -> list[Period]:
    """Periods from lines like ``09:00-10:00 4``; refuses overlaps and bad lines (naming the line)."""
    lines = [(n, raw) for n, raw in enumerate(str(text or "").splitlines(), start=1) if raw.strip()]
    if len(lines) > PERIODS_MAX:
        raise _bad(_("每个窗口最多%(m)d个时段。") % {"m": PERIODS_MAX})
    periods = sorted((_parse_line(raw, n) for n, raw in lines), key=lambda p: p.start)
    for before, after in zip(periods, periods[1:], strict=False):
        if after.start < before.end:
            raise _bad(
                _("时段%(a)s与%(b)s重叠。")
                % {
                    "a": f"{before.start:%H:%M}-{before.end:%H:%M}",
                    "b": f"{after.start:%H:%M}-{after.end:%H:%M}",
                }
            )
    return periods


def periods_text(window: Window) -> str:
    rows = SlotTemplate.objects.filter(window=window).order_by("start")
    return "\n".join(Period(t.start, t.end, t.capacity).label() for t in rows)


@transaction.atomic(durable=True)
def slot_template_set(*, window: Window, periods: list[Period], actor) -> list[SlotTemplate]:
    """Replace a window's bookable periods (centre manager) and resync its slots for the coming days."""
    require_role(actor, Role.MANAGER)
    periods = parse_periods("\n".join(p.label() for p in periods))  # the same checks as the page's text
    window = Window.objects.select_for_update().get(pk=window.pk)
    before = [Period(t.start, t.end, t.capacity).label() for t in window.slot_templates.order_by("start")]
    SlotTemplate.objects.filter(window=window).delete()
    rows = SlotTemplate.objects.bulk_create(
        SlotTemplate(window=window, start=p.start, end=p.end, capacity=p.capacity) for p in periods
    )
    audit.record(
        action="hall.template_set", actor=actor, obj=window, object_type="org.window",
        before={"periods": before}, after={"periods": [p.label() for p in periods]},
    )  # fmt: skip
    _sync(window_ids=[window.pk], days=_sync_days(timezone.localdate()))
    return rows


# --- dated slots -------------------------------------------------------------------------------------


@dataclass
class SyncReport:
    created: int = 0
    updated: int = 0
    closed: int = 0
    cancelled: int = 0  # bookings cancelled because their day no longer opens


def _closed_days(window_ids: list[int], days: list[dt.date]) -> set[tuple[int | None, dt.date]]:
    rows = DayClosure.objects.filter(day__in=days).values_list("window_id", "day")
    return {(w, d) for w, d in rows if w is None or w in window_ids}


def _open(window: Window, day: dt.date, closures: set) -> bool:
    return (None, day) not in closures and (window.pk, day) not in closures and site_open_on(window.site, day)


def _sync(*, window_ids: list[int] | None, days: list[dt.date]) -> SyncReport:
    """Bring the slots of ``days`` in line with the templates (inside the caller's transaction)."""
    report = SyncReport()
    templates: dict[int, list[SlotTemplate]] = {}
    qs = SlotTemplate.objects.order_by("window_id", "start")
    if window_ids is not None:
        qs = qs.filter(window_id__in=window_ids)
    for row in qs:
        templates.setdefault(row.window_id, []).append(row)
    ids = list(templates) if window_ids is None else list(window_ids)
    windows = {w.pk: w for w in Window.objects.select_related("site").filter(pk__in=ids)}
    closures = _closed_days(ids, days)
    existing = {
        (s.window_id, s.day, s.start): s for s in Slot.objects.filter(window_id__in=ids, day__in=days)
    }
    wanted: set[tuple[int, dt.date, dt.time]] = set()
    shut: dict[tuple[int, dt.date], str] = {}  # window and day not open, with the reason told
    creates: list[Slot] = []
    for window_id in ids:
        window = windows.get(window_id)
        for day in days:
            if window is None or not window.active:
                shut[(window_id, day)] = _("窗口暂停服务")
                continue
            if not _open(window, day, closures):
                shut[(window_id, day)] = _("该日不办公（节假日或场所调整）")
                continue
            for t in templates.get(window_id, []):
                key = (window_id, day, t.start)
                wanted.add(key)
                slot = existing.get(key)
                if slot is None:
                    creates.append(Slot(window_id=window_id, day=day, start=t.start, end=t.end,
                                        starts_at=instant(day, t.start), ends_at=instant(day, t.end),
                                        capacity=t.capacity))  # fmt: skip
                elif slot.closed or slot.end != t.end or slot.capacity != max(t.capacity, slot.booked):
                    report.updated += Slot.objects.filter(pk=slot.pk).update(
                        closed=False, end=t.end, ends_at=instant(day, t.end),
                        capacity=Greatest(t.capacity, F("booked")),
                    )  # fmt: skip
    Slot.objects.bulk_create(creates, ignore_conflicts=True)
    report.created = len(creates)
    stale = [s for key, s in existing.items() if key not in wanted and not s.closed]
    # A period taken out of the template keeps its bookings (the centre honours them); a day the
    # window no longer opens (a holiday entered later, a window stopped) cancels them with an SMS,
    # or they would turn into no-shows and block people who could not have come.
    for reason in set(shut.values()):
        gone = [s.pk for s in stale if s.booked and shut.get((s.window_id, s.day)) == reason]
        cancelled = _cancel_by_centre(gone, reason)
        Slot.objects.filter(pk__in=gone).update(booked=0)
        if cancelled:
            audit.record(
                action="hall.appointments_cancel_closed", detail={"reason": reason, "ids": cancelled[:500]}
            )
        report.cancelled += len(cancelled)
    report.closed = Slot.objects.filter(pk__in=[s.pk for s in stale]).update(closed=True)
    return report


def _sync_days(today: dt.date) -> list[dt.date]:
    """The bookable days, and every later day that still has an open slot (a day the calendar
    has since made a holiday, or one pushed past the horizon by a new working day)."""
    later = Slot.objects.filter(day__gt=today, closed=False).values_list("day", flat=True).distinct()
    return sorted(set(bookable_days(today)) | set(later))


@transaction.atomic(durable=True)
def slots_sync(*, days: list[dt.date] | None = None, window_ids: list[int] | None = None) -> SyncReport:
    """Create, update and close slots for ``days`` (default: the bookable days from today)."""
    return _sync(window_ids=window_ids, days=days if days is not None else _sync_days(timezone.localdate()))


# --- closures ----------------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def day_close(*, day: dt.date, reason: str, actor, window: Window | None = None) -> DayClosure:
    """Stop appointments on ``day`` (one window or all): its slots close and every booked appointment
    is cancelled by the centre, each applicant told by SMS (exactly once)."""
    require_role(actor, Role.MANAGER)
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    if not reason or len(reason) > REASON_MAX:
        raise ValidationFailed(
            _("请填写停止预约的原因（不超过%(n)d个字）。") % {"n": REASON_MAX},
            code="hall.reason",
            field="reason",
        )
    if day < timezone.localdate():
        raise ValidationFailed(_("不能停止已过去日期的预约。"), code="hall.past_day", field="day")
    exists = DayClosure.objects.filter(day=day, window=window)
    if exists.exists():
        raise Conflict(_("该日已停止预约。"), code="hall.already_closed", field="day")
    closure = DayClosure.objects.create(day=day, window=window, reason=reason, created_by=actor)
    slots = Slot.objects.select_for_update().filter(day=day)
    if window is not None:
        slots = slots.filter(window=window)
    slot_ids = list(slots.values_list("pk", flat=True))
    cancelled = _cancel_by_centre(slot_ids, reason)
    Slot.objects.filter(pk__in=slot_ids).update(closed=True, booked=0)
    audit.record(
        action="hall.day_close", actor=actor, obj=closure,
        after={"day": day, "window": window.pk if window else None, "reason": reason},
        detail={"cancelled": cancelled[:500], "slots": len(slot_ids)},
    )  # fmt: skip
    return closure


def _cancel_by_centre(slot_ids: list[int], reason: str) -> list[int]:
    now = timezone.now()
    rows = list(
        Appointment.objects.select_for_update(of=("self",))
        .select_related("applicant", "window", "item")
        .filter(slot_id__in=slot_ids, state=AppointmentState.BOOKED)
    )
    Appointment.objects.filter(pk__in=[a.pk for a in rows], state=AppointmentState.BOOKED).update(
        state=AppointmentState.CANCELLED,
        cancelled_at=now,
        cancel_reason=_("中心停止预约：%(r)s") % {"r": reason},
    )
    for appointment in rows:
        notices.sms(appointment, "closed", reason=reason)
    return [a.pk for a in rows]


@transaction.atomic(durable=True)
def day_reopen(*, closure: DayClosure, actor) -> None:
    """Take a closure back: the day's slots open again (cancelled appointments stay cancelled)."""
    require_role(actor, Role.MANAGER)
    closure = DayClosure.objects.select_for_update().get(pk=closure.pk)
    day, window_id = closure.day, closure.window_id
    audit.record(action="hall.day_reopen", actor=actor, obj=closure, before={"day": day, "window": window_id})
    closure.delete()
    if day > timezone.localdate():
        _sync(window_ids=[window_id] if window_id else None, days=[day])
