"""/api/v1/hall/queue — mounted by govhall.api.api.

Public reads for hall devices (businesses with their queue lengths, the screen's last calls); the
kiosk and the windows act with a bearer token (a kiosk device token, a clerk's token). Errors are
``{"code", "message"}``: 400 bad input, 403 not the window's staff, 404 unknown, 409 state.
"""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema, Status

from govhall.core.api import api_actor, bearer
from govhall.core.errors import NotFound
from govhall.hall.queue import calling, selectors, services
from govhall.hall.queue.models import Ticket
from govhall.hall.queue.texts import call_texts
from govhall.org.access import access_window
from govhall.org.models import Site

router = Router(tags=["排队叫号"])


class BusinessOut(Schema):
    id: int
    prefix: str
    name: str
    waiting: int
    warn: bool
    full: bool
    wait_minutes: int


class TicketOut(Schema):
    id: int
    number: str
    business: str
    lane: int
    lane_label: str
    state: str
    holder: str  # masked (张*)
    window: str | None
    issued_at: datetime
    called_at: datetime | None
    display: str = ""
    voice: str = ""


class CallOut(Schema):
    ticket: TicketOut | None


class IssueIn(Schema):
    business: int
    id_number: str
    name: str = ""
    mobile: str = ""
    green: bool = False


class CheckInIn(Schema):
    site: str
    code: str = ""
    id_number: str = ""


class OpenIn(Schema):
    silent: bool = False


class ActionIn(Schema):
    case_numbers: list[str] = []  # finish
    reason: str = ""  # suspend
    to_window: int | None = None  # transfer (one of the two)
    to_business: int | None = None
    note: str = ""


class ScreenOut(Schema):
    site: str
    calls: list[TicketOut]
    businesses: list[BusinessOut]


def _ticket(t: Ticket) -> dict:
    texts = call_texts(t, t.window, silent=False) if t.window_id and t.called_at else {}
    return {
        "id": t.pk, "number": t.number, "business": t.business.name, "lane": t.lane,
        "lane_label": str(t.get_lane_display()), "state": t.state, "holder": t.masked_name,
        "window": t.window.number if t.window_id else None, "issued_at": t.issued_at, "called_at": t.called_at,
        "display": texts.get("display", ""), "voice": texts.get("voice", ""),
    }  # fmt: skip


def _site(code: str) -> Site:
    site = Site.objects.filter(code=code, active=True).first() if code else selectors.default_site()
    if site is None:
        raise NotFound("未找到该服务大厅。", code="queue.site_not_found")
    return site


def _load(x) -> dict:
    return {"id": x.business.pk, "prefix": x.business.prefix, "name": x.business.name, "waiting": x.waiting,
            "warn": x.warn, "full": x.full, "wait_minutes": x.wait_minutes}  # fmt: skip


def _fresh(ticket) -> Ticket:
    return Ticket.objects.select_related("business", "window").get(pk=ticket.pk)


@router.get("/businesses", response=list[BusinessOut], summary="大厅的排队业务与等候人数（公开）")
def business_list(request: HttpRequest, site: str = ""):
    return [_load(x) for x in selectors.business_loads(_site(site))]


@router.get("/screen", response=ScreenOut, summary="大厅显示屏：最近叫号与各业务等候人数（公开）")
def screen(request: HttpRequest, site: str = ""):
    hall = _site(site)
    calls = []
    for row in selectors.last_calls(hall):
        data = _ticket(row["ticket"]) | {"display": row["display"], "voice": row["voice"]}
        calls.append(data)
    return {
        "site": hall.code,
        "calls": calls,
        "businesses": [_load(x) for x in selectors.business_loads(hall)],
    }


@router.post("/tickets", response={201: TicketOut}, auth=bearer, summary="取号（自助取号机或导服人员）")
def ticket_issue(request: HttpRequest, body: IssueIn):
    ticket = services.ticket_issue(business=body.business, id_number=body.id_number, name=body.name,
                                   mobile=body.mobile, green=body.green, actor=api_actor(request))  # fmt: skip
    return Status(201, _ticket(_fresh(ticket)))


@router.post("/check-in", response={201: TicketOut}, auth=bearer, summary="预约签到取号")
def ticket_check_in(request: HttpRequest, body: CheckInIn):
    ticket = services.ticket_check_in(site=_site(body.site), code=body.code, id_number=body.id_number)
    return Status(201, _ticket(_fresh(ticket)))


@router.post("/windows/{window_id}/open", auth=bearer, summary="窗口开始服务")
def window_open(request: HttpRequest, window_id: int, body: OpenIn):
    desk = services.window_open(window=access_window(request.auth, window_id), actor=api_actor(request),
                                silent=body.silent)  # fmt: skip
    return {"state": desk.state, "silent": desk.silent}


@router.post("/windows/{window_id}/close", auth=bearer, summary="窗口暂停服务")
def window_close(request: HttpRequest, window_id: int):
    desk = services.window_close(window=access_window(request.auth, window_id), actor=api_actor(request))
    return {"state": desk.state, "silent": desk.silent}


@router.post("/windows/{window_id}/call-next", response=CallOut, auth=bearer, summary="叫下一位")
def call_next(request: HttpRequest, window_id: int):
    window = access_window(request.auth, window_id)
    ticket = calling.ticket_call_next(window=window, actor=api_actor(request))
    return {"ticket": _ticket(_fresh(ticket)) if ticket else None}


ACTIONS = {
    "recall": lambda t, a, b: calling.ticket_recall(ticket=t, actor=a),
    "serve": lambda t, a, b: calling.ticket_serve(ticket=t, actor=a),
    "no_show": lambda t, a, b: calling.ticket_no_show(ticket=t, actor=a),
    "suspend": lambda t, a, b: calling.ticket_suspend(ticket=t, actor=a, reason=b.reason),
    "resume": lambda t, a, b: calling.ticket_resume(ticket=t, actor=a),
    "finish": lambda t, a, b: calling.ticket_finish(ticket=t, actor=a, case_numbers=b.case_numbers),
    "transfer": lambda t, a, b: calling.ticket_transfer(
        ticket=t, actor=a, to_window=b.to_window, to_business=b.to_business, note=b.note
    ),
}


@router.post("/tickets/{ticket_id}/actions/{action}", response=TicketOut, auth=bearer,
             summary="号票操作：recall, serve, no_show, suspend, resume, finish, transfer")  # fmt: skip
def ticket_action(request: HttpRequest, ticket_id: int, action: str, body: ActionIn):
    run = ACTIONS.get(action)
    if run is None:
        raise NotFound("未知的号票操作。", code="queue.unknown_action")
    ticket = run(ticket_id, api_actor(request), body)
    return _ticket(_fresh(ticket))
