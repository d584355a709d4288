"""Issuing tickets (the kiosk) and opening/closing window desks.

Calling and everything after it is in ``calling.py``. Ticket numbers come from core.serials: the
counter of the business's prefix at its site for the day is bumped first, in the issuing
transaction. On PostgreSQL that bump locks the counter row until commit, so two kiosks issuing for
the same business take turns — which is what makes the daily cap (the counter's maximum) and the
one-ticket-per-ID check race free; the partial unique index on tickets is the last line of defence.
"""

from __future__ import annotations

import re
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from govhall.core import audit, crypto
from govhall.core.identity import check_mobile, check_ric
from govhall.core.masking import mask_id_number
from govhall.core.serials import SerialsExhausted, next_serial
from govhall.hall.queue.errors import (
    AppointmentNotFound,
    BusinessNotFound,
    DailyCapReached,
    DuplicateTicket,
    InvalidInput,
    NotAtWindow,
    WindowBusy,
)
from govhall.hall.queue.models import MAX_DAILY_CAP, Business, DeskState, Ticket, WindowBusiness, WindowDesk
from govhall.hall.queue.states import ACTIVE_STATES, CURRENT_STATES, Lane, TicketState
from govhall.org.access import require_role, staff_of
from govhall.org.models import Role

ELDERLY_AGE = 60  # RULES.md "Hall": 60+ by the birth date in the ID number
NAME_MAX = 64
_PREFIX_RE = re.compile(r"[A-Z]{1,2}")


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def lane_for(*, green: bool, appointment_on_time: bool, birth: date | None, day: date) -> int:
    if green:
        return Lane.GREEN
    if appointment_on_time:
        return Lane.APPOINTMENT
    if birth is not None and age_on(birth, day) >= ELDERLY_AGE:
        return Lane.ELDERLY
    return Lane.ORDINARY


def serial_scope(business: Business) -> str:
    # The same scope core.serials.ticket_number uses, so both count one series per hall and prefix.
    return f"ticket:{business.site.code}:{business.prefix}"


def _active_business(business) -> Business:
    pk = getattr(business, "pk", business)
    try:
        return Business.objects.select_related("site").get(pk=int(pk), active=True)
    except (Business.DoesNotExist, TypeError, ValueError):
        raise BusinessNotFound(_("该业务不存在或已停办。"), field="business") from None


def _identity(id_number: str, name: str, mobile: str):
    ric = check_ric(id_number)
    if not ric.valid:
        raise InvalidInput(_("身份证号码无效：%(r)s") % {"r": ric.reason}, field="id_number")
    name = " ".join(str(name or "").split())
    if len(name) > NAME_MAX:
        raise InvalidInput(_("姓名不能超过%(n)d个字符。") % {"n": NAME_MAX}, field="name")
    phone = ""
    if str(mobile or "").strip():
        checked = check_mobile(mobile)
        if not checked.valid:
            raise InvalidInput(_("手机号码无效：%(r)s") % {"r": checked.reason}, field="mobile")
        phone = checked.normalized
    return ric, name, phone


def waiting_count(business: Business, day: date) -> int:
    states = (TicketState.WAITING, TicketState.TRANSFERRED)
    return Ticket.objects.filter(
        business=business, day=day, state__in=states, target_window__isnull=True
    ).count()


@transaction.atomic(durable=True)
def ticket_issue(
    *, business, id_number: str, name: str = "", mobile: str = "", green: bool = False, actor=None
) -> Ticket:
    """Issue a ticket at the kiosk (``actor`` None: the device). A green-channel ticket is issued
    by staff only (the hall guide decides who qualifies)."""
    if green:
        require_role(actor)
    return issue(business=business, id_number=id_number, name=name, mobile=mobile, green=green, actor=actor)


def issue(
    *, business, id_number: str, name: str = "", mobile: str = "", green: bool = False,
    appointment_ref: int | None = None, appointment_on_time: bool = False, actor=None,
) -> Ticket:  # fmt: skip
    """The issuing step inside a caller's transaction (``ticket_issue``, the kiosk check-in)."""
    business = _active_business(business)
    ric, name, phone = _identity(id_number, name, mobile)
    now = timezone.now()
    day = timezone.localdate(now)
    digest = crypto.keyed_digest(ric.normalized)
    cap = min(business.daily_cap, 10**3 - 1)
    try:
        serial = next_serial(scope=serial_scope(business), day=day, maximum=cap)
    except SerialsExhausted:
        raise DailyCapReached(
            _("“%(b)s”今日号票已取完（每日限%(n)d号），请明日再来或网上办理。")
            % {"b": business.name, "n": cap}
        ) from None
    # After the bump: a concurrent kiosk of this business waits on the counter row (PostgreSQL).
    if Ticket.objects.filter(
        business=business, day=day, id_number_digest=digest, state__in=ACTIVE_STATES
    ).exists():
        raise DuplicateTicket(
            _("该身份证号码在“%(b)s”已有未办结的号票，请勿重复取号。") % {"b": business.name},
            field="id_number",
        )
    lane = lane_for(green=green, appointment_on_time=appointment_on_time, birth=ric.birth_date, day=day)
    ticket = Ticket(
        site_id=business.site_id, business=business, day=day, number=f"{business.prefix}{serial:03d}",
        lane=lane, holder_name=name, id_number_cipher=crypto.encrypt(ric.normalized), id_number_digest=digest,
        mobile_cipher=crypto.encrypt(phone) if phone else "", appointment_ref=appointment_ref, issued_at=now,
    )  # fmt: skip
    try:
        with transaction.atomic():
            ticket.save(force_insert=True)
    except IntegrityError:
        raise DuplicateTicket(_("该身份证号码已有未办结的号票，请勿重复取号。"), field="id_number") from None
    audit.record(
        action="hall_queue.issue", actor=actor, obj=ticket,
        after={"number": ticket.number, "business": business.code, "lane": lane,
               "id_number": mask_id_number(ric.normalized)},
    )  # fmt: skip
    return ticket


# --- appointment check-in at the kiosk -------------------------------------------------------


def _business_for(appointment) -> Business:
    """The queue business of the appointment's hall covering its item: preferably one the booked
    window serves, else any; else whatever the booked window serves."""
    window = appointment.window
    here = Business.objects.filter(site_id=window.site_id, active=True).select_related("site")
    served = here.filter(windows__window=window).order_by("windows__priority")
    for qs in (served.filter(items=appointment.item_id), here.filter(items=appointment.item_id), served):
        business = qs.first()
        if business is not None:
            return business
    raise BusinessNotFound(_("未找到该预约事项的排队业务，请到咨询台取号。"), field="code")


@transaction.atomic(durable=True)
def ticket_check_in(*, site, code: str = "", id_number: str = "", actor=None) -> Ticket:
    """Check in today's appointment (code or ID number) and issue its ticket, in one transaction:
    an appointment that arrived on time gets the appointment lane (RULES.md "Hall")."""
    from govhall.core.personal import user_id_number, user_mobile
    from govhall.hall.selectors import appointment_for_checkin
    from govhall.hall.services import appointment_check_in

    if not str(code or "").strip() and not str(id_number or "").strip():
        raise InvalidInput(_("请输入预约签到码或身份证号码。"), field="code")
    appointment = appointment_for_checkin(code=code, id_number=id_number, on=timezone.localdate())
    if appointment is None or appointment.window.site_id != getattr(site, "pk", site):
        raise AppointmentNotFound(_("未找到您今天在本大厅的预约，请核对签到码或身份证号码。"), field="code")
    business = _business_for(appointment)
    applicant = appointment.applicant
    holder_id = id_number if check_ric(id_number).valid else user_id_number(applicant)
    mobile = user_mobile(applicant) if applicant.mobile_cipher else ""
    appointment = appointment_check_in(appointment=appointment, actor=actor)
    return issue(
        business=business, id_number=holder_id, name=appointment.applicant_name, mobile=mobile,
        appointment_ref=appointment.pk, appointment_on_time=bool(appointment.on_time), actor=actor,
    )  # fmt: skip


# --- window desks -----------------------------------------------------------------------------


def assigned_staff(actor, window):
    """The actor's Staff record if they are assigned to ``window`` (org Staff.window), else refuse."""
    staff = staff_of(actor)
    if staff is None or staff.window_id != window.pk:
        raise NotAtWindow(_("您不是该窗口的工作人员，不能在此叫号。"))
    return staff


def _desk(window) -> WindowDesk:
    WindowDesk.objects.get_or_create(window=window)
    return WindowDesk.objects.select_for_update().get(window=window)


@transaction.atomic(durable=True)
def window_open(*, window, actor, silent: bool | None = None) -> WindowDesk:
    """Open the window for calling (开始叫号); ``silent`` switches SMS calling on or off."""
    staff = assigned_staff(actor, window)
    desk = _desk(window)
    before = {"state": desk.state, "silent": desk.silent}
    desk.state, desk.staff, desk.opened_at = DeskState.OPEN, staff, timezone.now()
    if silent is not None:
        desk.silent = bool(silent)
    desk.save()
    audit.record(action="hall_queue.window_open", actor=actor, obj=window, before=before,
                 after={"state": desk.state, "silent": desk.silent})  # fmt: skip
    return desk


@transaction.atomic(durable=True)
def window_close(*, window, actor) -> WindowDesk:
    """Close the window (暂停服务); refused while it is calling or serving someone."""
    assigned_staff(actor, window)
    desk = _desk(window)
    if Ticket.objects.filter(window=window, state__in=CURRENT_STATES).exists():
        raise WindowBusy(_("请先处理完当前号票，再暂停服务。"))
    before = {"state": desk.state}
    desk.state = DeskState.CLOSED
    desk.save(update_fields=["state"])
    audit.record(action="hall_queue.window_close", actor=actor, obj=window, before=before,
                 after={"state": desk.state})  # fmt: skip
    return desk


# --- configuration (centre manager) ----------------------------------------------------------


def _business_fields(*, site, code, name, prefix, daily_cap, warn_length, minutes_per_ticket, sort,
                    exclude_pk=None) -> dict:  # fmt: skip
    """Checked fields of a business; InvalidInput (nothing written) for the first bad one."""
    code, name = str(code or "").strip(), str(name or "").strip()
    prefix = str(prefix or "").strip().upper()
    if not code or len(code) > 16:
        raise InvalidInput(_("请填写业务编码（不超过16个字符）。"), field="code")
    if not name or len(name) > 64:
        raise InvalidInput(_("请填写业务名称（不超过64个字）。"), field="name")
    if not _PREFIX_RE.fullmatch(prefix):
        raise InvalidInput(_("号票前缀须为 1 至 2 位大写字母。"), field="prefix")
    numbers = {}
    for field, value, low, high, label in (
        ("daily_cap", daily_cap, 1, MAX_DAILY_CAP, _("每日限号")),
        ("warn_length", warn_length, 0, 999, _("排队预警人数")),
        ("minutes_per_ticket", minutes_per_ticket, 1, 240, _("平均办理分钟")),
        ("sort", sort, 0, 999, _("排序")),
    ):
        try:
            number = int(str(value).strip())
        except (TypeError, ValueError):
            number = None
        if number is None or not low <= number <= high:
            raise InvalidInput(_("%(f)s须为%(a)d至%(b)d之间的整数。") % {"f": label, "a": low, "b": high},
                               field=field)  # fmt: skip
        numbers[field] = number
    others = Business.objects.filter(site=site).exclude(pk=exclude_pk)
    if others.filter(prefix=prefix).exists():
        raise InvalidInput(_("本大厅已有前缀为%(p)s的业务。") % {"p": prefix}, field="prefix")
    if others.filter(code=code).exists():
        raise InvalidInput(_("本大厅已有编码为%(c)s的业务。") % {"c": code}, field="code")
    return {"code": code, "name": name, "prefix": prefix, **numbers}


@transaction.atomic
def business_create(
    *, site, code: str, name: str, prefix: str, daily_cap: int = 300, warn_length: int = 30,
    minutes_per_ticket: int = 8, items=(), sort: int = 0, actor,
) -> Business:  # fmt: skip
    """A queue business of a hall (``actor`` None: the system, e.g. the demo loader)."""
    if actor is not None:
        require_role(actor, Role.MANAGER)
    fields = _business_fields(site=site, code=code, name=name, prefix=prefix, daily_cap=daily_cap,
                              warn_length=warn_length, minutes_per_ticket=minutes_per_ticket, sort=sort)  # fmt: skip
    business = Business.objects.create(site=site, **fields)
    business.items.set(items)
    audit.record(action="hall_queue.business_create", actor=actor, obj=business,
                 after={"code": fields["code"], "prefix": fields["prefix"], "daily_cap": fields["daily_cap"]})  # fmt: skip
    return business


def _business_snapshot(business: Business) -> dict:
    return {
        "code": business.code, "name": business.name, "prefix": business.prefix,
        "daily_cap": business.daily_cap, "warn_length": business.warn_length,
        "minutes_per_ticket": business.minutes_per_ticket, "sort": business.sort, "active": business.active,
        "items": sorted(business.items.values_list("code", flat=True)),
    }  # fmt: skip


@transaction.atomic
def business_update(
    *, business: Business, code: str, name: str, prefix: str, daily_cap: int, warn_length: int,
    minutes_per_ticket: int, sort: int = 0, active: bool = True, items=None, actor,
) -> Business:  # fmt: skip
    """Edit a business (manager). A new prefix applies to tickets issued from now on; today's
    numbers already issued keep theirs (the serial counter is per prefix and day)."""
    require_role(actor, Role.MANAGER)
    business = Business.objects.select_for_update().get(pk=business.pk)
    before = _business_snapshot(business)
    fields = _business_fields(site=business.site, code=code, name=name, prefix=prefix, daily_cap=daily_cap,
                              warn_length=warn_length, minutes_per_ticket=minutes_per_ticket, sort=sort,
                              exclude_pk=business.pk)  # fmt: skip
    for field, value in fields.items():
        setattr(business, field, value)
    business.active = bool(active)
    business.save()
    if items is not None:
        business.items.set(items)
    audit.record(action="hall_queue.business_update", actor=actor, obj=business, before=before,
                 after=_business_snapshot(business))  # fmt: skip
    return business


@transaction.atomic
def window_business_set(*, window, business, priority: int = 1, actor) -> WindowBusiness:
    """Let ``window`` serve ``business`` with ``priority`` (1 first)."""
    if actor is not None:
        require_role(actor, Role.MANAGER)
    if window.site_id != business.site_id:
        raise InvalidInput(_("窗口与业务不在同一大厅。"), field="window")
    link, _created = WindowBusiness.objects.update_or_create(
        window=window, business=business, defaults={"priority": int(priority)}
    )
    audit.record(action="hall_queue.window_business_set", actor=actor, obj=link,
                 after={"window": window.pk, "business": business.pk, "priority": int(priority)})  # fmt: skip
    return link


PRIORITY_MAX = 99


@transaction.atomic
def window_business_remove(*, window, business, actor) -> bool:
    """The window no longer serves ``business`` (tickets already waiting stay in the business's queue)."""
    require_role(actor, Role.MANAGER)
    link = WindowBusiness.objects.select_for_update().filter(window=window, business=business).first()
    if link is None:
        return False
    before = {"window": window.pk, "business": business.pk, "priority": link.priority}
    link.delete()
    audit.record(action="hall_queue.window_business_remove", actor=actor, obj=window, before=before)
    return True


@transaction.atomic(durable=True)
def window_businesses_replace(*, window, priorities: dict, actor) -> list[WindowBusiness]:
    """Set all of a window's businesses at once: ``priorities`` maps a Business of the window's
    hall to a priority 1–99, or to None to stop serving it. All are checked before any is written."""
    require_role(actor, Role.MANAGER)
    checked = {}
    for business, priority in priorities.items():
        if business.site_id != window.site_id:
            raise InvalidInput(_("窗口与业务不在同一大厅。"), field="window")
        if priority in (None, ""):
            checked[business] = None
            continue
        try:
            number = int(str(priority).strip())
        except ValueError:
            number = 0
        if not 1 <= number <= PRIORITY_MAX:
            raise InvalidInput(_("“%(b)s”的优先级须为1至%(n)d之间的整数（留空表示不办理）。")
                               % {"b": business.name, "n": PRIORITY_MAX}, field=f"priority_{business.pk}")  # fmt: skip
        checked[business] = number
    current = dict(
        WindowBusiness.objects.select_for_update()
        .filter(window=window)
        .values_list("business_id", "priority")
    )
    for business, number in checked.items():
        if number is None and business.pk in current:
            window_business_remove(window=window, business=business, actor=actor)
        elif number is not None and current.get(business.pk) != number:
            window_business_set(window=window, business=business, priority=number, actor=actor)
    return list(WindowBusiness.objects.filter(window=window).select_related("business"))
