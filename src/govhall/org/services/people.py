"""Writes of staff and chief-representative delegations. Every one is audited in its transaction."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from govhall.core import audit
from govhall.core.errors import Conflict
from govhall.org import validators as v
from govhall.org.models import Delegation, Department, Role, Site, SiteKind, Staff, Window
from govhall.org.selectors import POWER_FLAGS as POWERS
from govhall.org.services._common import check_manager, snapshot

STAFF_FIELDS = (
    "employee_no",
    "name",
    "role",
    "department",
    "site",
    "window",
    "mobile_masked",
    "active",
    "joined_on",
)
DELEGATION_FIELDS = (
    "chief", "department", "can_decide", "can_review_report", "can_use_seal", "document_no",
    "valid_from", "valid_to", "revoked_at", "revoke_reason",
)  # fmt: skip
AGENT_SITE_KINDS = {SiteKind.TOWNSHIP, SiteKind.VILLAGE, SiteKind.COMMUNITY}


# --- staff -------------------------------------------------------------------------------------


def _clean_username(username: str) -> str:
    username = (username or "").strip()
    if not v.USERNAME_RE.match(username):
        raise v.fail(_("用户名须为3至150位字母、数字或 _ . @ + -。"), "username_invalid", "username")
    if get_user_model().objects.filter(username__iexact=username).exists():
        raise v.fail(_("用户名“%(u)s”已被使用。") % {"u": username}, "username_taken", "username")
    return username


def _check_placement(*, role: str, department: Department, site: Site, window: Window | None) -> None:
    v.clean_choice(role, Role.choices, "invalid_role", "role", _("角色"))
    if not department.active:
        raise v.fail(_("部门已撤出。"), "department_inactive", "department")
    if not site.active:
        raise v.fail(_("场所已停用。"), "site_inactive", "site")
    if role == Role.AGENT and site.kind not in AGENT_SITE_KINDS:
        raise v.fail(_("代办员须在乡镇便民服务中心或村（社区）代办站工作。"), "agent_site", "site")
    if window is None:
        return
    if window.site_id != site.pk:
        raise v.fail(_("所选窗口不在该工作场所。"), "window_not_at_site", "window")
    if not window.active:
        raise v.fail(_("所选窗口已停用。"), "window_inactive", "window")
    if not window.is_comprehensive and window.department_id != department.pk:
        # Only a comprehensive window (综合窗口) is staffed across departments.
        raise v.fail(_("所选窗口属于其他部门。"), "window_department", "window")


def _check_password(password: str, user) -> None:
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        raise v.fail(_("密码不符合要求：") + "；".join(exc.messages), "password_weak", "password") from None


def _new_user(*, username: str, name: str, mobile: str, password: str | None):
    from govhall.core.crypto import encrypt, keyed_digest

    user = get_user_model()(username=username, real_name=name, kind="staff")
    if mobile and get_user_model().objects.filter(mobile_digest=keyed_digest(mobile)).exists():
        # One account per mobile number (core.User constraint): SMS codes prove possession of it.
        raise v.fail(_("该手机号码已被其他账号使用。"), "mobile_taken", "mobile")
    if mobile:
        user.mobile_cipher = encrypt(mobile)  # personal data encrypted at rest (DESIGN.md §7)
        user.mobile_digest = keyed_digest(mobile)
    if password:
        _check_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()  # the manager hands out a reset; no shared default password
    user.save()
    return user


@transaction.atomic(durable=True)
def staff_create(
    *, username: str, name: str, role: str, department: Department, site: Site, window: Window | None = None,
    mobile: str = "", password: str | None = None, employee_no: str = "", joined_on: date | None = None, actor,
) -> Staff:  # fmt: skip
    """Create a staff member and their login (unusable password unless one is given)."""
    check_manager(actor)
    username = _clean_username(username)
    name = v.clean_name(name, max_length=32)
    _check_placement(role=role, department=department, site=site, window=window)
    normalized, masked = v.clean_mobile(mobile) if (mobile or "").strip() else ("", "")
    employee_no = (employee_no or "").strip()
    if employee_no and Staff.objects.filter(employee_no=employee_no).exists():
        raise v.fail(_("工号“%(no)s”已存在。") % {"no": employee_no}, "employee_no_taken", "employee_no")
    user = _new_user(username=username, name=name, mobile=normalized, password=password)
    staff = Staff.objects.create(
        user=user, employee_no=employee_no or f"G{user.pk:06d}", name=name, role=role, department=department,
        site=site, window=window, mobile_masked=masked, joined_on=joined_on or timezone.localdate(),
    )  # fmt: skip
    audit.record(action="org.staff_create", actor=actor, obj=staff, after=snapshot(staff, STAFF_FIELDS))
    return staff


@transaction.atomic(durable=True)
def staff_update(
    *, staff: Staff, actor, role: str | None = None, department: Department | None = None,
    site: Site | None = None, window: Window | None | bool = False, name: str | None = None,
) -> Staff:  # fmt: skip
    """Move a staff member (role, department, site, window). ``window=None`` takes them off a window."""
    check_manager(actor)
    current = (
        Staff.objects.select_for_update(of=("self",))
        .select_related("department", "site", "window")
        .get(pk=staff.pk)
    )
    if not current.active:
        raise Conflict(_("该工作人员已离岗，不能修改。"), code="org.staff_inactive")
    before = snapshot(current, STAFF_FIELDS)
    current.role = role if role is not None else current.role
    current.department = department or current.department
    current.site = site or current.site
    current.window = current.window if window is False else window
    current.name = v.clean_name(name, max_length=32) if name is not None else current.name
    _check_placement(
        role=current.role, department=current.department, site=current.site, window=current.window
    )
    current.save()
    audit.record(
        action="org.staff_update",
        actor=actor,
        obj=current,
        before=before,
        after=snapshot(current, STAFF_FIELDS),
    )
    return current


@transaction.atomic(durable=True)
def staff_deactivate(*, staff: Staff, reason: str = "", actor) -> Staff:
    """Take a staff member off duty: the login stops working and their delegations are revoked."""
    check_manager(actor)
    current = Staff.objects.select_for_update().select_related("user").get(pk=staff.pk)
    if actor is not None and current.user_id == actor.pk:
        raise v.fail(_("不能停用自己的账号。"), "cannot_deactivate_self")
    if not current.active:
        raise Conflict(_("该工作人员已离岗。"), code="org.staff_inactive")
    before = snapshot(current, STAFF_FIELDS)
    current.active = False
    current.window = None
    current.save(update_fields=["active", "window"])
    current.user.is_active = False
    current.user.save(update_fields=["is_active"])
    for delegation in Delegation.objects.select_for_update().filter(chief=current, revoked_at__isnull=True):
        _revoke(delegation, reason=_("首席代表离岗"), actor=actor)
    audit.record(
        action="org.staff_deactivate", actor=actor, obj=current, before=before,
        after=snapshot(current, STAFF_FIELDS), detail={"reason": (reason or "").strip()},
    )  # fmt: skip
    return current


# --- delegations -------------------------------------------------------------------------------


def _clean_powers(powers: Iterable[str]) -> set[str]:
    chosen = set(powers or ())
    if not chosen or not chosen <= set(POWERS):
        raise v.fail(
            _("请至少选择一项授权：审批决定权、审核上报权或印章使用权。"), "powers_invalid", "powers"
        )
    return chosen


def _check_chief(chief: Staff, department: Department) -> None:
    if not chief.active:
        raise v.fail(_("该工作人员已离岗。"), "staff_inactive", "chief")
    if chief.role != Role.CHIEF:
        raise v.fail(_("只能授权给首席代表。"), "not_chief", "chief")
    if chief.department_id != department.pk:
        raise v.fail(_("首席代表不属于该部门。"), "chief_department", "chief")


@transaction.atomic(durable=True)
def delegation_grant(
    *, chief: Staff, department: Department, powers: Iterable[str], document_no: str, valid_from: date,
    valid_to: date, actor,
) -> Delegation:  # fmt: skip
    """Record a department's grant of powers to its chief representative for a period."""
    check_manager(actor)
    # Lock the chief so two concurrent grants cannot both pass the overlap check (PostgreSQL).
    chief = Staff.objects.select_for_update().get(pk=chief.pk)
    chosen = _clean_powers(powers)
    _check_chief(chief, department)
    document_no = (document_no or "").strip()
    if not document_no:
        raise v.fail(_("请填写授权文号。"), "document_no_required", "document_no")
    v.clean_period(valid_from, valid_to)
    if valid_to < timezone.localdate():
        raise v.fail(_("失效日期已过，不能登记已失效的授权。"), "period_past", "valid_to")
    overlapping = Delegation.objects.filter(
        chief=chief,
        department=department,
        revoked_at__isnull=True,
        valid_from__lte=valid_to,
        valid_to__gte=valid_from,
    ).first()
    if overlapping is not None:
        raise Conflict(
            _("该首席代表在%(a)s至%(b)s已有有效授权（%(doc)s），期间不能重叠。")
            % {"a": overlapping.valid_from, "b": overlapping.valid_to, "doc": overlapping.document_no},
            code="org.delegation_overlap",
            field="valid_from",
        )
    delegation = Delegation.objects.create(
        chief=chief, department=department, document_no=document_no, valid_from=valid_from, valid_to=valid_to,
        **{flag: name in chosen for name, flag in POWERS.items()},
    )  # fmt: skip
    audit.record(
        action="org.delegation_grant",
        actor=actor,
        obj=delegation,
        after=snapshot(delegation, DELEGATION_FIELDS),
    )
    return delegation


def _revoke(delegation: Delegation, *, reason: str, actor) -> Delegation:
    before = snapshot(delegation, DELEGATION_FIELDS)
    delegation.revoked_at = timezone.now()
    delegation.revoke_reason = reason[:200]
    delegation.save(update_fields=["revoked_at", "revoke_reason"])
    audit.record(
        action="org.delegation_revoke", actor=actor, obj=delegation, before=before,
        after=snapshot(delegation, DELEGATION_FIELDS),
    )  # fmt: skip
    return delegation


@transaction.atomic(durable=True)
def delegation_revoke(*, delegation: Delegation, reason: str, actor) -> Delegation:
    """Revoke a delegation from now on; decisions taken before stay valid."""
    check_manager(actor)
    reason = (reason or "").strip()
    if not reason:
        raise v.fail(_("请填写撤销原因。"), "reason_required", "reason")
    current = Delegation.objects.select_for_update().get(pk=delegation.pk)
    if current.revoked_at is not None:
        when = timezone.localtime(current.revoked_at).strftime("%Y-%m-%d")
        raise Conflict(_("该授权已于%(t)s撤销。") % {"t": when}, code="org.delegation_revoked")
    return _revoke(current, reason=reason, actor=actor)
