"""Queue pages: the ticket kiosk, a window's strip and calling panel, the hall screen, the pad.

The kiosk, strip, screen and pad are hall devices: no login (the pad and kiosk post with CSRF).
The calling panel is for staff; the services refuse anyone not assigned to the window. Forms post
and redirect back (work without JavaScript); the live parts poll with htmx.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from govhall.core.errors import DomainError, NotFound, PermissionDenied
from govhall.hall.queue import calling, selectors, services
from govhall.hall.queue.selectors import business_loads, default_site
from govhall.hall.queue.states import allowed_actions
from govhall.org.access import access_window, remember_for_request
from govhall.org.models import Site, Window

TICKET_ACTIONS = {
    "recall": calling.ticket_recall,
    "serve": calling.ticket_serve,
    "no_show": calling.ticket_no_show,
    "suspend": calling.ticket_suspend,
    "resume": calling.ticket_resume,
    "finish": calling.ticket_finish,
    "transfer": calling.ticket_transfer,
}


def _is_htmx(request: HttpRequest) -> bool:
    return bool(request.headers.get("HX-Request"))


def _site(request: HttpRequest) -> Site:
    code = request.GET.get("site") or request.POST.get("site") or ""
    site = Site.objects.filter(code=code, active=True).first() if code else default_site()
    if site is None:
        raise NotFound("未找到该服务大厅。", code="queue.site_not_found")
    return site


def _error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return render(request, "hall_queue/error.html", {"error": exc}, status=exc.http_status)


def _public_window(window_id) -> Window:
    window = Window.objects.select_related("site").filter(pk=window_id, active=True).first()
    if window is None:
        raise NotFound("窗口不存在。", code="queue.window_not_found")
    return window


# --- kiosk -------------------------------------------------------------------------------------


def kiosk(request: HttpRequest) -> HttpResponse:
    try:
        site = _site(request)
    except DomainError as exc:
        return _error(request, exc)
    return render(request, "hall_queue/kiosk.html", {"site": site, "loads": business_loads(site)})


def _kiosk_answer(request, site, ticket=None, error=None) -> HttpResponse:
    context = {"site": site, "loads": business_loads(site), "error": error, "form": request.POST}
    if ticket is not None:
        load = next((x for x in context["loads"] if x.business.pk == ticket.business_id), None)
        context |= {"ticket": ticket, "load": load}
    return render(request, "hall_queue/kiosk.html", context, status=error.http_status if error else 200)


@require_POST
def kiosk_ticket(request: HttpRequest) -> HttpResponse:
    try:
        site = _site(request)
    except DomainError as exc:
        return _error(request, exc)
    try:
        ticket = services.ticket_issue(
            business=request.POST.get("business"), id_number=request.POST.get("id_number", ""),
            name=request.POST.get("name", ""), mobile=request.POST.get("mobile", ""),
            green=request.POST.get("green") == "1", actor=request.user if request.user.is_authenticated else None,
        )  # fmt: skip
    except DomainError as exc:
        return _kiosk_answer(request, site, error=exc)
    return _kiosk_answer(request, site, ticket=ticket)


@require_POST
def kiosk_check_in(request: HttpRequest) -> HttpResponse:
    try:
        site = _site(request)
    except DomainError as exc:
        return _error(request, exc)
    try:
        ticket = services.ticket_check_in(
            site=site, code=request.POST.get("code", ""), id_number=request.POST.get("id_number", "")
        )
    except DomainError as exc:
        return _kiosk_answer(request, site, error=exc)
    return _kiosk_answer(request, site, ticket=ticket)


# --- window: calling panel and strip -----------------------------------------------------------


def _panel_context(request, window) -> dict:
    panel = selectors.window_panel(window)
    windows, businesses = selectors.transfer_choices(window)
    current = panel["current"]
    return panel | {
        "window": window,
        "serves": selectors.window_businesses(window),
        "allowed": allowed_actions(current.state) if current else [],
        "transfer_windows": windows,
        "transfer_businesses": businesses,
        "htmx": _is_htmx(request),
        "assigned": getattr(getattr(request.user, "_org_staff", None), "window_id", None) == window.pk,
    }


@login_required
def window_page(request: HttpRequest, window_id: int) -> HttpResponse:
    remember_for_request(request.user)
    try:
        window = access_window(request.user, window_id)
    except (PermissionDenied, NotFound) as exc:
        return _error(request, exc)
    template = "hall_queue/_panel.html" if _is_htmx(request) else "hall_queue/window.html"
    return render(request, template, _panel_context(request, window))


def _back(request, window) -> HttpResponse:
    if _is_htmx(request):
        return render(request, "hall_queue/_panel.html", _panel_context(request, window))
    return redirect(reverse("hall_queue:window", args=[window.pk]))


@login_required
@require_POST
def window_action(request: HttpRequest, window_id: int, action: str) -> HttpResponse:
    remember_for_request(request.user)
    try:
        window = access_window(request.user, window_id)
    except (PermissionDenied, NotFound) as exc:
        return _error(request, exc)
    try:
        if action == "open":
            services.window_open(window=window, actor=request.user, silent=request.POST.get("silent") == "1")
        elif action == "close":
            services.window_close(window=window, actor=request.user)
        elif action == "call":
            if calling.ticket_call_next(window=window, actor=request.user) is None:
                messages.info(request, "当前没有等候的号票。")
        else:
            return _error(request, NotFound("未知的操作。", code="queue.unknown_action"))
    except DomainError as exc:
        messages.error(request, exc.message)
    return _back(request, window)


def _ticket_kwargs(request, action: str) -> dict:
    if action == "finish":
        raw = request.POST.get("case_numbers", "")
        return {"case_numbers": [n for n in raw.replace("，", ",").replace(",", " ").split() if n]}
    if action == "suspend":
        return {"reason": request.POST.get("reason", "")}
    if action == "transfer":
        target = request.POST.get("target", "")
        kind, _sep, pk = target.partition(":")
        return {
            "to_window": pk if kind == "window" and pk else None,
            "to_business": pk if kind == "business" and pk else None,
            "note": request.POST.get("note", ""),
        }
    return {}


@login_required
@require_POST
def ticket_action(request: HttpRequest, window_id: int, ticket_id: int, action: str) -> HttpResponse:
    remember_for_request(request.user)
    try:
        window = access_window(request.user, window_id)
    except (PermissionDenied, NotFound) as exc:
        return _error(request, exc)
    service = TICKET_ACTIONS.get(action)
    if service is None:
        return _error(request, NotFound("未知的操作。", code="queue.unknown_action"))
    try:
        service(ticket=ticket_id, actor=request.user, **_ticket_kwargs(request, action))
    except DomainError as exc:
        messages.error(request, exc.message)
    return _back(request, window)


def window_strip(request: HttpRequest, window_id: int) -> HttpResponse:
    """The strip over the window (窗口屏): its number, name and the ticket it is calling now."""
    try:
        window = _public_window(window_id)
    except DomainError as exc:
        return _error(request, exc)
    panel = selectors.window_panel(window)
    context = {
        "window": window,
        "current": panel["current"],
        "texts": panel["texts"],
        "is_open": panel["is_open"],
    }
    template = "hall_queue/_strip.html" if _is_htmx(request) else "hall_queue/strip.html"
    return render(request, template, context)


# --- hall screen -------------------------------------------------------------------------------


def screen(request: HttpRequest) -> HttpResponse:
    try:
        site = _site(request)
    except DomainError as exc:
        return _error(request, exc)
    context = {"site": site, "calls": selectors.last_calls(site), "loads": business_loads(site)}
    template = "hall_queue/_screen_live.html" if _is_htmx(request) else "hall_queue/screen.html"
    return render(request, template, context)


# --- evaluator pad -----------------------------------------------------------------------------


def pad(request: HttpRequest, window_id: int) -> HttpResponse:
    try:
        window = _public_window(window_id)
    except DomainError as exc:
        return _error(request, exc)
    context = {"window": window, "ticket": calling.pad_ticket(window), "levels": _levels()}
    template = "hall_queue/_pad_live.html" if _is_htmx(request) else "hall_queue/pad.html"
    return render(request, template, context)


def _levels() -> list[tuple[int, str]]:
    return [(1, "非常满意"), (2, "满意"), (3, "基本满意"), (4, "不满意"), (5, "非常不满意")]


@require_POST
def pad_rate(request: HttpRequest, window_id: int) -> HttpResponse:
    try:
        window = _public_window(window_id)
    except DomainError as exc:
        return _error(request, exc)
    try:
        calling.ticket_rate(window=window, ticket=request.POST.get("ticket"), level=request.POST.get("level"))
    except DomainError as exc:
        context = {"window": window, "error": exc, "levels": _levels(), "ticket": calling.pad_ticket(window)}
        return render(request, "hall_queue/pad.html", context, status=exc.http_status)
    except ImportError:  # the ratings context is not installed
        return _error(request, NotFound("评价服务暂不可用。", code="queue.ratings_unavailable"))
    template = "hall_queue/_pad_live.html" if _is_htmx(request) else "hall_queue/pad.html"
    return render(request, template, {"window": window, "thanks": True, "levels": _levels()})
