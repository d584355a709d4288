"""The ratings pages: public statistics (/ratings/), an applicant rating their own concluded case
(/ratings/cases/<number>/), the SMS link (/ratings/r/<token>/, no login), and the staff's
rectification list and detail with its actions (/ratings/rectifications/…).

Every form posts with CSRF and works without JavaScript (post → redirect → the page). A case that
is not the viewer's answers 404 exactly like an unknown number (no existence oracle); a refused
action shows its Chinese message in the page and changes nothing.
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
from django.views.decorators.http import require_http_methods, require_POST

from govhall.cases.models import Case
from govhall.core.errors import Conflict, DomainError, PermissionDenied, ValidationFailed
from govhall.org.access import remember_for_request
from govhall.ratings import permissions, rectifications, selectors, services
from govhall.ratings.models import (
    BAD_LEVELS,
    FINAL_RECT_STATES,
    Channel,
    Level,
    Reason,
    RectAction,
    RectState,
    ReturnVisit,
    VisitMethod,
    VisitResult,
    allowed_rect_actions,
)

LIST_LIMIT = 100


def error_page(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return render(request, "ratings/error.html", {"error": exc}, status=exc.http_status)


def _form_context(**extra) -> dict:
    return {
        "levels": Level.choices,
        "reasons": Reason.choices,
        "bad_levels": [int(x) for x in BAD_LEVELS],
    } | extra


def _posted(request: HttpRequest) -> dict:
    return {
        "level": request.POST.get("level", ""),
        "comment": request.POST.get("comment", ""),
        "reasons": request.POST.getlist("reasons"),
    }


def _channel(request: HttpRequest) -> str:
    agent = request.headers.get("User-Agent", "")
    return Channel.MOBILE if "Mobile" in agent or "Android" in agent else Channel.PC


# --- public statistics ------------------------------------------------------------------------------


def _date(value: str, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat((value or "").strip()) if value else default
    except ValueError:
        raise ValidationFailed(_("日期格式应为YYYY-MM-DD。"), code="ratings.bad_date") from None


def _period(request: HttpRequest) -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    start = _date(request.GET.get("start", ""), today.replace(month=1, day=1))
    end = _date(request.GET.get("end", ""), today)
    if end < start or (end - start).days > 3660:
        raise ValidationFailed(
            _("统计期间无效：结束日期须不早于开始日期，且不超过十年。"), code="ratings.bad_period"
        )
    return start, end


@require_http_methods(["GET", "HEAD"])
def stats(request: HttpRequest) -> HttpResponse:
    """好差评 results made public: scores by department, window and item; no personal data."""
    try:
        start, end = _period(request)
    except DomainError as exc:
        return error_page(request, exc)
    summary = selectors.public_summary(start=start, end=end)
    channels, per_level = summary["channels"], summary["per_level"]
    context = summary | {
        "start": start, "end": end, "item_limit": selectors.ITEM_LIMIT,
        "per_level": [(value, label, per_level.get(value, 0)) for value, label in Level.choices],
        "channels": [(label, channels[value]) for value, label in Channel.choices if value in channels],
    }  # fmt: skip
    return render(request, "ratings/stats.html", context)


# --- an applicant rates their own case -----------------------------------------------------------------


def _own_case(user, number: str) -> Case:
    case = (
        Case.objects.select_related("item", "item__department")
        .filter(number=(number or "").strip(), applicant_id=user.pk)
        .first()
    )
    if case is None:
        raise permissions.case_not_found()
    return case


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def rate_case(request: HttpRequest, number: str) -> HttpResponse:
    remember_for_request(request.user)
    try:
        case = _own_case(request.user, number)
    except DomainError as exc:
        return error_page(request, exc)
    rating = selectors.case_rating(case=case)
    context = _form_context(case=case, rating=rating, action=request.path)
    if rating is None and case.state not in selectors.RATEABLE_STATES:
        context["error"] = Conflict(
            _("办件%(n)s尚未办结，办结后才能评价。") % {"n": case.number}, code="ratings.case_not_concluded"
        )
        return render(request, "ratings/rate.html", context, status=409)
    if request.method == "POST" and rating is None:
        data = _posted(request)
        try:
            services.rating_submit(channel=_channel(request), actor=request.user, case=case, **data)
        except DomainError as exc:
            return render(
                request, "ratings/rate.html", context | {"error": exc, "data": data}, status=exc.http_status
            )
        messages.success(request, _("感谢您的评价！"))
        return redirect(request.path)
    return render(request, "ratings/rate.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
def rate_token(request: HttpRequest, token: str) -> HttpResponse:
    """The SMS link: no login, the token stands for the case's applicant."""
    invitation = selectors.invitation_by_token(token=token)
    if invitation is None:
        return error_page(request, services.invitation_invalid())
    case = invitation.case
    rating = selectors.case_rating(case=case)
    context = _form_context(case=case, rating=rating, action=request.path, by_link=True)
    if request.method == "POST" and rating is None:
        data = _posted(request)
        try:
            services.rating_submit_by_invitation(token=token, **data)
        except DomainError as exc:
            return render(
                request, "ratings/rate.html", context | {"error": exc, "data": data}, status=exc.http_status
            )
        messages.success(request, _("感谢您的评价！"))
        return redirect(request.path)
    return render(request, "ratings/rate.html", context)


# --- staff: rectifications ----------------------------------------------------------------------------


def staff_page(view: Callable) -> Callable:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        remember_for_request(request.user)
        try:
            if not permissions.is_staff(request.user):
                raise PermissionDenied(_("差评整改仅限工作人员使用。"), code="ratings.staff_only")
            return view(request, *args, **kwargs)
        except DomainError as exc:
            return error_page(request, exc)

    return wrapper


@require_http_methods(["GET", "HEAD"])
@staff_page
def rect_list(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    state = state if state in RectState.values else ""
    overdue = {"1": True, "0": False}.get(request.GET.get("overdue", ""))
    qs = selectors.rectifications_for(user=request.user, state=state, overdue=overdue)
    rows = list(qs[:LIST_LIMIT])
    context = {
        "rows": rows, "total": qs.count() if len(rows) == LIST_LIMIT else len(rows), "limit": LIST_LIMIT,
        "states": RectState.choices, "state": state, "overdue": request.GET.get("overdue", ""),
        "now": timezone.now(),
    }  # fmt: skip
    return render(request, "ratings/rect_list.html", context)


def _rect_or_404(request: HttpRequest, pk):
    rect = selectors.rectification_get(user=request.user, pk=pk)
    if rect is None:
        raise permissions.rect_not_found()
    return rect


def _offered(rect, user) -> list[str]:
    """The actions this viewer may take now (the table filtered by role)."""
    offered = []
    for action in allowed_rect_actions(rect.state):
        check = permissions.require_unit if action in (RectAction.START, RectAction.APPEAL, RectAction.RECTIFY,
                                                       RectAction.CANNOT) else permissions.require_reviewer  # fmt: skip
        try:
            check(user, rect)
        except DomainError:
            continue
        offered.append(action)
    return offered


def _detail(request: HttpRequest, rect, *, error: DomainError | None = None, data=None) -> HttpResponse:
    offered = _offered(rect, request.user)
    may_visit = rect.state not in FINAL_RECT_STATES and rect.state != RectState.INVALID_REVIEW
    if may_visit:
        try:
            permissions.require_unit(request.user, rect)
        except DomainError:
            may_visit = False
    context = {
        "rect": rect, "rating": rect.rating, "error": error, "data": data or {},
        "visits": ReturnVisit.objects.filter(rectification=rect).select_related("visited_by").order_by("visited_at"),
        "offered": offered, "may_visit": may_visit,
        "review": any(a in offered for a in ("appeal_uphold", "cannot_uphold")),
        "methods": VisitMethod.choices, "results": VisitResult.choices,
        "reason_names": [dict(Reason.choices).get(r, r) for r in rect.rating.reasons],
        "now": timezone.now(),
    }  # fmt: skip
    return render(request, "ratings/rect_detail.html", context, status=error.http_status if error else 200)


@require_http_methods(["GET", "HEAD"])
@staff_page
def rect_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _rect_or_404(request, pk))


def _run(action: str, rect, request: HttpRequest):
    post, user = request.POST, request.user
    if action == "start":
        return rectifications.rectification_start(rectification=rect, note=post.get("note", ""), actor=user)
    if action == "appeal":
        return rectifications.rectification_appeal(
            rectification=rect, reason=post.get("reason", ""), actor=user
        )
    if action == "cannot":
        return rectifications.rectification_cannot(
            rectification=rect, reason=post.get("reason", ""), actor=user
        )
    if action == "rectify":
        return rectifications.rectification_complete(
            rectification=rect, measures=post.get("measures", ""), public_result=post.get("public_result", ""),
            actor=user,
        )  # fmt: skip
    if action == "visit":
        return rectifications.return_visit_record(
            rectification=rect, method=post.get("method", ""), result=post.get("result", ""),
            note=post.get("note", ""), actor=user,
        )  # fmt: skip
    if action == "review":
        uphold = {"1": True, "0": False}.get(post.get("uphold", ""), None)
        return rectifications.rectification_review(rectification=rect, uphold=uphold, note=post.get("note", ""),
                                                   actor=user)  # fmt: skip
    raise ValidationFailed(_("未知的操作。"), code="ratings.bad_action")


DONE = {
    "start": _("已开始整改。"), "appeal": _("已提交无效差评申诉，等待审核。"), "cannot": _("已提交无法整改申请，等待审核。"),
    "rectify": _("整改已办结。"), "visit": _("已登记回访记录。"), "review": _("审核意见已提交。"),
}  # fmt: skip


@require_POST
@staff_page
def rect_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    rect = _rect_or_404(request, pk)
    try:
        _run(action, rect, request)
    except DomainError as exc:
        return _detail(request, _rect_or_404(request, pk), error=exc, data=request.POST)
    messages.success(request, DONE.get(action, _("已完成。")))
    return redirect("ratings:rect_detail", pk=rect.pk)
