"""Manager pages for the working-day calendar: years, a month grid, day edits and schedule import."""

import calendar as std_calendar
import datetime as dt
from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from govhall.core.calendar import CalendarImportError, calendar_import, calendar_set_day, read_schedule
from govhall.core.errors import DomainError
from govhall.core.models import CalendarDay, CalendarYear

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MANAGER_ROLE = "manager"  # org.Role.MANAGER; core does not import org (DESIGN.md: arrows point one way)


def _is_manager(user) -> bool:
    if user.is_superuser:
        return True
    staff = getattr(user, "staff", None) if hasattr(user, "staff") else None
    return staff is not None and staff.active and staff.role == MANAGER_ROLE


def manager_required(view):
    """Login first; then only the centre manager (or a superuser) — everyone else gets 403."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not _is_manager(request.user):
            raise PermissionDenied(_("只有中心管理员可以维护工作日历。"))
        return view(request, *args, **kwargs)

    return wrapper


class DayForm(forms.Form):
    day = forms.DateField(
        label=gettext_lazy("日期"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    is_workday = forms.TypedChoiceField(
        label=gettext_lazy("类型"),
        choices=[("1", gettext_lazy("上班")), ("0", gettext_lazy("休息"))],
        coerce=lambda value: value == "1",
    )
    note = forms.CharField(label=gettext_lazy("说明"), required=False, max_length=64)


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("放假安排文件（.xlsx 或 .csv，列：日期、类型、说明）"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("文件不能超过2MB"))
        return upload


def _index_context(**extra) -> dict:
    years = list(CalendarYear.objects.order_by("-year"))
    return {"years": years, "import_form": ImportForm(), **extra}


@manager_required
def calendar_index(request: HttpRequest) -> HttpResponse:
    return render(request, "core/calendar.html", _index_context())


@manager_required
@require_POST
def calendar_import_view(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "core/calendar.html", _index_context(import_form=form), status=400)
    upload = form.cleaned_data["file"]
    try:
        report = calendar_import(rows=read_schedule(upload.read(), upload.name), actor=request.user)
    except CalendarImportError as exc:
        context = _index_context(import_form=form, import_errors=exc.errors)
        return render(request, "core/calendar.html", context, status=400)
    except DomainError as exc:
        form.add_error("file", exc.message)
        return render(request, "core/calendar.html", _index_context(import_form=form), status=400)
    messages.success(
        request, _("已导入%(year)s年放假安排，共%(rows)s行。") % {"year": report.year, "rows": report.rows}
    )
    return redirect("calendar-year", year=report.year)


def _month_weeks(year: int, month: int, days: dict[dt.date, CalendarDay]) -> list[list[dict | None]]:
    weeks = []
    for week in std_calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
        weeks.append([_cell(day, days.get(day)) if day.month == month else None for day in week])
    return weeks


def _cell(day: dt.date, row: CalendarDay | None) -> dict:
    if row is None:
        kind = "missing"
    elif row.is_workday:
        kind = "adjusted" if day.weekday() >= 5 else "workday"
    else:
        kind = "holiday" if row.note or day.weekday() < 5 else "weekend"
    return {"date": day, "kind": kind, "row": row}


@manager_required
@require_http_methods(["GET", "POST"])
def calendar_year(request: HttpRequest, year: int) -> HttpResponse:
    info = CalendarYear.objects.filter(year=year).first()
    form = DayForm(request.POST or None, initial=_initial_day(request, year))
    if request.method == "POST" and form.is_valid():
        try:
            calendar_set_day(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("已更新 %(day)s。") % {"day": form.cleaned_data["day"]})
            return redirect(f"{reverse('calendar-year', args=[year])}?day={form.cleaned_data['day']}")
    days = {row.date: row for row in CalendarDay.objects.filter(date__year=year)}
    months = [(month, _month_weeks(year, month, days)) for month in range(1, 13)]
    context = {"year": year, "info": info, "months": months, "form": form, "weekdays": "一二三四五六日"}
    return render(request, "core/calendar_year.html", context, status=400 if form.errors else 200)


def _initial_day(request: HttpRequest, year: int) -> dict:
    try:
        day = dt.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        return {}
    row = CalendarDay.objects.filter(date=day).first()
    if row is None:
        return {"day": day}
    return {"day": day, "is_workday": "1" if row.is_workday else "0", "note": row.note}
