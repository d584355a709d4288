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

import hashlib

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.hashers import make_password
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from govhall.core import audit
from govhall.core.errors import DomainError, PermissionDenied, ValidationFailed
from govhall.core.masking import mask_name
from govhall.org.models import Staff
from govhall.staffing import rules, services
from govhall.staffing.models import Session, Source

PAD_LOCK_MINUTES = 5
_DUMMY_HASH = make_password("govhall-pad-timing-equaliser")
EMPLOYEE_NO_MAX = 16


class PadLocked(PermissionDenied):
    code = "staffing.pad_locked"


class PadBadCredentials(ValidationFailed):
    code = "staffing.pad_bad_credentials"


def _limit() -> int:
    return int(getattr(settings, "AXES_FAILURE_LIMIT", 5))


def _key(employee_no: str) -> str:
    digest = hashlib.sha256(employee_no.casefold().encode()).hexdigest()[:32]
    return f"staffing:pad:fail:{digest}"


def _failed(employee_no: str) -> int:
    key = _key(employee_no)
    cache.add(key, 0, timeout=PAD_LOCK_MINUTES * 60)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=PAD_LOCK_MINUTES * 60)
        count = 1
    cache.touch(key, timeout=PAD_LOCK_MINUTES * 60)
    return count


def _locked(employee_no: str) -> bool:
    return int(cache.get(_key(employee_no)) or 0) >= _limit()


def pad_identify(employee_no: str, password: str) -> Staff:
    """The active staff member with this 工号 whose account password matches; counted failures."""
    if _locked(employee_no):
        raise PadLocked(
            _("密码错误次数过多，该工号已暂停在考勤平板上签到%(m)s分钟，请稍后再试或在本人账号页面签到。")
            % {"m": PAD_LOCK_MINUTES}
        )
    staff = (
        Staff.objects.select_related("user", "department")
        .filter(employee_no=employee_no, active=True, user__is_active=True)
        .first()
        if employee_no
        else None
    )
    if staff is None:
        make_password(password)  # the same work as a real check: an unknown 工号 takes as long
        ok = False
    else:
        ok = bool(password) and staff.user.check_password(password)
    if not ok:
        count = _failed(employee_no)
        audit.record(action="staffing.pad_failed", success=False, object_type="staffing.pad",
                     detail={"employee_no": employee_no[:EMPLOYEE_NO_MAX], "failures": count})  # fmt: skip
        left = _limit() - count
        if left <= 0:
            raise PadLocked(
                _("密码错误次数过多，该工号已暂停在考勤平板上签到%(m)s分钟。") % {"m": PAD_LOCK_MINUTES}
            )
        raise PadBadCredentials(_("工号或密码错误（还可尝试%(n)s次）。") % {"n": left}, field="password")
    cache.delete(_key(employee_no))
    return staff


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
            staff = pad_identify(employee_no, password)
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
