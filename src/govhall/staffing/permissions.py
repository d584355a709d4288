"""Who sees and does what in staffing (ADR 0018).

- every active staff member signs in and out, sees their own month and asks for leave;
- duty leaders (值班领导) and the centre manager see everyone, approve leave, record off-post
  times, score candidates and run the selections (superusers too);
- a department's leader at the centre — its chief representative (首席代表) — sees the records of
  that department's staff and its feedback letter;
- anyone else asking for a person's records gets NotFound, so that existence is not disclosed.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from govhall.core.errors import NotFound, PermissionDenied
from govhall.org.access import require_role, staff_of
from govhall.org.models import Department, Role, Staff

LEADER_ROLES = (Role.MANAGER, Role.DUTY_LEADER)
DEPARTMENT_LEADER_ROLES = (Role.CHIEF,)


def forbidden(message: str | None = None) -> PermissionDenied:
    return PermissionDenied(message or _("您没有执行此操作的权限。"), code="staffing.forbidden")


def attending_staff(user) -> Staff:
    """The caller's own active Staff record (to sign in, see their month, ask for leave)."""
    staff = staff_of(user)
    if staff is None:
        raise forbidden(_("只有在岗工作人员可以使用考勤。"))
    return staff


def is_leader(user) -> bool:
    if user is not None and getattr(user, "is_superuser", False) and user.is_active:
        return True
    staff = staff_of(user)
    return staff is not None and staff.role in LEADER_ROLES


def require_leader(user) -> None:
    """Duty leaders and the manager (and superusers); PermissionDenied for anyone else."""
    if not is_leader(user):
        raise forbidden(_("只有值班领导和中心管理员可以执行此操作。"))


def require_manager(user) -> None:
    try:
        require_role(user, Role.MANAGER)
    except PermissionDenied:
        raise forbidden(_("只有中心管理员可以执行此操作。")) from None


def visible_staff(user) -> QuerySet[Staff]:
    """Leaders: everyone; a department leader: the department's staff; other staff: themselves."""
    if is_leader(user):
        return Staff.objects.all()
    staff = attending_staff(user)
    if staff.role in DEPARTMENT_LEADER_ROLES:
        return Staff.objects.filter(department_id=staff.department_id)
    return Staff.objects.filter(pk=staff.pk)


def may_see_others(user) -> bool:
    staff = staff_of(user)
    return is_leader(user) or (staff is not None and staff.role in DEPARTMENT_LEADER_ROLES)


def access_person(user, staff_id) -> Staff:
    try:
        return visible_staff(user).select_related("department", "window", "site").get(pk=int(staff_id))
    except (Staff.DoesNotExist, TypeError, ValueError):
        raise NotFound(_("工作人员不存在。"), code="staffing.staff_not_found") from None


def visible_departments(user) -> QuerySet[Department]:
    if is_leader(user):
        return Department.objects.all()
    staff = attending_staff(user)
    if staff.role in DEPARTMENT_LEADER_ROLES:
        return Department.objects.filter(pk=staff.department_id)
    return Department.objects.none()


def access_department(user, department_id) -> Department:
    try:
        return visible_departments(user).get(pk=int(department_id))
    except (Department.DoesNotExist, TypeError, ValueError):
        raise NotFound(_("部门不存在或不在您的范围内。"), code="staffing.department_not_found") from None
