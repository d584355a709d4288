"""Who may see and change what in the organisation: role + scope (DESIGN.md mechanism 5).

Scope rules (docs/adr/0007-roles-and-scopes.md):
- superusers and the centre-wide roles see everything;
- staff working at a township centre or a village/community station see their site and the sites
  under it (a township clerk: the township and its stations), and the staff working there;
- staff at the centre or a sub-centre see their own department: its staff, and the sites where it
  has windows or which it runs.
Objects outside a scope: departments, sites and windows (public facts) give PermissionDenied;
staff and delegations (personal data) give NotFound, so their existence is not disclosed.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _

from govhall.core import prepared
from govhall.core.errors import NotFound, PermissionDenied
from govhall.org.models import Delegation, Department, Role, Site, SiteKind, Staff, Window

# Roles whose scope is the whole city: they run, supervise or audit the centre as a whole.
CENTRE_WIDE_ROLES = frozenset(
    {Role.MANAGER, Role.SUPERVISOR, Role.DUTY_LEADER, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN}
)
# Sites whose staff are scoped by place rather than by department.
LOCAL_SITE_KINDS = frozenset({SiteKind.TOWNSHIP, SiteKind.VILLAGE, SiteKind.COMMUNITY})


_UNSET = object()


def remember_for_request(user) -> None:
    """Let one request look the user's staff record and scope up once (set by the page views only:
    a cache living on a long-lived user object could outlast a deactivation)."""
    if user is not None and getattr(user, "_org_staff", _UNSET) is _UNSET:
        user._org_staff = _lookup_staff(user)


def staff_of(user) -> Staff | None:
    """The active Staff record of a logged-in user, or None (applicants, anonymous, deactivated)."""
    cached = getattr(user, "_org_staff", _UNSET)
    return _lookup_staff(user) if cached is _UNSET else cached


# Every service's permission check starts here: compiled once (core.prepared), inactive rows
# filtered in Python (a user has one staff row, rarely a few).
_STAFF_OF_USER = prepared.Select(
    lambda user_id: Staff.objects.select_related("department", "site").filter(user_id=user_id)
)


_USER_STAFF = Staff._meta.get_field("user").remote_field  # the reverse one-to-one ``user.staff``


def _lookup_staff(user) -> Staff | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    rows = _STAFF_OF_USER.all(user.pk)
    if isinstance(user, models.Model):  # what was just read is what ``user.staff`` would read again
        _USER_STAFF.set_cached_value(user, rows[0] if rows else None)
    return next((s for s in rows if s.active), None)


def _forbidden() -> PermissionDenied:
    return PermissionDenied(_("您没有执行此操作的权限。"), code="org.forbidden")


def require_role(user, *roles: str) -> Staff | None:
    """Raise PermissionDenied unless the user is a superuser or active staff with one of ``roles``.

    With no roles given, any active staff member passes. Returns the Staff (None for a superuser
    without one).
    """
    if user is not None and getattr(user, "is_superuser", False) and user.is_active:
        return staff_of(user)
    staff = staff_of(user)
    if staff is None or (roles and staff.role not in roles):
        raise _forbidden()
    return staff


def require_manager(user) -> None:
    require_role(user, Role.MANAGER)


@dataclass(frozen=True)
class Scope:
    everything: bool
    site_ids: frozenset[int] = frozenset()
    department_ids: frozenset[int] = frozenset()
    local: bool = False  # scoped by place (township/station) rather than by department

    def staff_q(self) -> Q:
        if self.everything:
            return Q()
        if self.local:
            return Q(site_id__in=self.site_ids)
        return Q(department_id__in=self.department_ids)


def _subtree_ids(root: Site) -> frozenset[int]:
    # The hierarchy is at most four levels deep (centre → township → station), so one query with
    # three parent hops covers every descendant.
    ids = Site.objects.filter(
        Q(pk=root.pk)
        | Q(parent_id=root.pk)
        | Q(parent__parent_id=root.pk)
        | Q(parent__parent__parent_id=root.pk)
    ).values_list("pk", flat=True)
    return frozenset(ids)


def scope_of(user) -> Scope:
    """The scope of a user; raises PermissionDenied for anyone who is not staff."""
    cached = getattr(user, "_org_scope", None)
    if cached is not None:
        return cached
    scope = _compute_scope(user)
    if getattr(user, "_org_staff", _UNSET) is not _UNSET:  # request-scoped, see remember_for_request
        user._org_scope = scope
    return scope


def _compute_scope(user) -> Scope:
    if user is not None and getattr(user, "is_superuser", False) and user.is_active:
        return Scope(everything=True)
    staff = require_role(user)
    if staff.role in CENTRE_WIDE_ROLES:
        return Scope(everything=True)
    if staff.site.kind in LOCAL_SITE_KINDS:
        site_ids = _subtree_ids(staff.site)
        dept_ids = set(
            Site.objects.filter(pk__in=site_ids, department__isnull=False).values_list(
                "department_id", flat=True
            )
        )
        dept_ids.add(staff.department_id)
        return Scope(everything=False, site_ids=site_ids, department_ids=frozenset(dept_ids), local=True)
    site_ids = set(Window.objects.filter(department_id=staff.department_id).values_list("site_id", flat=True))
    site_ids |= set(Site.objects.filter(department_id=staff.department_id).values_list("pk", flat=True))
    site_ids.add(staff.site_id)
    return Scope(
        everything=False, site_ids=frozenset(site_ids), department_ids=frozenset({staff.department_id})
    )


def scope_departments(user):
    """Departments the user may see (a QuerySet)."""
    scope = scope_of(user)
    qs = Department.objects.all()
    return qs if scope.everything else qs.filter(pk__in=scope.department_ids)


def scope_sites(user):
    """Sites the user may see (a QuerySet): a township clerk sees the township and its stations."""
    scope = scope_of(user)
    qs = Site.objects.all()
    return qs if scope.everything else qs.filter(pk__in=scope.site_ids)


def scope_staff(user):
    """Staff the user may see (a QuerySet)."""
    return Staff.objects.filter(scope_of(user).staff_q())


def _get(model, pk, message: str, code: str):
    try:
        return model.objects.get(pk=int(pk))
    except (model.DoesNotExist, TypeError, ValueError):
        raise NotFound(message, code=code) from None


def access_department(user, dept_id) -> Department:
    scope = scope_of(user)
    dept = _get(Department, dept_id, _("部门不存在。"), "org.department_not_found")
    if not scope.everything and dept.pk not in scope.department_ids:
        raise _forbidden()
    return dept


def access_site(user, site_id) -> Site:
    scope = scope_of(user)
    site = _get(Site, site_id, _("服务场所不存在。"), "org.site_not_found")
    if not scope.everything and site.pk not in scope.site_ids:
        raise _forbidden()
    return site


def access_window(user, window_id) -> Window:
    scope = scope_of(user)
    window = _get(Window, window_id, _("窗口不存在。"), "org.window_not_found")
    if scope.everything:
        return window
    if window.site_id not in scope.site_ids and window.department_id not in scope.department_ids:
        raise _forbidden()
    return window


def access_staff(user, staff_id) -> Staff:
    scope = scope_of(user)
    not_found = NotFound(_("工作人员不存在。"), code="org.staff_not_found")
    try:
        return Staff.objects.select_related("department", "site", "window", "user").get(
            scope.staff_q(), pk=int(staff_id)
        )
    except (Staff.DoesNotExist, TypeError, ValueError):
        raise not_found from None


def access_delegation(user, delegation_id) -> Delegation:
    scope = scope_of(user)
    q = Q() if scope.everything else Q(department_id__in=scope.department_ids)
    try:
        return Delegation.objects.select_related("chief", "department").get(q, pk=int(delegation_id))
    except (Delegation.DoesNotExist, TypeError, ValueError):
        raise NotFound(_("授权记录不存在。"), code="org.delegation_not_found") from None
