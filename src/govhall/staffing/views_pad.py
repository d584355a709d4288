"""The hall's attendance pad: sign in / out by employee number and account password (ADR 0018).

The pad is a hall device, so the page needs no login: each post names a person by 工号 and proves it
with that person's account password (django's ``check_password``); nobody is logged in. The pad
shows today's date and session and, after a post, only the poster's own result (the name masked),
never anyone else's records. Wrong or unknown numbers count against the typed 工号 in the cache:
after AXES_FAILURE_LIMIT (5) failures the number is refused for PAD_LOCK_MINUTES (5), with a
Chinese message, before any password is checked. A success clears the count. Attendance is written
by the ordinary services with source "pad", so the same rules, locks and audit apply.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from govhall.core.errors import DomainError, ValidationFailed
from govhall.core.masking import mask_name
from govhall.staffing import pad_auth, rules, services
from govhall.staffing.models import Session, Source

EMPLOYEE_NO_MAX = pad_auth.EMPLOYEE_NO_MAX


def _session_now() -> str | None:
    hours = rules.hours()
    local = timezone.localtime().time()
    if local >= hours.pm_end:
        return None
    return Session.MORNING if local < hours.am_end else Session.AFTERNOON


@require_http_methods(["GET", "POST"])
def pad(request: HttpRequest) -> HttpResponse:
    error = None
    employee_no = ""
    if request.method == "POST":
        employee_no = (request.POST.get("employee_no") or "").strip()[:EMPLOYEE_NO_MAX]
        password = request.POST.get("password") or ""
        action = request.POST.get("action")
        try:
            if action not in ("in", "out"):
                raise ValidationFailed(_("请选择签到或签退。"), code="staffing.bad_action", field="action")
            staff = pad_auth.pad_identify(employee_no, password)
            if action == "in":
                record = services.attendance_sign_in(actor=staff.user, source=Source.PAD)
                text = _("%(name)s 签到成功（%(t)s，%(s)s%(late)s）。") % {
                    "name": mask_name(staff.name), "t": f"{timezone.localtime(record.sign_in_at):%H:%M}",
                    "s": record.get_session_display(),
                    "late": _("，迟到%(m)s分钟") % {"m": record.late_minutes} if record.late_minutes else "",
                }  # fmt: skip
            else:
                record = services.attendance_sign_out(actor=staff.user, source=Source.PAD)
                text = _("%(name)s 签退成功（%(t)s，%(s)s%(early)s）。") % {
                    "name": mask_name(staff.name), "t": f"{timezone.localtime(record.sign_out_at):%H:%M}",
                    "s": record.get_session_display(),
                    "early": _("，早退%(m)s分钟") % {"m": record.early_minutes} if record.early_minutes else "",
                }  # fmt: skip
            messages.success(request, text)
            return redirect("staffing:pad")
        except DomainError as exc:
            error = exc
    session = _session_now()
    context = {
        "today": timezone.localdate(),
        "now": timezone.localtime(),
        "session": Session(session).label if session else "",
        "hours": rules.hours(),
        "error": error,
        "employee_no": employee_no,
    }
    return render(request, "staffing/pad.html", context, status=error.http_status if error else 200)
