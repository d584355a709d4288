"""Complaint pages (file, mine, the staff list, one complaint with its actions) and the first-inquiry
log at the window (/inquiries/first/). Personal data is masked in every list; the complainant's
mobile is never shown whole. Forms work without JavaScript (post → redirect → page)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from govhall.cases.models import Case
from govhall.core.errors import DomainError, PermissionDenied, ValidationFailed
from govhall.inquiries import policy, selectors, services
from govhall.inquiries.complaints import may_reply
from govhall.inquiries.models import (
    STAFF_CHANNELS,
    ComplaintChannel,
    ComplaintState,
    ComplaintSubject,
    InquiryOutcome,
)
from govhall.inquiries.views import error_page, user_page
from govhall.org.access import staff_of
from govhall.org.models import Department, Staff, Window

PAGE_SIZE = 30


def staff_page(view):
    @user_page
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not policy.is_staff(request.user):
            raise PermissionDenied(_("此页面仅限工作人员使用。"), code="inquiries.staff_only")
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    return wrapper


# --- filing -----------------------------------------------------------------------------------------


def _pick(model, value, field: str, **filters):
    value = (value or "").strip()
    if not value:
        return None
    try:
        return model.objects.get(pk=int(value), **filters)
    except (model.DoesNotExist, ValueError):
        raise ValidationFailed(
            _("所选对象不存在。"), code="inquiries.subject_not_found", field=field
        ) from None


def _subject_refs(data, *, is_staff: bool) -> dict:
    refs = {
        "department": _pick(Department, data.get("department"), "department", active=True),
        "window": _pick(Window, data.get("window"), "window", active=True),
        "staff": None,
        "case": None,
    }
    number = (data.get("case") or "").strip()
    if number:
        refs["case"] = Case.objects.select_related("item__department", "window").filter(number=number).first()
        if refs["case"] is None:
            raise ValidationFailed(_("办件编号不存在。"), code="inquiries.case_not_found", field="case")
    employee_no = (data.get("staff") or "").strip()
    if employee_no:  # the 工号 is on every window's staff card
        refs["staff"] = (
            Staff.objects.select_related("department", "window").filter(employee_no=employee_no).first()
        )
        if refs["staff"] is None:
            raise ValidationFailed(_("工号不存在。"), code="inquiries.staff_not_found", field="staff")
    return refs


def _new_context(request: HttpRequest, **extra) -> dict:
    is_staff = policy.is_staff(request.user)
    subjects = [
        (v, label) for v, label in ComplaintSubject.choices if is_staff or v != ComplaintSubject.STAFF
    ]
    own_cases = [] if is_staff else list(Case.objects.filter(applicant=request.user).only("number")[:50])
    return {
        "is_staff": is_staff, "subjects": subjects, "channels": [(c, ComplaintChannel(c).label) for c in STAFF_CHANNELS],
        "departments": Department.objects.filter(active=True), "windows": Window.objects.filter(active=True),
        "own_cases": own_cases, "data": {}, "error": None, **extra,
    }  # fmt: skip


@require_http_methods(["GET", "POST"])
@user_page
def complaint_new(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "inquiries/complaint_new.html", _new_context(request, data=request.GET))
    data, is_staff = request.POST, policy.is_staff(request.user)
    channel = data.get("channel", "") if is_staff else ComplaintChannel.ONLINE
    try:
        complaint = services.complaint_file(
            content=data.get("content", ""), actor=request.user, channel=channel,
            subject=data.get("subject", ""), complainant_name=data.get("complainant_name", ""),
            complainant_mobile=data.get("complainant_mobile", ""), **_subject_refs(data, is_staff=is_staff),
        )  # fmt: skip
    except DomainError as exc:
        context = _new_context(request, data=data, error=exc)
        return render(request, "inquiries/complaint_new.html", context, status=exc.http_status)
    messages.success(request, _("投诉已登记，编号 %(n)s。") % {"n": complaint.number})
    if is_staff:
        return redirect("inquiries:complaint", complaint_id=complaint.pk)
    return redirect("inquiries:complaints_mine")


@require_GET
@user_page
def complaints_mine(request: HttpRequest) -> HttpResponse:
    return render(
        request, "inquiries/complaints_mine.html", {"complaints": selectors.complaints_of(request.user)}
    )


# --- staff --------------------------------------------------------------------------------------------


@require_GET
@staff_page
def complaint_list(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    state = state if state in ComplaintState.values else ""
    overdue = {"1": True, "0": False}.get(request.GET.get("overdue", ""))
    qs = selectors.complaints_for_staff(request.user, state=state, overdue=overdue)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "state": state, "overdue": request.GET.get("overdue", ""),
               "states": ComplaintState.choices, "desk": policy.has_role(request.user, *policy.DISPATCH_ROLES)}  # fmt: skip
    return render(request, "inquiries/complaints.html", context)


def _complaint_context(request: HttpRequest, complaint, **extra) -> dict:
    user = request.user
    desk = policy.has_role(user, *policy.DISPATCH_ROLES)
    return {
        "c": complaint, "desk": desk, "may_reply": may_reply(user, complaint) and complaint.state in ("assigned", "escalated"),
        "may_rate": complaint.state == "replied" and (complaint.complainant_id == user.pk or desk),
        "is_owner": complaint.complainant_id == user.pk, "is_staff": policy.is_staff(user),
        "departments": Department.objects.filter(active=True) if desk else [], "error": None, "data": {}, **extra,
    }  # fmt: skip


@require_GET
@user_page
def complaint_detail(request: HttpRequest, complaint_id: int) -> HttpResponse:
    complaint = selectors.complaint_get(user=request.user, complaint_id=complaint_id)
    return render(request, "inquiries/complaint.html", _complaint_context(request, complaint))


def _bool(value) -> bool | None:
    return {"1": True, "0": False}.get(value or "")


def _run(action: str, complaint, data, user) -> None:
    if action == "reply":
        services.complaint_reply(complaint=complaint, text=data.get("text", ""), upheld=_bool(data.get("upheld")),
                                 actor=user)  # fmt: skip
    elif action == "rate":
        services.complaint_rate(complaint=complaint, satisfied=_bool(data.get("satisfied")),
                                note=data.get("note", ""), actor=user)  # fmt: skip
    elif action in ("assign", "reassign"):
        unit = _pick(Department, data.get("unit"), "unit", active=True)
        if action == "assign":
            services.complaint_assign(complaint=complaint, unit=unit, actor=user)
        else:
            services.complaint_reassign(
                complaint=complaint, unit=unit, reason=data.get("reason", ""), actor=user
            )
    elif action == "close":
        services.complaint_close(complaint=complaint, note=data.get("note", ""), actor=user)
    else:
        raise PermissionDenied(_("不支持的操作。"), code="inquiries.bad_action")


@require_POST
@user_page
def complaint_action(request: HttpRequest, complaint_id: int, action: str) -> HttpResponse:
    complaint = selectors.complaint_get(user=request.user, complaint_id=complaint_id)
    try:
        _run(action, complaint, request.POST, request.user)
    except DomainError as exc:
        complaint.refresh_from_db()
        context = _complaint_context(request, complaint, error=exc, data=request.POST)
        return render(request, "inquiries/complaint.html", context, status=exc.http_status)
    messages.success(request, _("已保存。"))
    return redirect("inquiries:complaint", complaint_id=complaint.pk)


# --- first-inquiry log ----------------------------------------------------------------------------------


def _date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def _first_context(request: HttpRequest, **extra) -> dict:
    g = request.GET
    outcome = g.get("outcome", "") if g.get("outcome", "") in InquiryOutcome.values else ""
    filters = {"start": _date(g.get("start")), "end": _date(g.get("end")), "outcome": outcome,
               "mine": g.get("mine") == "1"}  # fmt: skip
    qs = selectors.first_inquiries(request.user, **filters)
    staff = staff_of(request.user)
    return {
        "page": Paginator(qs, PAGE_SIZE).get_page(g.get("page")), "filters": filters,
        "outcomes": InquiryOutcome.choices, "own_window": staff.window if staff else None,
        "data": {}, "error": None, **extra,
    }  # fmt: skip


@require_http_methods(["GET", "POST"])
@staff_page
def first_inquiry(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "inquiries/first.html", _first_context(request))
    data = request.POST
    try:
        services.first_inquiry_record(
            actor=request.user, asker_name=data.get("asker_name", ""), asker_mobile=data.get("asker_mobile", ""),
            question=data.get("question", ""), outcome=data.get("outcome", ""), guided_to=data.get("guided_to", ""),
        )  # fmt: skip
    except DomainError as exc:
        context = _first_context(request, data=data, error=exc)
        return render(request, "inquiries/first.html", context, status=exc.http_status)
    messages.success(request, _("首问登记已保存。"))
    return redirect("inquiries:first")


__all__ = ["error_page"]
