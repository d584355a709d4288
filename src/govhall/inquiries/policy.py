"""Settings, roles and input checks shared by the inquiries services (questions.py, complaints.py).

Every number local practice varies is a setting read when used (never at import), with the default
below; docs/adr/0014-inquiries.md explains each one.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from govhall.core import workdays
from govhall.core.errors import Conflict, ValidationFailed
from govhall.core.identity import check_mobile
from govhall.org.access import CENTRE_WIDE_ROLES, scope_of, staff_of
from govhall.org.models import Role

QUESTION_MAX, ANSWER_MAX, CONTENT_MAX, NOTE_MAX, NAME_MAX, GUIDED_MAX = 1000, 2000, 2000, 500, 64, 200
# Who answers consultations from the duty queue (值班咨询).
DUTY_ROLES = (Role.CLERK, Role.CHIEF, Role.APPROVER, Role.MANAGER, Role.DUTY_LEADER)
# Who dispatches and supervises complaints (the centre's complaint desk, 12345-style).
DISPATCH_ROLES = (Role.SUPERVISOR, Role.MANAGER, Role.DUTY_LEADER)


# --- settings ------------------------------------------------------------------------------------


def answer_limit() -> tuple[Decimal, str]:
    """How long a question may wait for its first answer: (amount, unit), unit "workday" (24:00 of
    the N-th working day after the question's day), "workhour" (hours of working days only) or
    "hour" (clock hours). Default one working day."""
    amount = Decimal(str(getattr(settings, "GOVHALL_INQUIRY_ANSWER_LIMIT", "1")))
    unit = getattr(settings, "GOVHALL_INQUIRY_ANSWER_UNIT", "workday")
    return amount, unit


def question_due(asked_at: datetime) -> datetime:
    amount, unit = answer_limit()
    if unit == "workhour":
        worktime = workdays.worktime_at(asked_at) + int(amount * workdays.HOUR_US)
        return workdays.instant_at_worktime(worktime, context=timezone.localdate(asked_at))
    return workdays.due_instant(asked_at, amount, unit)


def take_lease() -> timedelta:
    """How long a duty staff member holds a question they took before others may take it."""
    return timedelta(minutes=int(getattr(settings, "GOVHALL_INQUIRY_TAKE_MINUTES", 15)))


def reply_workdays() -> Decimal:
    """Reply deadline of a complaint, in working days from its assignment (default 5)."""
    return workdays.to_amount(getattr(settings, "GOVHALL_COMPLAINT_REPLY_WORKDAYS", 5))


def rating_days() -> int:
    """Natural days a complainant has to rate a reply; unrated replies are then closed (default 10)."""
    return int(getattr(settings, "GOVHALL_COMPLAINT_RATING_DAYS", 10))


# --- roles -----------------------------------------------------------------------------------------


def is_superuser(user) -> bool:
    return bool(getattr(user, "is_superuser", False) and getattr(user, "is_active", False))


def has_role(user, *roles: str) -> bool:
    if is_superuser(user):
        return True
    staff = staff_of(user)
    return staff is not None and staff.role in roles


def is_staff(user) -> bool:
    return is_superuser(user) or staff_of(user) is not None


def centre_wide(user) -> bool:
    return has_role(user, *CENTRE_WIDE_ROLES)


def unit_ids(user) -> frozenset[int] | None:
    """Departments whose complaints and questions a staff member handles; None: every one."""
    scope = scope_of(user)
    return None if scope.everything else scope.department_ids


# --- input -------------------------------------------------------------------------------------------


def text(value, *, field: str, limit: int, required: str, code: str) -> str:
    """Stripped text; empty → ``required`` message, longer than ``limit`` → inquiries.text_too_long."""
    result = value.strip() if isinstance(value, str) else ""
    if not result:
        raise ValidationFailed(required, code=code, field=field)
    if len(result) > limit:
        raise ValidationFailed(
            _("内容不得超过%(n)s个字。") % {"n": limit}, code="inquiries.text_too_long", field=field
        )
    return result


def optional_text(value, *, field: str, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or len(value.strip()) > limit:
        raise ValidationFailed(
            _("内容不得超过%(n)s个字。") % {"n": limit}, code="inquiries.text_too_long", field=field
        )
    return value.strip()


def mobile(value, *, field: str = "mobile", required: bool = False) -> str:
    raw = value.strip() if isinstance(value, str) else ""
    if not raw:
        if required:
            raise ValidationFailed(_("请填写联系电话。"), code="inquiries.mobile_required", field=field)
        return ""
    result = check_mobile(raw)
    if not result.valid:
        raise ValidationFailed(
            _("手机号码无效：%(r)s") % {"r": result.reason}, code="inquiries.mobile_invalid", field=field
        )
    return result.normalized


def next_state(table: dict, state: str, action: str, *, labels, actions, code: str) -> str:
    """The state ``action`` leads to from ``state``, or Conflict naming both (STYLE.md 5)."""
    try:
        return table[(state, action)]
    except KeyError:
        allowed = sorted(a for (s, a) in table if s == state)
        raise Conflict(
            _("当前状态为“%(s)s”，不能执行“%(a)s”。") % {"s": labels(state).label, "a": actions(action).label},
            code=code, state=state, allowed=allowed,
        ) from None  # fmt: skip
