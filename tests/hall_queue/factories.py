"""Queue test data: org rows through the org factories, businesses and tickets through the services."""

from __future__ import annotations

import itertools

from django.db import transaction

from govhall.core.identity import ric_check_char
from govhall.core.models import AuditEvent, OutboxMessage, SerialCounter
from govhall.hall.queue import services
from govhall.hall.queue.models import Business, Ticket, TicketCase, WindowDesk
from govhall.org.models import Role
from tests.org import factories as org

_seq = itertools.count(1)


def ric(birth: str = "19900101", seq: int | None = None) -> str:
    """A valid resident ID number born on ``birth`` (YYYYMMDD), unique per call unless ``seq``."""
    n = next(_seq) if seq is None else seq
    body = f"110105{birth}{n % 1000:03d}"
    return body + ric_check_char(body)


def business(*, site=None, prefix: str = "A", name: str | None = None, **extra) -> Business:
    return services.business_create(
        site=site or org.centre(), code=f"B{prefix}", name=name or f"业务{prefix}", prefix=prefix,
        actor=None, **extra,
    )  # fmt: skip


def window(*, serves: dict[Business, int], number: str | None = None):
    win = org.window(number=number)
    for b, priority in serves.items():
        services.window_business_set(window=win, business=b, priority=priority, actor=None)
    return win


def clerk_at(win, **extra):
    return org.staff(role=Role.CLERK, win=win, site=win.site, dept=win.department, **extra).user


def open_window(win, clerk, *, silent: bool = False):
    return services.window_open(window=win, actor=clerk, silent=silent)


def ticket(b: Business, *, birth: str = "19900101", **extra) -> Ticket:
    return services.ticket_issue(business=b, id_number=ric(birth), **extra)


def appointment_ticket(b: Business, *, on_time: bool = True) -> Ticket:
    with transaction.atomic():
        return services.issue(business=b, id_number=ric(), appointment_ref=1, appointment_on_time=on_time)


def counts() -> dict[str, int]:
    """Rows the queue services write (successful audit events only), to show nothing changed."""
    rows = {m.__name__: m.objects.count() for m in (Business, Ticket, TicketCase, WindowDesk, OutboxMessage)}
    states = dict.fromkeys(Ticket.objects.values_list("state", flat=True))
    return rows | {
        "AuditEvent": AuditEvent.objects.filter(success=True).count(),
        "serials": sum(SerialCounter.objects.values_list("value", flat=True)),
        "states": sorted(Ticket.objects.values_list("id", "state")).__repr__() if states else "",
    }
