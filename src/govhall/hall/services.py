"""Appointment services: book, cancel, check in, lift a block (RULES.md "Hall"; ADR 0015).

The booking rules, in the order they are checked (each with its stable code):
- a real-name applicant account (``hall.not_real_name``; staff accounts ``hall.forbidden``);
- the item takes appointments at that window (``hall.item_not_bookable``, ``hall.window_mismatch``);
- "≥ 1 day ahead" means not the same day (``hall.too_soon``); at most the N-th working day after
  today, counted by core.workdays (``hall.too_far``);
- no booking block after repeated no-shows (``hall.blocked``);
- one appointment per day per person (``hall.one_per_day``, also a partial unique index);
- a free place (``hall.full``, a conditional UPDATE under a check constraint; ``hall.closed``).
Cancelling is allowed until 2 hours before the slot starts (``hall.cancel_too_late``).
"""

import datetime as dt
import secrets

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from govhall.catalog.models import ItemStatus
from govhall.core import audit, workdays
from govhall.core.masking import mask_name
from govhall.core.models.users import UserKind
from govhall.hall import notices
from govhall.hall.conf import rules
from govhall.hall.errors import BookingRefused, HallForbidden, IllegalTransition, SlotFull
from govhall.hall.models import (
    APPOINTMENT_TRANSITIONS,
    HOLDING_STATES,
    Appointment,
    AppointmentAction,
    AppointmentState,
    BookingBlock,
    Slot,
)
from govhall.hall.schedule import instant
from govhall.org.access import require_role, staff_of
from govhall.org.models import Role

CODE_DIGITS = 6  # typed on the kiosk's number pad
CODE_TRIES = 8
REASON_MAX = 200


def _refused(code: str, message: str, field: str = "slot") -> BookingRefused:
    return BookingRefused(message, code=f"hall.{code}", field=field)


def _next_state(appointment: Appointment, action: str) -> str:
    try:
        return APPOINTMENT_TRANSITIONS[(appointment.state, action)]
    except KeyError:
        raise IllegalTransition(
            _("预约当前状态为“%(s)s”，不能%(a)s。")
            % {"s": AppointmentState(appointment.state).label, "a": AppointmentAction(action).label},
            state=appointment.state,
        ) from None


def _snapshot(appointment: Appointment) -> dict:
    return {"state": appointment.state, "slot": appointment.slot_id, "day": appointment.day}


def _record(action: str, appointment: Appointment, actor, before: dict | None = None, **detail) -> None:
    audit.record(action=f"hall.appointment_{action}", actor=actor, obj=appointment, before=before,
                 after=_snapshot(appointment), detail=detail)  # fmt: skip


# --- book ---------------------------------------------------------------------------------------------


def _check_applicant(actor) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise HallForbidden(_("请先登录后再预约。"))
    if actor.kind not in (UserKind.PERSON, UserKind.ENTERPRISE) or staff_of(actor) is not None:
        raise HallForbidden(_("工作人员账户不能预约办事，请使用个人或法人账户。"))
    # A person proves their name by an ID number; an enterprise operator by it or the credit code.
    named = bool(actor.real_name) and (
        bool(actor.id_number_digest) or (actor.kind == UserKind.ENTERPRISE and bool(actor.org_credit_code))
    )
    if not named:
        raise _refused("not_real_name", _("预约须实名：请先在账户中登记姓名和身份证号码（法人须登记统一社会信用代码）。"),
                       field="applicant")  # fmt: skip


def _check_item(slot: Slot, item) -> None:
    if not item.appointment or item.status != ItemStatus.RETAINED:
        raise _refused("item_not_bookable", _("“%(i)s”不支持预约。") % {"i": item.name}, field="item")
    if not item.windows.filter(pk=slot.window_id).exists():
        raise _refused(
            "window_mismatch", _("所选窗口不办理“%(i)s”，请重新选择。") % {"i": item.name}, field="window"
        )


def _check_day(day: dt.date, today: dt.date) -> None:
    if day <= today:
        # RULES.md "≥ 1 day ahead": an appointment is made on an earlier day than the visit.
        raise _refused("too_soon", _("预约须至少提前1天，不能预约当天（%(d)s）。") % {"d": f"{day:%Y-%m-%d}"})
    limit = rules().max_workdays_ahead
    if workdays.workdays_between(today, day) > limit:
        last = workdays.add_workdays(today, limit)
        raise _refused("too_far", _("最多可预约%(n)d个工作日内（%(last)s及以前）的时段。")
                       % {"n": limit, "last": f"{last:%Y-%m-%d}"})  # fmt: skip
    if not workdays.is_workday(day):
        raise _refused("closed", _("%(d)s不是工作日，不办理预约。") % {"d": f"{day:%Y-%m-%d}"})


def active_block(user, now: dt.datetime) -> BookingBlock | None:
    return (
        BookingBlock.objects.filter(applicant=user, until__gt=now, lifted_at__isnull=True)
        .order_by("-until")
        .first()
    )


def _check_block(actor, now: dt.datetime) -> None:
    block = active_block(actor, now)
    if block is not None:
        until = timezone.localtime(block.until)
        raise _refused("blocked", _("您近期多次预约未到（%(n)d次），%(u)s前暂停预约。")
                       % {"n": block.no_shows, "u": f"{until:%Y-%m-%d %H:%M}"}, field="applicant")  # fmt: skip


def _check_one_per_day(actor, day: dt.date) -> None:
    if Appointment.objects.filter(applicant=actor, day=day, state__in=HOLDING_STATES).exists():
        raise _refused("one_per_day", _("每人每天只能预约一次，您在%(d)s已有预约。") % {"d": f"{day:%Y-%m-%d}"},
                       field="day")  # fmt: skip


def _take_place(slot: Slot) -> None:
    """One place, or SlotFull: the UPDATE re-checks the count on the row it locks, so of two
    bookings racing for the last place exactly one matches (the check constraint backs it up)."""
    taken = Slot.objects.filter(pk=slot.pk, closed=False, booked__lt=F("capacity")).update(
        booked=F("booked") + 1
    )
    if taken:
        return
    if Slot.objects.filter(pk=slot.pk, closed=True).exists():
        raise _refused("closed", _("该时段已停止预约，请选择其他时段。"))
    raise SlotFull(_("该时段已约满，请选择其他时段。"), field="slot")


def _new_code(day: dt.date) -> str:
    for _try in range(CODE_TRIES):
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        if not Appointment.objects.filter(day=day, code=code).exists():
            return code
    raise SlotFull(_("系统繁忙，请稍后重试。"), code="hall.busy")


def _insert(*, actor, slot: Slot, item, now: dt.datetime) -> Appointment:
    remind_at = instant(slot.day - dt.timedelta(days=1), dt.time(rules().reminder_hour))
    try:
        with transaction.atomic(savepoint=True):
            return Appointment.objects.create(
                code=_new_code(slot.day), applicant=actor, applicant_name=actor.real_name,
                id_number_digest=actor.id_number_digest, org_credit_code=actor.org_credit_code,
                item=item, window_id=slot.window_id, slot=slot, day=slot.day, starts_at=slot.starts_at,
                ends_at=slot.ends_at, booked_at=now, remind_at=remind_at,
            )  # fmt: skip
    except IntegrityError:
        # A second booking of the same person for the same day committed first (the partial unique
        # index), or a code clash in the same instant: refuse, the whole booking rolls back.
        _check_one_per_day(actor, slot.day)
        raise SlotFull(_("系统繁忙，请稍后重试。"), code="hall.busy") from None


@transaction.atomic(durable=True)
def appointment_book(*, slot: Slot, item, actor) -> Appointment:
    """Book one place of ``slot`` for ``item``; the applicant is the logged-in ``actor``."""
    _check_applicant(actor)
    now = timezone.now()
    slot = Slot.objects.select_related("window__site").get(pk=slot.pk)
    _check_item(slot, item)
    _check_day(slot.day, timezone.localdate(now))
    _check_block(actor, now)
    _check_one_per_day(actor, slot.day)
    _take_place(slot)
    appointment = _insert(actor=actor, slot=slot, item=item, now=now)
    appointment.window = slot.window
    _record("book", appointment, actor, applicant=mask_name(actor.real_name), item=item.code)
    notices.sms(appointment, "booked")
    return appointment


# --- cancel --------------------------------------------------------------------------------------------


def _locked(appointment: Appointment) -> Appointment:
    return (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("applicant", "item", "window__site")
        .get(pk=appointment.pk)
    )


def cancel_deadline(appointment: Appointment) -> dt.datetime:
    return appointment.starts_at - dt.timedelta(hours=rules().cancel_hours)


@transaction.atomic(durable=True)
def appointment_cancel(*, appointment: Appointment, actor, reason: str = "") -> Appointment:
    """The applicant cancels their own appointment, at least 2 hours before the slot starts."""
    if actor is None or appointment.applicant_id != getattr(actor, "pk", None):
        raise HallForbidden(_("只能取消本人的预约。"))
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    if len(reason) > REASON_MAX:
        raise BookingRefused(
            _("取消原因不超过%(n)d个字。") % {"n": REASON_MAX}, code="hall.reason", field="reason"
        )
    locked = _locked(appointment)
    target = _next_state(locked, AppointmentAction.CANCEL)
    now = timezone.now()
    if now > cancel_deadline(locked):
        raise _refused("cancel_too_late", _("距预约时段开始不足%(h)d小时，不能取消；如不能前来，请按时告知窗口。")
                       % {"h": rules().cancel_hours}, field="appointment")  # fmt: skip
    before = _snapshot(locked)
    locked.state, locked.cancelled_at, locked.cancel_reason = target, now, reason or _("本人取消")
    locked.save(update_fields=["state", "cancelled_at", "cancel_reason"])
    Slot.objects.filter(pk=locked.slot_id, booked__gt=0).update(booked=F("booked") - 1)
    _record("cancel", locked, actor, before)
    notices.sms(locked, "cancelled")
    return locked


# --- check in (called by the queue kiosk) ---------------------------------------------------------------


@transaction.atomic  # not durable: the kiosk may check in and issue its ticket in one transaction
def appointment_check_in(*, appointment: Appointment, actor=None) -> Appointment:
    """Check an appointment in on its day (kiosk: ``actor`` None; or a clerk); records the arrival
    and whether it was on time (≤ slot start + GOVHALL_HALL_ON_TIME_MINUTES). The caller (the queue
    kiosk) then issues the priority ticket."""
    if actor is not None and appointment.applicant_id != actor.pk:
        require_role(actor, Role.CLERK, Role.CHIEF, Role.MANAGER, Role.DUTY_LEADER)
    locked = _locked(appointment)
    target = _next_state(locked, AppointmentAction.CHECK_IN)
    now = timezone.now()
    if timezone.localdate(now) != locked.day:
        raise IllegalTransition(
            _("该预约的日期是%(d)s，只能当天签到。") % {"d": f"{locked.day:%Y-%m-%d}"},
            code="hall.checkin_wrong_day", state=locked.state,
        )  # fmt: skip
    before = _snapshot(locked)
    grace = dt.timedelta(minutes=rules().on_time_minutes)
    locked.state, locked.checked_in_at, locked.on_time = target, now, now <= locked.starts_at + grace
    locked.save(update_fields=["state", "checked_in_at", "on_time"])
    _record("check_in", locked, actor, before, on_time=locked.on_time)
    return locked


# --- blocks --------------------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def booking_block_lift(*, block: BookingBlock, reason: str, actor) -> BookingBlock:
    """A centre manager lifts a no-show block early (e.g. the absence was justified)."""
    require_role(actor, Role.MANAGER)
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    if not reason or len(reason) > REASON_MAX:
        raise BookingRefused(_("请填写解除原因（不超过%(n)d个字）。") % {"n": REASON_MAX}, code="hall.reason",
                             field="reason")  # fmt: skip
    locked = BookingBlock.objects.select_for_update().get(pk=block.pk)
    if locked.lifted_at is not None:
        raise IllegalTransition(_("该预约限制已解除。"), code="hall.block_lifted", state="lifted")
    locked.lifted_at, locked.lifted_by, locked.lift_reason = timezone.now(), actor, reason
    locked.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
    audit.record(action="hall.block_lift", actor=actor, obj=locked, after={"reason": reason})
    return locked
