"""Pages for duty leaders, the manager and department leaders: leave approval, off-post records,
the month sheet, the half-yearly summary, the selections and the feedback letters (ADR 0018)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from govhall.core.errors import DomainError, NotFound
from govhall.org.models import Staff
from govhall.staffing import assessment, awards, documents, permissions, rules, selectors, services
from govhall.staffing.models import Award, Selection, VotePeriod
from govhall.staffing.views import month_param, staff_page


def _refused_form(exc: DomainError) -> None:
    if exc.http_status in (403, 404):
        raise exc


@require_GET
@staff_page
def approvals(request: HttpRequest) -> HttpResponse:
    pending = selectors.pending_leave(request.user)
    context = {"pending": pending[:200], "total": pending.count(), "limit_days": services.leader_leave_days()}
    return render(request, "staffing/approvals.html", context)


@require_POST
@staff_page
def leave_decide(request: HttpRequest, leave_id: int) -> HttpResponse:
    permissions.require_leader(request.user)
    leave = selectors.access_leave(request.user, leave_id)
    action = request.POST.get("action", "")
    try:
        if action == "revoke":
            services.leave_revoke(leave=leave, note=request.POST.get("note", ""), actor=request.user)
        else:
            services.leave_decide(
                leave=leave, action=action, note=request.POST.get("note", ""), actor=request.user
            )
        messages.success(request, _("已处理%(n)s的请假申请。") % {"n": leave.staff.name})
    except DomainError as exc:
        _refused_form(exc)
        messages.error(request, exc.message)
    return redirect("staffing:approvals")


def _local_dt(day: str, time: str):
    try:
        return timezone.make_aware(
            dt.datetime.combine(dt.date.fromisoformat(day), dt.time.fromisoformat(time))
        )
    except ValueError:
        return None


@require_http_methods(["GET", "POST"])
@staff_page
def offpost(request: HttpRequest) -> HttpResponse:
    permissions.require_leader(request.user)
    error, form = None, {}
    if request.method == "POST":
        form = request.POST
        try:
            person = permissions.access_person(request.user, form.get("staff"))
        except DomainError:
            person = None
        day = (form.get("day") or "").strip()
        try:
            services.offpost_record(
                staff=person, started_at=_local_dt(day, form.get("start", "")),
                ended_at=_local_dt(day, form.get("end", "")), reason=form.get("reason", ""),
                approved=form.get("approved") == "1", actor=request.user,
            )  # fmt: skip
            messages.success(request, _("离岗记录已登记。"))
            return redirect("staffing:offpost")
        except DomainError as exc:
            _refused_form(exc)
            error = exc
    context = {
        "people": Staff.objects.filter(active=True).order_by("employee_no"),
        "recent": selectors.recent_off_posts(),
        "form": form,
        "error": error,
        "today": timezone.localdate(),
    }
    return render(request, "staffing/offpost.html", context, status=error.http_status if error else 200)


@require_GET
@staff_page
def sheet(request: HttpRequest) -> HttpResponse:
    if not permissions.may_see_others(request.user):
        raise permissions.forbidden()
    period = month_param(request)
    rows = assessment.month_sheet(period, permissions.visible_staff(request.user))
    context = {"period": period, "rows": rows, "weights": rules.deductions()}
    return render(request, "staffing/sheet.html", context)


@require_GET
@staff_page
def summary(request: HttpRequest) -> HttpResponse:
    if not permissions.may_see_others(request.user):
        raise permissions.forbidden()
    code = (request.GET.get("period") or "").strip()
    today = timezone.localdate()
    period = rules.period_parse(code or f"{today.year}H{1 if today.month <= 6 else 2}")
    rows = assessment.period_summary(period, permissions.visible_staff(request.user))
    rows.sort(key=lambda r: (-r.average, r.staff.employee_no))
    return render(request, "staffing/summary.html", {"period": period, "rows": rows})


def _selection_params(request: HttpRequest) -> tuple[str, rules.Period]:
    data = request.POST if request.method == "POST" else request.GET
    award = awards.award_check(data.get("award") or Award.RED_FLAG)
    code = (data.get("period") or "").strip()
    period = awards.selection_period(code) if code else rules.previous_month(timezone.localdate())
    return award, period


@require_GET
@staff_page
def selection(request: HttpRequest) -> HttpResponse:
    permissions.require_leader(request.user)
    award, period = _selection_params(request)
    context = {
        "award": award,
        "award_label": Award(award).label,
        "awards": Award.choices,
        "period": period,
        "candidates": awards.score_candidates(award, period.code),
        "count": rules.award_count(award, period.kind),
        "weights": rules.weights(),
        "selection": Selection.objects.filter(award=award, period=period.code).first(),
        "vote_period": VotePeriod.objects.filter(award=award, period=period.code).first(),
        "is_manager": _is_manager(request.user),
    }
    return render(request, "staffing/selection.html", context)


def _is_manager(user) -> bool:
    try:
        permissions.require_manager(user)
    except DomainError:
        return False
    return True


def _back(award: str, period: str) -> HttpResponse:
    return redirect(f"{reverse('staffing:selection')}?award={award}&period={period}")


@require_POST
@staff_page
def selection_action(request: HttpRequest) -> HttpResponse:
    """compute / publish / open_vote / close_vote / score, then back to the selection page."""
    permissions.require_leader(request.user)
    award, period = _selection_params(request)
    action, user = request.POST.get("action", ""), request.user
    try:
        if action == "compute":
            awards.selection_compute(award=award, period=period.code, actor=user)
        elif action == "publish":
            found = Selection.objects.filter(award=award, period=period.code).first()
            if found is None:
                raise NotFound(_("请先计算评选结果。"), code="staffing.selection_not_found")
            awards.selection_publish(selection=found, actor=user)
        elif action == "open_vote":
            awards.vote_period_open(award=award, period=period.code, actor=user)
        elif action == "close_vote":
            found = VotePeriod.objects.filter(award=award, period=period.code).first()
            if found is None:
                raise NotFound(_("本期没有开启投票。"), code="staffing.vote_not_found")
            awards.vote_period_close(vote_period=found, actor=user)
        elif action == "score":
            target = request.POST.get("target")
            ids = {"window_id": target} if award == Award.RED_FLAG else {"staff_id": target}
            awards.duty_score_enter(period=period.code, award=award, score=request.POST.get("score"), actor=user,
                                    **ids)  # fmt: skip
        else:
            raise NotFound(_("未知操作。"), code="staffing.bad_action")
        messages.success(request, _("操作已完成。"))
    except DomainError as exc:
        if exc.http_status == 403:
            raise
        messages.error(request, exc.message)
    return _back(award, period.code)


@require_GET
@staff_page
def letters(request: HttpRequest) -> HttpResponse:
    departments = permissions.visible_departments(request.user)
    if not departments.exists():
        raise permissions.forbidden()
    code = (request.GET.get("period") or "").strip()
    period = rules.period_parse(code) if code else rules.previous_month(timezone.localdate())
    stationed = departments.filter(staff__active=True).distinct().order_by("sort", "code")
    return render(request, "staffing/letters.html", {"period": period, "departments": stationed})


@require_GET
@staff_page
def letter_file(request: HttpRequest, department_id: int, period: str, fmt: str) -> HttpResponse:
    department = permissions.access_department(request.user, department_id)
    letter = documents.letter_build(department, rules.period_parse(period))
    if fmt == "pdf":
        response = HttpResponse(documents.letter_pdf(letter), content_type="application/pdf")
    else:
        mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        response = HttpResponse(documents.letter_xlsx(letter), content_type=mime)
    response["Content-Disposition"] = f'attachment; filename="{letter.filename}.{fmt}"'
    return response
