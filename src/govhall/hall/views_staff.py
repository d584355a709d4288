"""Staff pages: a window's appointments of a day (/hall/appointments/day/) and the manager's
schedule (/hall/appointments/schedule/: a window's periods, closing and reopening days).

Staff see the windows in their scope (org.access); only the centre manager edits the schedule
(the services check the role again). Applicants' names are masked.
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from govhall.core.errors import DomainError, ValidationFailed
from govhall.hall import schedule, selectors, services
from govhall.hall.errors import AppointmentNotFound
from govhall.hall.models import AppointmentState, BookingBlock, DayClosure, SlotTemplate
from govhall.hall.views import _parse_day, day_label, hall_page
from govhall.org.access import access_window, remember_for_request, require_role, scope_of, staff_of
from govhall.org.models import Role, Window


def _scope_windows(user):
    scope = scope_of(user)
    qs = Window.objects.select_related("site").filter(active=True).order_by("site__code", "number")
    if not scope.everything:
        qs = qs.filter(Q(site_id__in=scope.site_ids) | Q(department_id__in=scope.department_ids))
    return qs


@require_GET
@hall_page
def day_view(request: HttpRequest) -> HttpResponse:
    remember_for_request(request.user)
    staff = require_role(request.user)
    windows = list(_scope_windows(request.user).filter(slot_templates__isnull=False).distinct())
    value = (request.GET.get("window") or "").strip()
    if value.isdigit():
        window = access_window(request.user, int(value))
    else:
        own = staff.window if staff is not None and staff.window_id else None
        window = own or (windows[0] if windows else None)
    day = _parse_day(request.GET.get("day")) or timezone.localdate()
    rows = list(selectors.day_appointments(window=window, day=day)) if window else []
    figures = selectors.day_figures(window=window, day=day) if window else {}
    context = {
        "windows": windows, "window": window, "day": day, "day_text": day_label(day), "rows": rows,
        "figures": [(AppointmentState(s).label, s, n) for s, n in figures.items()],
    }  # fmt: skip
    return render(request, "hall/day.html", context)


def _manager(request: HttpRequest) -> None:
    remember_for_request(request.user)
    require_role(request.user, Role.MANAGER)


@require_GET
@hall_page
def schedule_page(request: HttpRequest) -> HttpResponse:
    _manager(request)
    return render(request, "hall/schedule.html", _schedule_context(request, request.GET.get("window")))


def _schedule_context(request: HttpRequest, window_value, **extra) -> dict:
    windows = list(_scope_windows(request.user))
    value = str(window_value or "").strip()
    window = next((w for w in windows if value.isdigit() and w.pk == int(value)), None)
    with_templates = set(SlotTemplate.objects.values_list("window_id", flat=True).distinct())
    return {
        "windows": [(w, w.pk in with_templates) for w in windows], "window": window,
        "periods": schedule.periods_text(window) if window else "",
        "closures": list(selectors.closures(since=timezone.localdate())), "today": timezone.localdate(),
        "blocks": list(selectors.active_blocks()[:100]),
        **extra,
    }  # fmt: skip


@require_POST
@hall_page
def template_save(request: HttpRequest, window_id: int) -> HttpResponse:
    _manager(request)
    window = access_window(request.user, window_id)
    text = request.POST.get("periods", "")
    try:
        schedule.slot_template_set(window=window, periods=schedule.parse_periods(text), actor=request.user)
    except DomainError as exc:
        context = _schedule_context(request, window.pk, error=exc, periods_error=True)
        context["periods"] = text
        return render(request, "hall/schedule.html", context, status=exc.http_status)
    messages.success(request, _("%(w)s的预约时段已保存，未来几日的时段已更新。") % {"w": window})
    return redirect(f"{reverse('hall:schedule')}?window={window.pk}")


@require_POST
@hall_page
def day_close(request: HttpRequest) -> HttpResponse:
    _manager(request)
    value = (request.POST.get("window") or "").strip()
    try:
        window = access_window(request.user, int(value)) if value.isdigit() else None
        day = _parse_day(request.POST.get("day"))
        if day is None:
            raise ValidationFailed(_("请填写日期（如2026-12-01）。"), code="hall.bad_day", field="day")
        schedule.day_close(day=day, window=window, reason=request.POST.get("reason", ""), actor=request.user)
    except DomainError as exc:
        context = _schedule_context(request, request.POST.get("current"), close_error=exc)
        return render(request, "hall/schedule.html", context, status=exc.http_status)
    messages.success(request, _("%(d)s已停止预约，已预约的申请人将收到短信通知。") % {"d": day_label(day)})
    return redirect("hall:schedule")


@require_http_methods(["POST"])
@hall_page
def day_reopen(request: HttpRequest, closure_id: int) -> HttpResponse:
    _manager(request)
    closure = DayClosure.objects.filter(pk=closure_id).first()
    if closure is None:
        raise AppointmentNotFound(_("停止预约记录不存在。"), code="hall.closure_not_found")
    schedule.day_reopen(closure=closure, actor=request.user)
    messages.success(request, _("%(d)s已恢复预约。") % {"d": day_label(closure.day)})
    return redirect("hall:schedule")


@require_POST
@hall_page
def block_lift(request: HttpRequest, block_id: int) -> HttpResponse:
    _manager(request)
    block = BookingBlock.objects.filter(pk=block_id).first()
    if block is None:
        raise AppointmentNotFound(_("预约限制不存在。"), code="hall.block_not_found")
    try:
        services.booking_block_lift(block=block, reason=request.POST.get("reason", ""), actor=request.user)
    except DomainError as exc:
        context = _schedule_context(request, None, block_error=exc)
        return render(request, "hall/schedule.html", context, status=exc.http_status)
    messages.success(request, _("已解除预约限制。"))
    return redirect("hall:schedule")


def is_manager(user) -> bool:
    staff = staff_of(user)
    return bool(getattr(user, "is_superuser", False) or (staff and staff.role == Role.MANAGER))
