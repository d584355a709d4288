"""Who is at the hall's attendance pad: 工号 + that person's account password (ADR 0018).

Wrong or unknown numbers count against the typed 工号 (core.throttle): after AXES_FAILURE_LIMIT
failures the number is refused for PAD_LOCK_MINUTES, before any password is checked; each failure
is an audit record with success=False; a success clears the count.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.utils.translation import gettext as _

from govhall.core import audit, throttle
from govhall.core.crypto import sm3_hex
from govhall.core.errors import PermissionDenied, ValidationFailed
from govhall.org.models import Staff

PAD_LOCK_MINUTES = 5
EMPLOYEE_NO_MAX = 16


class PadLocked(PermissionDenied):
    code = "staffing.pad_locked"


class PadBadCredentials(ValidationFailed):
    code = "staffing.pad_bad_credentials"


def _limit() -> int:
    return int(getattr(settings, "AXES_FAILURE_LIMIT", 5))


def _key(employee_no: str) -> str:
    return f"staffing:pad:fail:{sm3_hex(employee_no.casefold())[:32]}"


def _locked(employee_no: str) -> bool:
    return throttle.failures(_key(employee_no)) >= _limit()


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
        count = throttle.failure_add(_key(employee_no), PAD_LOCK_MINUTES * 60, sliding=True)
        audit.record(action="staffing.pad_failed", success=False, object_type="staffing.pad",
                     detail={"employee_no": employee_no[:EMPLOYEE_NO_MAX], "failures": count})  # fmt: skip
        left = _limit() - count
        if left <= 0:
            raise PadLocked(
                _("密码错误次数过多，该工号已暂停在考勤平板上签到%(m)s分钟。") % {"m": PAD_LOCK_MINUTES}
            )
        raise PadBadCredentials(_("工号或密码错误（还可尝试%(n)s次）。") % {"n": left}, field="password")
    throttle.failures_clear(_key(employee_no))
    return staff
