"""Who sees which case (issue 3 "Scopes"; docs/adr/0007-roles-and-scopes.md), shared by pages and API.

- an applicant sees their own applications, an agent the cases they filed;
- superusers and the centre-wide roles see every case;
- staff of a township centre or a station see the cases filed at their site and the sites under it;
- a window clerk or chief representative with a window sees the items served at that window (and
  their department's items); without a window, the cases filed where their department works;
- an approver or inspector sees their department's items and the cases where their department or
  they themselves hold a step task (a countersign or a transfer brings a case into view), or where
  a copy (抄送) was sent to them.

A case outside the scope answers exactly like an unknown number (``cases.not_found``), so neither
pages nor API confirm that a number exists.
"""

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _

from govhall.cases import selectors
from govhall.cases.models import Case, CaseCopy, StepTask
from govhall.cases.states import CaseState
from govhall.catalog.models import ServiceItem
from govhall.core import throttle
from govhall.core.crypto import sm3_hex
from govhall.core.errors import DomainError, NotFound
from govhall.org.access import scope_of, staff_of
from govhall.org.models import Role

INTAKE_ROLES = (Role.CLERK, Role.CHIEF)


class CaseNotFound(NotFound):
    code = "cases.not_found"


def case_not_found() -> CaseNotFound:
    return CaseNotFound(_("办件不存在，或您无权查看。"))


def is_staff(user) -> bool:
    return bool(getattr(user, "is_superuser", False)) or staff_of(user) is not None


def _window_items(window_id: int):
    return ServiceItem.windows.through.objects.filter(window_id=window_id).values("serviceitem_id")


def _staff_q(user) -> Q | None:
    """The staff part of the scope: None for no case at all, Q() for every case."""
    staff = staff_of(user)
    if staff is not None and staff.role == Role.AGENT:
        return None  # an agent sees the cases they filed (the ``agent`` column), not the station's
    scope = scope_of(user)
    if scope.everything:
        return Q()
    if scope.local:
        return Q(site_id__in=scope.site_ids)
    if staff.role in INTAKE_ROLES:
        if staff.window_id:
            return (
                Q(window_id=staff.window_id)
                | Q(item_id__in=_window_items(staff.window_id))
                | Q(item__department_id__in=scope.department_ids)
            )
        return Q(site_id__in=scope.site_ids) | Q(item__department_id__in=scope.department_ids)
    if staff.role in (Role.APPROVER, Role.INSPECTOR):
        tasks = StepTask.objects.filter(Q(department_id__in=scope.department_ids) | Q(assignee_id=user.pk))
        copies = CaseCopy.objects.filter(to_user_id=user.pk)
        return (
            Q(item__department_id__in=scope.department_ids)
            | Q(pk__in=tasks.values("case_id"))
            | Q(pk__in=copies.values("case_id"))
        )
    return None


def cases_visible_q(user) -> Q:
    """Cases ``user`` may see, as a filter on Case."""
    own = Q(applicant_id=user.pk) | Q(agent_id=user.pk)
    if not is_staff(user):
        return own
    staff_part = _staff_q(user)
    if staff_part is None:
        return own
    return staff_part if not staff_part else own | staff_part


def case_visible(*, user, number: str) -> Case:
    """The case ``number`` if ``user`` may see it; CaseNotFound otherwise (no existence oracle)."""
    case = (
        Case.objects.select_related("item", "item__department", "site", "window")
        .filter(cases_visible_q(user), number=(number or "").strip())
        .first()
    )
    if case is None:
        raise case_not_found()
    return case


def covers_q(user) -> Q:
    """Cases whose item is in the staff user's handling scope, as a filter: the query form of
    ``permissions.covers`` (the item's department, a window serving it, or the place it was filed
    for township and station staff) for the steps after intake that are scoped."""
    scope = scope_of(user)
    if scope.everything:
        return Q()
    if scope.local:
        return Q(site_id__in=scope.site_ids)
    q = Q(item__department_id__in=scope.department_ids)
    staff = staff_of(user)
    if staff is not None and staff.window_id:
        q |= Q(item_id__in=_window_items(staff.window_id))
    return q


def window_work_q(user) -> Q | None:
    """Cases waiting for window work in ``user``'s scope: the Art. 32 intake decision for any
    visible case (permissions: intake is by role), and pre-review, conclusion and delivery for the
    items the user handles. None when the user does no window work (not a clerk or chief)."""
    if not getattr(user, "is_superuser", False):
        staff = staff_of(user)
        if staff is None or staff.role not in INTAKE_ROLES:
            return None
    staff_part = _staff_q(user)
    if staff_part is None:
        return None
    intake = Q(state__in=(CaseState.SUBMITTED, CaseState.SUPPLEMENT_REQUESTED))
    # A concluded case waits for delivery while its Art. 44 delivery deadline is set and unmet.
    handled = Q(state__in=(CaseState.PRE_REVIEW, CaseState.DECIDED)) | Q(
        state=CaseState.CONCLUDED, delivered_at__isnull=True, delivery_due_at__isnull=False
    )
    return staff_part & (intake | (handled & covers_q(user)))


# --- the public lookup (case number + query password) ---------------------------------------


class LookupThrottled(DomainError):
    code = "cases.lookup_throttled"
    http_status = 429


def _limits() -> tuple[int, int, int]:
    tries = int(getattr(settings, "GOVHALL_LOOKUP_TRIES", 10))
    seconds = int(getattr(settings, "GOVHALL_LOOKUP_WINDOW_SECONDS", 600))
    return tries, seconds, tries * 5  # an address guessing many numbers is stopped as well


def _keys(ip: str, number: str) -> tuple[str, str]:
    digest = sm3_hex(f"{ip}|{number}")[:32]  # no raw address or number in the cache's key space
    return f"cases:lookup:{digest}", f"cases:lookup-ip:{sm3_hex(ip)[:32]}"


def _failed(keys: tuple[str, str], seconds: int) -> None:
    for key in keys:
        throttle.failure_add(key, seconds)


def public_case(*, number: str, password: str, ip: str | None) -> Case:
    """The case for a public lookup; the same CaseNotFound for an unknown number and a wrong
    password (no oracle), and LookupThrottled after too many failed tries from one address."""
    number, password = (number or "").strip(), (password or "").strip()
    tries, seconds, per_ip = _limits()
    keys = _keys(ip or "-", number)
    if throttle.failures(keys[0]) >= tries or throttle.failures(keys[1]) >= per_ip:
        raise LookupThrottled(
            _("查询过于频繁，请%(m)d分钟后再试。") % {"m": max(1, seconds // 60)}, retry_after=seconds
        )
    case = selectors.case_get(number=number) if number else None
    if case is None or not password or not selectors.case_check_password(case=case, password=password):
        _failed(keys, seconds)
        raise case_not_found()
    return case
