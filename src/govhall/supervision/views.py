"""The supervisor dashboard (/supervision/) and the grades page (/supervision/grades/).

Supervisors and the centre-wide roles (org.access.CENTRE_WIDE_ROLES) only: anyone else gets the
Chinese 403 page, an anonymous visitor the login page. The live counts refresh with htmx every
30 s (``counts``); the lists and tables are plain HTML, so the page works without JavaScript; the
charts (ECharts, served by the app) read ``trends.json`` and have a table beside them.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from govhall.cases.states import CaseState
from govhall.core import workdays
from govhall.core.errors import DomainError, PermissionDenied
from govhall.org.access import CENTRE_WIDE_ROLES, remember_for_request, require_role, staff_of
from govhall.org.models import Role
from govhall.supervision import grading, letters, selectors
from govhall.supervision.models import Level, Rule

LIST_LIMIT = 100  # clocks listed per colour (the count says how many there are)
RANKING_LIMIT = 20


def may_supervise(user) -> bool:
    """Whether ``user`` may open the dashboard (a superuser, a supervisor, a centre-wide role)."""
    try:
        require_role(user, *CENTRE_WIDE_ROLES)
    except PermissionDenied:
        return False
    return True


def _forbidden() -> PermissionDenied:
    return PermissionDenied(_("电子监察仅限监察员和中心管理人员使用。"), code="supervision.forbidden")


def supervisor_page(view: Callable) -> Callable:
    """Login required; a refused request renders the Chinese error page with its status."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        remember_for_request(request.user)
        try:
            if not may_supervise(request.user):
                raise _forbidden()
            return view(request, *args, **kwargs)
        except DomainError as exc:
            return render(request, "supervision/error.html", {"error": exc}, status=exc.http_status)

    return wrapper


def _json_error(exc: DomainError) -> JsonResponse:
    return JsonResponse(exc.as_dict(), status=exc.http_status, json_dumps_params={"ensure_ascii": False})


# --- what the pages show ------------------------------------------------------------------------------


def _overdue_text(due, now) -> tuple[str, str]:
    """("超期 1.5 个工作日" | "剩余 0.5 个工作日", colour) of a clock's deadline at ``now``."""
    if due is None:
        return _("计时暂停"), "paused"
    delta = Decimal(workdays.worktime_at(now) - workdays.worktime_at(due)) / workdays.DAY_US
    days = abs(delta).quantize(Decimal("0.1"))
    if delta >= 0:
        return _("超期 %(d)s 个工作日") % {"d": days}, "red"
    return _("剩余 %(d)s 个工作日") % {"d": days}, "yellow"


def _clock_rows(level: str, now) -> tuple[list[dict], int]:
    watches, total = selectors.clock_list(level, limit=LIST_LIMIT)
    rows = []
    for watch in watches:
        case, step = watch.case, watch.step
        department = (step.department if step and step.department_id else None) or case.item.department
        label = Rule(watch.rule).label if not step else _("环节：%(s)s") % {"s": step.name}
        text, _colour = _overdue_text(watch.due_at, now)
        rows.append(
            {"case": case, "rule": label, "department": department, "due": watch.due_at, "text": text}
        )
    return rows, total


def _counts_context(now) -> dict:
    colours = selectors.colour_counts()
    states = selectors.state_counts()
    return {
        "now": now,
        "cases_by_colour": selectors.cases_by_colour(),
        "clock_rows": [(Rule(rule).label, colours.get(rule, {})) for rule in Rule.values],
        "state_rows": [(CaseState(state).label, state, n) for state, n in states.items()],
        "open_total": sum(states.values()),
        "Level": {"red": Level.RED, "yellow": Level.YELLOW},
    }


def _period(request: HttpRequest, now, kind: str = "quarter") -> grading.Period:
    code = (request.GET.get("period") or "").strip()
    return grading.period_parse(code) if code else grading.period_of(now, kind)


# --- pages --------------------------------------------------------------------------------------------


@require_GET
@supervisor_page
def dashboard(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    period = _period(request, now)
    report = grading.grades_for(period, "department")
    red, red_total = _clock_rows(Level.RED, now)
    yellow, yellow_total = _clock_rows(Level.YELLOW, now)
    context = {
        **_counts_context(now),
        "period": period,
        "ranking": report.rows[:RANKING_LIMIT],
        "ranking_total": len(report.rows),
        "red": red, "red_total": red_total, "yellow": yellow, "yellow_total": yellow_total,
        "trends": selectors.weekly_trends(now),
        "list_limit": LIST_LIMIT,
    }  # fmt: skip
    return render(request, "supervision/dashboard.html", context)


@require_GET
@supervisor_page
def counts(request: HttpRequest) -> HttpResponse:
    """The live counts alone: what htmx swaps in every 30 seconds."""
    return render(request, "supervision/_counts.html", _counts_context(timezone.now()))


@require_GET
def trends_json(request: HttpRequest) -> JsonResponse:
    """Weekly received / concluded / overdue for 12 weeks, and the departments' on-time ranking."""
    if not request.user.is_authenticated:
        return _json_error(PermissionDenied(_("请先登录。"), code="supervision.login_required"))
    remember_for_request(request.user)
    if not may_supervise(request.user):
        return _json_error(_forbidden())
    now = timezone.now()
    try:
        period = _period(request, now)
    except DomainError as exc:
        return _json_error(exc)
    weeks = selectors.weekly_trends(now)
    ranked = sorted(
        (g for g in grading.grades_for(period, "department").rows if g.on_time_rate is not None),
        key=lambda g: (-g.on_time_rate, g.unit_name),
    )[:RANKING_LIMIT]
    body = {
        "generated_at": now.isoformat(),
        "weeks": [w["week"] for w in weeks],
        "received": [w["received"] for w in weeks],
        "concluded": [w["concluded"] for w in weeks],
        "overdue": [w["overdue"] for w in weeks],
        "period": period.code,
        "period_label": period.label,
        "ranking": [
            {
                "name": g.unit_name,
                "on_time_rate": float(g.on_time_rate),
                "score": float(g.score),
                "grade": g.grade_label,
            }
            for g in ranked
        ],
    }
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@supervisor_page
def grades(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    level = request.GET.get("level") or "department"
    report = grading.grades_for(_period(request, now), level)
    staff = staff_of(request.user)
    context = {
        "report": report,
        "levels": list(grading.LEVELS.items()),
        "may_issue": staff is not None and staff.role == Role.SUPERVISOR,
        "letter_levels": letters.LETTER_LEVELS,
    }
    return render(request, "supervision/grades.html", context)


@require_POST
@supervisor_page
def letter(request: HttpRequest, period: str, level: str, unit_id: int) -> HttpResponse:
    """Issue the recommendation letter (audited) and send its PDF."""
    issued = letters.letter_issue(period=period, level=level, unit_id=unit_id, actor=request.user)
    response = HttpResponse(letters.letter_pdf(issued), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{issued.filename}"'
    return response
