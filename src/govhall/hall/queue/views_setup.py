"""The centre manager's queue setup page: businesses (prefix, name, cap, warning, items) and which
businesses each window serves, with what priority (ADR 0016).

/hall/queue/businesses/ lists one hall's businesses and windows (?site=<code>; default the
manager's own hall). Forms post to the services, which check the role (manager or superuser) and
audit; a refused form is shown again with its message and status. No JavaScript needed.
"""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from govhall.catalog.models import ServiceItem
from govhall.core.errors import DomainError, NotFound
from govhall.hall.queue import selectors, services
from govhall.hall.queue.errors import BusinessNotFound, InvalidInput
from govhall.hall.queue.models import MAX_DAILY_CAP, Business
from govhall.org.access import remember_for_request, require_role, staff_of
from govhall.org.models import Role, Site, Window

FIELDS = ("code", "name", "prefix", "daily_cap", "warn_length", "minutes_per_ticket", "sort")
_SPLIT = re.compile(r"[\s,，、;；]+")


def _manager(request: HttpRequest) -> None:
    remember_for_request(request.user)
    require_role(request.user, Role.MANAGER)


def _site(request: HttpRequest) -> Site:
    code = (request.GET.get("site") or request.POST.get("site") or "").strip()
    if code:
        site = Site.objects.filter(code=code).first()
    else:
        staff = staff_of(request.user)
        site = staff.site if staff else (selectors.default_site() or Site.objects.order_by("pk").first())
    if site is None:
        raise NotFound(_("未找到该服务大厅。"), code="queue.site_not_found")
    return site


def _items(text: str) -> list[ServiceItem]:
    codes = [c for c in _SPLIT.split(text or "") if c]
    if len(codes) > 200:
        raise InvalidInput(_("一个业务最多关联200个事项。"), field="items")
    found = {i.code: i for i in ServiceItem.objects.filter(code__in=codes)}
    missing = [c for c in codes if c not in found]
    if missing:
        raise InvalidInput(_("以下事项编码不存在：%(c)s") % {"c": "、".join(missing[:10])}, field="items")
    return list(dict.fromkeys(found[c] for c in codes))


def _page(request, site, *, error=None, form=None, editing=None) -> HttpResponse:
    context = {
        "site": site,
        "sites": Site.objects.order_by("pk"),
        "businesses": selectors.setup_businesses(site),
        "windows": selectors.setup_windows(site),
        "error": error,
        "form": form or {},
        "editing": editing,
        "max_cap": MAX_DAILY_CAP,
    }
    return render(request, "hall_queue/businesses.html", context, status=error.http_status if error else 200)


def _error(request, exc: DomainError) -> HttpResponse:
    return render(request, "hall_queue/error.html", {"error": exc}, status=exc.http_status)


def _back(site) -> HttpResponse:
    return redirect(f"{reverse('hall_queue:businesses')}?site={site.code}")


def _form(request) -> dict:
    return {name: (request.POST.get(name) or "").strip() for name in (*FIELDS, "items")} | {
        "active": bool(request.POST.get("active"))
    }


@login_required
@require_http_methods(["GET", "POST"])
def businesses(request: HttpRequest) -> HttpResponse:
    """GET: the list; POST: create a business."""
    try:
        _manager(request)
        site = _site(request)
    except DomainError as exc:
        return _error(request, exc)
    if request.method == "GET":
        return _page(request, site)
    form = _form(request)
    try:
        fields = {name: form[name] for name in FIELDS}
        business = services.business_create(
            site=site, items=_items(form["items"]), **fields, actor=request.user
        )
    except DomainError as exc:
        if exc.http_status == 403:
            return _error(request, exc)
        return _page(request, site, error=exc, form=form)
    messages.success(request, _("已新增业务“%(b)s”。") % {"b": business})
    return _back(site)


def _business(request, business_id: int) -> Business:
    business = Business.objects.select_related("site").filter(pk=business_id).first()
    if business is None:
        raise BusinessNotFound(_("业务不存在。"))
    return business


@login_required
@require_http_methods(["GET", "POST"])
def business_edit(request: HttpRequest, business_id: int) -> HttpResponse:
    try:
        _manager(request)
        business = _business(request, business_id)
    except DomainError as exc:
        return _error(request, exc)
    if request.method == "GET":
        form = {name: getattr(business, name) for name in FIELDS} | {
            "active": business.active,
            "items": " ".join(business.items.order_by("code").values_list("code", flat=True)),
        }
        return render(request, "hall_queue/business_edit.html", {"business": business, "form": form,
                                                                  "max_cap": MAX_DAILY_CAP})  # fmt: skip
    form = _form(request)
    try:
        fields = {name: form[name] for name in FIELDS}
        services.business_update(business=business, items=_items(form["items"]), active=form["active"],
                                 **fields, actor=request.user)  # fmt: skip
    except DomainError as exc:
        if exc.http_status == 403:
            return _error(request, exc)
        context = {"business": business, "form": form, "error": exc, "max_cap": MAX_DAILY_CAP}
        return render(request, "hall_queue/business_edit.html", context, status=exc.http_status)
    messages.success(request, _("已保存业务“%(b)s”。") % {"b": business.name})
    return _back(business.site)


@login_required
@require_POST
def window_businesses(request: HttpRequest, window_id: int) -> HttpResponse:
    """Set the window's businesses: one field ``priority_<business id>`` per business of the hall."""
    try:
        _manager(request)
        window = Window.objects.select_related("site").filter(pk=window_id).first()
        if window is None:
            raise NotFound(_("窗口不存在。"), code="queue.window_not_found")
    except DomainError as exc:
        return _error(request, exc)
    site = window.site
    priorities = {
        b: request.POST.get(f"priority_{b.pk}", "").strip()
        for b in Business.objects.filter(site=site)
        if f"priority_{b.pk}" in request.POST
    }
    try:
        services.window_businesses_replace(window=window, priorities=priorities, actor=request.user)
    except DomainError as exc:
        if exc.http_status == 403:
            return _error(request, exc)
        return _page(request, site, error=exc)
    messages.success(request, _("已保存%(w)s的办理业务。") % {"w": window})
    return _back(site)
