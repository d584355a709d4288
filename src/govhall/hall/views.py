"""Applicant pages: book (/hall/appointments/), mine (/hall/appointments/mine/), cancel.

Booking is three plain GET steps (item → window and day → slot) and one POST, so it works without
JavaScript; every control has a label and the radio targets are at least 24 px (hall.css).
"""

from __future__ import annotations

import datetime as dt
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from govhall.catalog.models import ServiceItem
from govhall.core.errors import DomainError
from govhall.hall import selectors, services
from govhall.hall.errors import AppointmentNotFound, BookingRefused
from govhall.hall.models import Appointment, AppointmentState, Slot
from govhall.org.models import Window

WEEKDAYS = "一二三四五六日"


def _errors_as_page(view):
    """A refused request renders the Chinese error page with its status."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except DomainError as exc:
            return render(request, "hall/error.html", {"error": exc}, status=exc.http_status)

    return wrapper


def hall_page(view):
    """Login required, errors as the Chinese error page."""
    return login_required(_errors_as_page(view))


def day_label(day: dt.date) -> str:
    return f"{day.month}月{day.day}日（周{WEEKDAYS[day.weekday()]}）"


def _parse_day(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def _item(code: str | None) -> ServiceItem | None:
    code = (code or "").strip()
    return selectors.bookable_items().filter(code=code).first() if code else None


def _window(item: ServiceItem | None, value: str | None) -> Window | None:
    if item is None or not (value or "").strip().isdigit():
        return None
    return selectors.item_windows(item).filter(pk=int(value)).first()


def _choice(request: HttpRequest, source) -> dict:
    """What the applicant chose so far (unknown or mismatched values are simply not chosen)."""
    item = _item(source.get("item"))
    windows = list(selectors.item_windows(item)) if item else []
    window = _window(item, source.get("window"))
    if window is None and len(windows) == 1:
        window = windows[0]
    day = _parse_day(source.get("day"))
    days = selectors.slot_days(window=window) if window else []
    if day not in {d for d, _free in days}:
        day = None
    slots = selectors.free_slots(window=window, day=day) if window and day else []
    return {
        "q": (request.GET.get("q") or "").strip()[:40], "item": item, "windows": windows, "window": window,
        "days": [(d, day_label(d), free) for d, free in days], "day": day,
        "day_text": day_label(day) if day else "", "slots": slots,
    }  # fmt: skip


def _book_context(request: HttpRequest, source) -> dict:
    context = _choice(request, source)
    if context["item"] is None:
        items = list(selectors.bookable_items(context["q"])[:300])
        context["items"] = items
    context["rules"] = services.rules()
    if request.user.is_authenticated:
        context["booking_block"] = services.active_block(request.user, timezone.now())
    return context


@require_http_methods(["GET", "POST"])
@_errors_as_page
def book(request: HttpRequest) -> HttpResponse:
    """Anyone may look at the free slots; booking (POST) needs a real-name login."""
    if request.method == "GET":
        return render(request, "hall/book.html", _book_context(request, request.GET))
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    context = _choice(request, request.POST)
    slot_id = (request.POST.get("slot") or "").strip()
    slot = Slot.objects.filter(pk=int(slot_id)).first() if slot_id.isdigit() else None
    try:
        if context["item"] is None:
            raise BookingRefused(_("请选择办理事项。"), code="hall.item_missing", field="item")
        if slot is None or (context["window"] and slot.window_id != context["window"].pk):
            raise BookingRefused(_("请选择预约时段。"), code="hall.slot_missing", field="slot")
        appointment = services.appointment_book(slot=slot, item=context["item"], actor=request.user)
    except DomainError as exc:
        context = _book_context(request, request.POST) | {"error": exc}
        return render(request, "hall/book.html", context, status=exc.http_status)
    start = timezone.localtime(appointment.starts_at)
    messages.success(
        request,
        _("预约成功：%(d)s %(t)s，签到码 %(c)s。请按时到大厅取号机签到。")
        % {"d": day_label(appointment.day), "t": f"{start:%H:%M}", "c": appointment.code},
    )
    return redirect("hall:mine")


@hall_page
def mine(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    rows = []
    for appointment in selectors.appointments_of(request.user)[:200]:
        cancellable = appointment.state == AppointmentState.BOOKED and now <= services.cancel_deadline(
            appointment
        )
        rows.append({"a": appointment, "day": day_label(appointment.day), "cancellable": cancellable})
    block = services.active_block(request.user, now)
    return render(
        request, "hall/mine.html", {"rows": rows, "booking_block": block, "rules": services.rules()}
    )


def _own(request: HttpRequest, appointment_id: int) -> Appointment:
    appointment = selectors.appointments_of(request.user).filter(pk=appointment_id).first()
    if appointment is None:  # someone else's answers like an unknown id
        raise AppointmentNotFound(_("预约不存在。"))
    return appointment


@require_http_methods(["GET", "POST"])
@hall_page
def cancel(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = _own(request, appointment_id)
    context = {
        "a": appointment,
        "day": day_label(appointment.day),
        "deadline": services.cancel_deadline(appointment),
    }
    if request.method == "GET":
        return render(request, "hall/cancel.html", context)
    try:
        services.appointment_cancel(
            appointment=appointment, actor=request.user, reason=request.POST.get("reason", "")
        )
    except DomainError as exc:
        return render(request, "hall/cancel.html", context | {"error": exc}, status=exc.http_status)
    messages.success(request, _("已取消%(d)s的预约。") % {"d": day_label(appointment.day)})
    return redirect("hall:mine")
