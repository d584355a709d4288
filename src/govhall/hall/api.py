"""/api/v1/hall — appointments (mounted by govhall.api.api; the queue has /api/v1/hall/queue).

Free slots are public (no personal data); booking, cancelling and "mine" need a bearer token of
the applicant's own account. Errors leave as ``{code, message}`` (api.api).
"""

from datetime import date, datetime

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from govhall.catalog.models import ServiceItem
from govhall.core.api import api_actor, bearer
from govhall.core.errors import ValidationFailed
from govhall.hall import selectors, services
from govhall.hall.errors import AppointmentNotFound
from govhall.hall.models import Appointment, Slot

router = Router(tags=["大厅管理"])
MINE_LIMIT = 100


class SlotFilters(Schema):
    item: str  # item code
    window: int | None = None  # window id; all windows serving the item when omitted
    day: date | None = None


class SlotOut(Schema):
    id: int
    window: int
    window_name: str
    site: str
    day: date
    start: str
    end: str
    capacity: int
    free: int


class BookIn(Schema):
    slot: int
    item: str  # item code


class CancelIn(Schema):
    reason: str = ""


class AppointmentOut(Schema):
    id: int
    code: str
    state: str
    state_label: str
    item: str
    item_name: str
    window: int
    window_name: str
    site: str
    day: date
    starts_at: datetime
    ends_at: datetime
    booked_at: datetime
    checked_in_at: datetime | None
    on_time: bool | None
    cancelled_at: datetime | None


def _slot_data(slot: Slot) -> dict:
    w = slot.window
    return {
        "id": slot.pk, "window": w.pk, "window_name": f"{w.number}号窗口 {w.name}", "site": w.site.name,
        "day": slot.day, "start": f"{slot.start:%H:%M}", "end": f"{slot.end:%H:%M}",
        "capacity": slot.capacity, "free": slot.free,
    }  # fmt: skip


def _appointment_data(a: Appointment) -> dict:
    w = a.window
    return {
        "id": a.pk, "code": a.code, "state": a.state, "state_label": a.get_state_display(),
        "item": a.item.code, "item_name": a.item.name, "window": w.pk,
        "window_name": f"{w.number}号窗口 {w.name}", "site": w.site.name, "day": a.day,
        "starts_at": a.starts_at, "ends_at": a.ends_at, "booked_at": a.booked_at,
        "checked_in_at": a.checked_in_at, "on_time": a.on_time, "cancelled_at": a.cancelled_at,
    }  # fmt: skip


def _item(code: str) -> ServiceItem:
    item = selectors.bookable_items().filter(code=(code or "").strip()).first()
    if item is None:
        raise ValidationFailed(_("事项“%(c)s”不存在或不支持预约。") % {"c": code}, code="hall.item_not_bookable",
                               field="item")  # fmt: skip
    return item


@router.get("/appointments/slots", response=list[SlotOut], summary="可预约时段（公开）")
def slot_list(request: HttpRequest, filters: Query[SlotFilters]):
    item = _item(filters.item)
    windows = selectors.item_windows(item)
    if filters.window is not None:
        windows = windows.filter(pk=filters.window)
        if not windows:
            raise ValidationFailed(_("所选窗口不办理该事项。"), code="hall.window_mismatch", field="window")
    slots = selectors.free_slots(windows=windows, day=filters.day)
    return [_slot_data(s) for s in slots]


@router.post("/appointments", response={201: AppointmentOut}, auth=bearer, summary="预约（本人，实名）")
def appointment_book(request: HttpRequest, body: BookIn):
    user = api_actor(request)
    item = _item(body.item)
    slot = Slot.objects.filter(pk=body.slot).first()
    if slot is None:
        raise ValidationFailed(_("预约时段不存在。"), code="hall.slot_missing", field="slot")
    appointment = services.appointment_book(slot=slot, item=item, actor=user)
    return Status(201, _appointment_data(selectors.appointments_of(user).get(pk=appointment.pk)))


@router.get("/appointments/mine", response=list[AppointmentOut], auth=bearer, summary="我的预约")
def appointment_mine(request: HttpRequest):
    return [_appointment_data(a) for a in selectors.appointments_of(api_actor(request))[:MINE_LIMIT]]


@router.post(
    "/appointments/{appointment_id}/cancel",
    response=AppointmentOut,
    auth=bearer,
    summary="取消预约（至少提前2小时）",
)
def appointment_cancel(request: HttpRequest, appointment_id: int, body: CancelIn):
    user = api_actor(request)
    appointment = selectors.appointments_of(user).filter(pk=appointment_id).first()
    if appointment is None:
        raise AppointmentNotFound(_("预约不存在。"))
    services.appointment_cancel(appointment=appointment, actor=user, reason=body.reason)
    return _appointment_data(selectors.appointments_of(user).get(pk=appointment_id))
