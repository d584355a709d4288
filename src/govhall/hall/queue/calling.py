"""Calling at a window: call next, recall, serve, no-show, transfer, suspend, resume, finish.

Order of calling (RULES.md "Hall", docs/adr/0016-queue-calling.md): the lowest lane first — green
channel, appointments that arrived on time, holders aged 60+ by the birth date in their ID number,
then ordinary tickets; inside the first three lanes first come first served across the window's
businesses; ordinary tickets by the window's business priority (WindowBusiness.priority), FIFO
inside each. A ticket transferred to this very window ranks first inside its lane.

Concurrency: every action locks the window's desk row first (one window's double click is
serialised), then the ticket. ``ticket_call_next`` picks with ``SELECT … FOR UPDATE SKIP LOCKED``
(PostgreSQL): a ticket another window is taking right now is skipped, not waited for, so twenty
windows calling at once never take the same ticket and never queue behind each other. SQLite has a
single writer (BEGIN IMMEDIATE), which gives the same guarantee there.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import Case as When_
from django.db.models import IntegerField, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from govhall.cases.models import Case
from govhall.core import audit, crypto, outbox
from govhall.hall.queue import fastpath
from govhall.hall.queue.errors import (
    BusinessNotFound,
    DuplicateTicket,
    InvalidInput,
    RatingUnavailable,
    TicketNotFound,
    WindowBusy,
    WindowClosed,
)
from govhall.hall.queue.models import (
    Business,
    DeskState,
    Ticket,
    TicketCase,
    TicketEvent,
    WindowBusiness,
    WindowDesk,
)
from govhall.hall.queue.services import assigned_staff
from govhall.hall.queue.states import (
    CALLABLE_STATES,
    CURRENT_STATES,
    Lane,
    TicketAction,
    TicketState,
    next_state,
)
from govhall.hall.queue.texts import call_texts
from govhall.org.models import Window

A = TicketAction
PAD_MINUTES = 10  # the evaluator pad asks for a rating this long after the ticket was finished
MAX_CASE_NUMBERS = 20


def _locked_desk(window, *, must_be_open: bool) -> WindowDesk:
    desk = WindowDesk.objects.select_for_update().filter(window=window).first()
    if must_be_open and (desk is None or desk.state != DeskState.OPEN):
        raise WindowClosed(_("%(w)s未开放叫号，请先开始服务。") % {"w": window})
    return desk


def _ensure_idle(window) -> None:
    if Ticket.objects.filter(window=window, state__in=CURRENT_STATES).exists():
        raise WindowBusy(_("该窗口还有正在叫号或办理的号票，请先办结、过号、挂起或转移。"))


def _rank(window, priorities: dict[int, int]):
    """The ordering key inside a lane (see the module docstring)."""
    ordinary = When_(
        *[When(business_id=b, then=Value(p)) for b, p in priorities.items()],
        default=Value(32767),
        output_field=IntegerField(),
    )
    return When_(
        When(target_window=window, then=Value(-1)),
        When(lane=Lane.ORDINARY, then=ordinary),
        default=Value(0),
        output_field=IntegerField(),
    )


def next_ticket_queryset(window, day):
    """The window's callable tickets in calling order (also shown as the window's queue)."""
    priorities = dict(WindowBusiness.objects.filter(window=window).values_list("business_id", "priority"))
    mine = Q(target_window=window) | Q(target_window__isnull=True, business_id__in=list(priorities))
    return (
        Ticket.objects.filter(mine, day=day, state__in=CALLABLE_STATES)
        .annotate(rank=_rank(window, priorities))
        .order_by("lane", "rank", "issued_at", "id")
    )


def _move(ticket: Ticket, action: str) -> dict:
    before = {"state": ticket.state}
    ticket.state = next_state(ticket.state, action)
    return before


def _event(ticket: Ticket, action: str, before: dict, *, staff=None, at=None) -> None:
    """The ticket's timeline row (every move); window moves stop here (docs/adr/0016)."""
    TicketEvent.objects.create(
        ticket=ticket, action=action, from_state=before["state"], to_state=ticket.state,
        window_id=ticket.window_id, staff_id=getattr(staff, "pk", staff) or ticket.staff_id, at=at or timezone.now(),
    )  # fmt: skip


def _audit(ticket: Ticket, action: str, actor, before: dict, **detail) -> None:
    """Timeline row plus an audit chain event (issue, transfer, finish: accountability)."""
    _event(ticket, action, before)
    audit.record(
        action=f"hall_queue.{action}", actor=actor, obj=ticket, before=before,
        after={"state": ticket.state, "number": ticket.number, "window": ticket.window_id},
        detail=detail or None,
    )  # fmt: skip


def _sms_if_silent(ticket: Ticket, window, silent: bool) -> None:
    """Silent calling: the holder gets an SMS (once per call or recall) instead of the voice."""
    if not (silent and ticket.mobile_cipher):
        return
    text = call_texts(ticket, window, silent=True)["sms"]
    outbox.enqueue(
        kind="sms", topic="queue.call", payload={"mobile": crypto.decrypt(ticket.mobile_cipher), "text": text},
        dedupe_key=f"queue.call:{ticket.pk}:{ticket.recall_count}",
    )  # fmt: skip


def ticket_call_next(*, window, actor) -> Ticket | None:
    """Call the next ticket at ``window`` (None when nobody waits for it)."""
    try:
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            # One statement is one transaction: at a voice-calling desk the call has no other
            # write (no SMS), so it needs no BEGIN/COMMIT round trips around it.
            now = timezone.now()
            called = fastpath.call_next(window_id=window.pk, user_id=getattr(actor, "pk", None),
                                        day=timezone.localdate(now), now=now, loud_only=True)  # fmt: skip
            if called is not None:
                return called[0]
        return _call_next(window=window, actor=actor)
    except IntegrityError as error:
        # The same window's other click won the race (one current ticket per window, PostgreSQL).
        if "queue_ticket_one_current_per_window" not in str(error):
            raise
        raise WindowBusy(_("该窗口还有正在叫号或办理的号票，请先办结、过号、挂起或转移。")) from None


@transaction.atomic(durable=True)
def _call_next(*, window, actor) -> Ticket | None:
    now = timezone.now()
    if connection.vendor == "postgresql":
        called = fastpath.call_next(
            window_id=window.pk, user_id=getattr(actor, "pk", None), day=timezone.localdate(now), now=now
        )
        if called is not None:
            ticket, silent = called
            _sms_if_silent(ticket, window, silent)
            return ticket
        # Nothing called: the checks below say why (or the queue is empty).
    staff = assigned_staff(actor, window)
    desk = _locked_desk(window, must_be_open=True)
    _ensure_idle(window)
    ticket = (
        next_ticket_queryset(window, timezone.localdate(now))
        .select_for_update(skip_locked=True, of=("self",))
        .first()
    )
    if ticket is None:
        return None
    before = _move(ticket, A.CALL)
    ticket.window, ticket.staff, ticket.target_window = window, staff, None
    ticket.called_at = now
    ticket.first_called_at = ticket.first_called_at or now
    ticket.save(update_fields=["state", "window", "staff", "target_window", "called_at", "first_called_at"])
    _event(ticket, A.CALL, before, at=now)
    _sms_if_silent(ticket, window, desk.silent)
    return ticket


def _locked_ticket(ticket) -> Ticket:
    pk = getattr(ticket, "pk", ticket)
    qs = Ticket.objects.select_for_update(of=("self",)).select_related("business", "window")
    try:
        return qs.get(pk=int(pk))
    except (Ticket.DoesNotExist, TypeError, ValueError):
        raise TicketNotFound(_("号票不存在。")) from None


def _at_window(ticket, actor, *, must_be_open: bool = False):
    """Check the actor against the ticket's window, lock the desk then the ticket."""
    pk = getattr(ticket, "pk", ticket)
    window = Window.objects.filter(pk=Ticket.objects.filter(pk=pk).values("window_id")[:1]).first()
    if window is None:
        raise TicketNotFound(_("号票不存在或尚未被叫号。"))
    staff = assigned_staff(actor, window)
    desk = _locked_desk(window, must_be_open=must_be_open)
    locked = _locked_ticket(pk)
    if locked.window_id != window.pk:  # called meanwhile at another window (after a transfer)
        raise TicketNotFound(_("该号票已不在本窗口。"))
    return staff, desk, locked


@transaction.atomic(durable=True)
def ticket_recall(*, ticket, actor) -> Ticket:
    """Call the same ticket again (重呼): the screen and the announcer repeat it."""
    _staff, desk, ticket = _at_window(ticket, actor)
    before = _move(ticket, A.RECALL)
    ticket.recall_count += 1
    ticket.called_at = timezone.now()
    ticket.save(update_fields=["state", "recall_count", "called_at"])
    _event(ticket, A.RECALL, before, at=ticket.called_at)
    _sms_if_silent(ticket, ticket.window, bool(desk and desk.silent))
    return ticket


@transaction.atomic(durable=True)
def ticket_serve(*, ticket, actor) -> Ticket:
    """The holder came to the window: service starts (the sitting's cases are counted from here)."""
    _staff, _desk, ticket = _at_window(ticket, actor)
    before = _move(ticket, A.SERVE)
    ticket.serving_at = timezone.now()
    ticket.save(update_fields=["state", "serving_at"])
    _event(ticket, A.SERVE, before, at=ticket.serving_at)
    return ticket


def ticket_no_show(*, ticket, actor) -> Ticket:
    """Called and not come (过号); final — the holder takes a new ticket."""
    if connection.vendor == "postgresql" and isinstance(ticket, Ticket):
        # One guarded UPDATE (+ its timeline row): its own transaction outside an atomic block.
        now = timezone.now()
        if fastpath.no_show(ticket_id=ticket.pk, user_id=getattr(actor, "pk", None), now=now):
            ticket.state, ticket.finished_at = TicketState.NO_SHOW, now
            return ticket
    return _no_show(ticket=ticket, actor=actor)


@transaction.atomic(durable=True)
def _no_show(*, ticket, actor) -> Ticket:
    # SQLite, or the hot path found nothing to do: the checks below name the reason.
    _staff, _desk, ticket = _at_window(ticket, actor)
    before = _move(ticket, A.NO_SHOW)
    ticket.finished_at = timezone.now()
    ticket.save(update_fields=["state", "finished_at"])
    _event(ticket, A.NO_SHOW, before, at=ticket.finished_at)
    return ticket


def _transfer_target(ticket: Ticket, to_window, to_business):
    if (to_window is None) == (to_business is None):
        raise InvalidInput(_("请选择转移到的窗口或业务（二选一）。"), field="to_window")
    if to_business is not None:
        pk = getattr(to_business, "pk", to_business)
        business = Business.objects.filter(pk=pk, site_id=ticket.site_id, active=True).first()
        if business is None:
            raise BusinessNotFound(_("转移的目标业务不存在或不在本大厅。"), field="to_business")
        if business.pk == ticket.business_id:
            raise InvalidInput(_("号票已在该业务中。"), field="to_business")
        return None, business
    pk = getattr(to_window, "pk", to_window)
    window = Window.objects.filter(pk=pk, site_id=ticket.site_id, active=True).first()
    if window is None or window.pk == ticket.window_id:
        raise InvalidInput(_("请选择本大厅的另一个窗口。"), field="to_window")
    return window, None


@transaction.atomic(durable=True)
def ticket_transfer(*, ticket, actor, to_window=None, to_business=None, note: str = "") -> Ticket:
    """Send the holder to another window or business; the ticket keeps its lane and issue time."""
    _staff, _desk, ticket = _at_window(ticket, actor)
    window, business = _transfer_target(ticket, to_window, to_business)
    before = _move(ticket, A.TRANSFER)
    before |= {"business": ticket.business_id, "window": ticket.window_id}
    ticket.target_window = window
    if business is not None:
        ticket.business = business
    ticket.transfer_count += 1
    ticket.note = str(note or "")[:200]
    try:
        with transaction.atomic():
            ticket.save(update_fields=["state", "target_window", "business", "transfer_count", "note"])
    except IntegrityError:
        raise DuplicateTicket(_("该身份证号码在目标业务已有未办结的号票。"), field="to_business") from None
    _audit(ticket, A.TRANSFER, actor, before, to_window=getattr(window, "pk", None),
           to_business=getattr(business, "pk", None))  # fmt: skip
    return ticket


@transaction.atomic(durable=True)
def ticket_suspend(*, ticket, actor, reason: str = "") -> Ticket:
    """Set the holder aside (挂起), e.g. to fetch a copy; the window may call the next one."""
    _staff, _desk, ticket = _at_window(ticket, actor)
    before = _move(ticket, A.SUSPEND)
    ticket.note = str(reason or "")[:200]
    ticket.save(update_fields=["state", "note"])
    _event(ticket, A.SUSPEND, before)
    return ticket


@transaction.atomic(durable=True)
def ticket_resume(*, ticket, actor) -> Ticket:
    """Take a suspended ticket back (the window must be open and free)."""
    staff, _desk, ticket = _at_window(ticket, actor, must_be_open=True)
    _ensure_idle(ticket.window)
    before = _move(ticket, A.RESUME)
    ticket.staff = staff
    ticket.save(update_fields=["state", "staff"])
    _event(ticket, A.RESUME, before)
    return ticket


def _cases_of_sitting(ticket: Ticket, numbers: Iterable[str]) -> list[tuple[Case, str]]:
    """Cases received at this sitting: matched by the holder's ID digest since the first call,
    plus numbers the clerk typed (an enterprise's case carries the credit code, not the ID)."""
    since = ticket.first_called_at or ticket.issued_at
    sitting = Case.objects.filter(site_id=ticket.site_id, received_at__gte=since)
    found = {
        c.pk: (c, TicketCase.Source.MATCHED)
        for c in sitting.filter(applicant_id_digest=ticket.id_number_digest)
    }
    typed = [n.strip().upper() for n in numbers if str(n or "").strip()]
    if len(typed) > MAX_CASE_NUMBERS:
        raise InvalidInput(_("一次最多关联%(n)d个办件。") % {"n": MAX_CASE_NUMBERS}, field="case_numbers")
    by_number = {c.number: c for c in sitting.filter(number__in=typed)}
    for number in typed:
        case = by_number.get(number)
        if case is None:
            raise InvalidInput(
                _("办件编号 %(n)s 不存在，或不是本次叫号后在本大厅收件的办件。") % {"n": number},
                field="case_numbers",
            )
        found.setdefault(case.pk, (case, TicketCase.Source.TYPED))
    return list(found.values())


@transaction.atomic(durable=True)
def ticket_finish(*, ticket, actor, case_numbers: Iterable[str] = ()) -> Ticket:
    """Finish the service (办结) and link the cases created at this sitting; the pad then asks
    the holder for a rating of this ticket, window and clerk."""
    _staff, _desk, ticket = _at_window(ticket, actor)
    links = _cases_of_sitting(ticket, case_numbers)
    before = _move(ticket, A.FINISH)
    ticket.finished_at = timezone.now()
    ticket.rating_pending = True
    ticket.save(update_fields=["state", "finished_at", "rating_pending"])
    TicketCase.objects.bulk_create([TicketCase(ticket=ticket, case=c, source=s) for c, s in links])
    _audit(ticket, A.FINISH, actor, before, cases=[c.number for c, _s in links])
    return ticket


# --- the evaluator pad ------------------------------------------------------------------------


def pad_ticket(window) -> Ticket | None:
    """The ticket the window's pad asks about: the newest finished one still awaiting a rating."""
    since = timezone.now() - timedelta(minutes=PAD_MINUTES)
    return (
        Ticket.objects.filter(
            window=window, state=TicketState.DONE, rating_pending=True, finished_at__gte=since
        )
        .select_related("staff", "business")
        .order_by("-finished_at", "-id")
        .first()
    )


def ticket_rate(*, window, ticket, level) -> Ticket:
    """A rating from the window's pad (好差评 channel "pad", no login: the pad is the window's
    device and asks only about the ticket it has just seen finished there)."""
    from govhall.ratings.services import rating_submit

    current = pad_ticket(window)
    pk = getattr(ticket, "pk", ticket)
    if current is None or str(current.pk) != str(pk):
        raise RatingUnavailable(_("该号票已评价或已超过评价时间。"))
    try:
        level = int(level)
    except (TypeError, ValueError):
        level = 0
    if level not in range(1, 6):
        raise InvalidInput(_("请选择1至5级评价。"), field="level")
    # The ratings service runs its own transaction; the pad's flag is cleared right after it.
    mobile = crypto.decrypt(current.mobile_cipher) if current.mobile_cipher else ""
    rating_submit(level=level, channel="pad", actor=None, window=window, staff=current.staff,
                  service_ref=f"ticket:{current.pk}", rater_name=current.holder_name, rater_mobile=mobile)  # fmt: skip
    _rating_closed(current)
    return current


@transaction.atomic(durable=True)
def _rating_closed(ticket: Ticket) -> None:
    Ticket.objects.filter(pk=ticket.pk).update(rating_pending=False)
    ticket.rating_pending = False
