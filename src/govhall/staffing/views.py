"""Staff pages: today's sign-in / sign-out, my month, my leave (ADR 0018).

Every page needs a login; a refused request renders the Chinese error page with its status. Forms
post to the services and work without JavaScript; a refused form is shown again with the message
next to the field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from govhall.core import workdays
from govhall.core.errors import DomainError
from govhall.org.access import remember_for_request
from govhall.staffing import assessment, permissions, rules, selectors, services
from govhall.staffing.models import LeaveKind, LeaveRequest, Session, Source


def staff_page(view: Callable) -> Callable:
    """Login required; a DomainError becomes the Chinese error page with its status."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        remember_for_request(request.user)
        try:
            return view(request, *args, **kwargs)
        except DomainError as exc:
            return render(request, "staffing/error.html", {"error": exc}, status=exc.http_status)

    return wrapper


def nav(user) -> dict:
    return {"is_leader": permissions.is_leader(user), "may_see_others": permissions.may_see_others(user)}


def month_param(request: HttpRequest) -> rules.Period:
    code = (request.GET.get("period") or "").strip()
    return rules.period_parse(code, kinds=("month",)) if code else rules.month_of(timezone.localdate())


@require_GET
@staff_page
def home(request: HttpRequest) -> HttpResponse:
    staff = permissions.attending_staff(request.user)
    today = timezone.localdate()
    try:
        workday = workdays.is_workday(today)
    except DomainError:
        workday = False
    context = {
        "staff": staff,
        "today": today,
        "workday": workday,
        "records": selectors.records_on(staff, today),
        "hours": rules.hours(),
        **nav(request.user),
        "pending_leave": selectors.pending_leave_count(request.user),
    }
    return render(request, "staffing/home.html", context)


@require_POST
@staff_page
def sign(request: HttpRequest) -> HttpResponse:
    action = request.POST.get("action")
    try:
        if action == "in":
            record = services.attendance_sign_in(actor=request.user, source=Source.PAGE)
            messages.success(
                request, _("签到成功（%(t)s）。") % {"t": f"{timezone.localtime(record.sign_in_at):%H:%M}"}
            )
        elif action == "out":
            record = services.attendance_sign_out(actor=request.user, source=Source.PAGE)
            messages.success(
                request, _("签退成功（%(t)s）。") % {"t": f"{timezone.localtime(record.sign_out_at):%H:%M}"}
            )
        else:
            messages.error(request, _("请选择签到或签退。"))
    except DomainError as exc:
        if exc.http_status == 403:
            raise
        messages.error(request, exc.message)
    return redirect("staffing:home")


@require_GET
@staff_page
def month(request: HttpRequest) -> HttpResponse:
    period = month_param(request)
    wanted = request.GET.get("staff")
    staff = (
        permissions.access_person(request.user, wanted)
        if wanted
        else permissions.attending_staff(request.user)
    )
    result = assessment.person_month(period, staff)
    context = {
        "staff": staff,
        "period": period,
        "m": result,
        "records": assessment.records_of(staff, period),
        "leaves": selectors.leave_of(staff, period),
        "off_posts": selectors.off_posts_of(staff, period),
        "weights": rules.deductions(),
        "previous": rules.previous_month(period.start).code,
        "next": rules.month_of(period.end).code if period.end <= timezone.localdate() else "",
        **nav(request.user),
    }
    return render(request, "staffing/month.html", context)


def _leave_form(request: HttpRequest) -> dict:
    data = request.POST

    def day(name: str):
        try:
            return dt.date.fromisoformat((data.get(name) or "").strip())
        except ValueError:
            return None

    return {
        "kind": data.get("kind", ""),
        "start_day": day("start_day"),
        "start_session": data.get("start_session", ""),
        "end_day": day("end_day"),
        "end_session": data.get("end_session", ""),
        "reason": data.get("reason", ""),
    }


@require_http_methods(["GET", "POST"])
@staff_page
def leave(request: HttpRequest) -> HttpResponse:
    staff = permissions.attending_staff(request.user)
    error, form = None, {}
    if request.method == "POST":
        form = _leave_form(request)
        try:
            services.leave_submit(**form, actor=request.user)
            messages.success(request, _("请假申请已提交，等待审批。"))
            return redirect("staffing:leave")
        except DomainError as exc:
            if exc.http_status == 403:
                raise
            error = exc
    context = {
        "staff": staff,
        "leaves": LeaveRequest.objects.filter(staff=staff).select_related("decided_by")[:50],
        "kinds": LeaveKind.choices,
        "sessions": Session.choices,
        "form": form,
        "error": error,
        **nav(request.user),
    }
    return render(request, "staffing/leave.html", context, status=error.http_status if error else 200)


@require_POST
@staff_page
def leave_withdraw(request: HttpRequest, leave_id: int) -> HttpResponse:
    leave = selectors.own_leave(request.user, leave_id)
    services.leave_withdraw(leave=leave, actor=request.user)
    messages.success(request, _("请假申请已撤回。"))
    return redirect("staffing:leave")
