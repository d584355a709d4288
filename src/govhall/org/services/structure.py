"""Writes of departments, sites and windows. Every one is audited in its transaction."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from govhall.core import audit
from govhall.core.errors import Conflict
from govhall.org import validators as v
from govhall.org.models import (
    SITE_PARENT_KINDS,
    Department,
    DepartmentKind,
    Site,
    SiteKind,
    Window,
)
from govhall.org.services._common import apply_changes, check_manager, snapshot

DEPARTMENT_FIELDS = (
    "code",
    "name",
    "short_name",
    "kind",
    "phone",
    "complaint_phone",
    "seal_text",
    "sort",
    "active",
)
DEPARTMENT_EDITABLE = DEPARTMENT_FIELDS[1:]  # the code is printed on documents: never changes
SITE_FIELDS = (
    "code", "name", "kind", "parent", "department", "region_code", "address", "phone", "hours",
    "open_weekdays", "market_day_digits", "active",
)  # fmt: skip
SITE_EDITABLE = SITE_FIELDS[3:] + ("name",)  # code prefixes case numbers and kind fixes the tree
WINDOW_FIELDS = ("site", "number", "name", "department", "is_comprehensive", "ticket_prefix", "active")
WINDOW_EDITABLE = WINDOW_FIELDS[1:]


def _unknown_fields(names):
    return v.fail(_("不能修改这些字段：%(f)s。") % {"f": "、".join(names)}, "field_not_editable")


# --- departments -------------------------------------------------------------------------------


def _validate_department(dept: Department) -> None:
    dept.name = v.clean_name(dept.name)
    dept.short_name = (dept.short_name or "").strip()
    v.clean_choice(dept.kind, DepartmentKind.choices, "invalid_kind", "kind", _("部门类型"))
    dept.phone = v.clean_phone(dept.phone, "phone")
    dept.complaint_phone = v.clean_phone(dept.complaint_phone, "complaint_phone")
    if Department.objects.filter(name=dept.name).exclude(pk=dept.pk).exists():
        raise v.fail(_("部门名称“%(name)s”已存在。") % {"name": dept.name}, "name_taken", "name")
    if not dept.active and dept.pk and dept.windows.filter(active=True).exists():
        # A department leaves the centre (撤出) only after its windows are closed.
        raise Conflict(
            _("该部门仍有启用的窗口，请先停用窗口。"), code="org.department_has_windows", field="active"
        )


@transaction.atomic(durable=True)
def department_create(
    *, code: str, name: str, kind: str, short_name: str = "", phone: str = "", complaint_phone: str = "",
    seal_text: str = "", sort: int = 0, actor,
) -> Department:  # fmt: skip
    check_manager(actor)
    dept = Department(
        code=v.clean_code(code), name=name, kind=kind, short_name=short_name, phone=phone,
        complaint_phone=complaint_phone, seal_text=(seal_text or "").strip(), sort=sort,
    )  # fmt: skip
    if Department.objects.filter(code=dept.code).exists():
        raise v.fail(_("部门编码“%(code)s”已存在。") % {"code": dept.code}, "code_taken", "code")
    _validate_department(dept)
    dept.save()
    audit.record(
        action="org.department_create", actor=actor, obj=dept, after=snapshot(dept, DEPARTMENT_FIELDS)
    )
    return dept


@transaction.atomic(durable=True)
def department_update(*, department: Department, actor, **changes) -> Department:
    check_manager(actor)
    dept = Department.objects.select_for_update().get(pk=department.pk)
    before = snapshot(dept, DEPARTMENT_FIELDS)
    apply_changes(dept, changes, DEPARTMENT_EDITABLE, _unknown_fields)
    _validate_department(dept)
    dept.save()
    audit.record(
        action="org.department_update",
        actor=actor,
        obj=dept,
        before=before,
        after=snapshot(dept, DEPARTMENT_FIELDS),
    )
    return dept


# --- sites -------------------------------------------------------------------------------------


def _validate_hierarchy(site: Site) -> None:
    allowed = SITE_PARENT_KINDS[site.kind]
    parent = site.parent
    if not allowed:
        if parent is not None:
            raise v.fail(_("政务服务中心不能有上级场所。"), "parent_kind", "parent")
        if Site.objects.filter(kind=SiteKind.CENTRE).exclude(pk=site.pk).exists():
            raise Conflict(_("政务服务中心只能有一个。"), code="org.centre_exists", field="kind")
        return
    if parent is None or parent.kind not in allowed:
        names = "、".join(str(SiteKind(k).label) for k in sorted(allowed))
        raise v.fail(
            _("%(kind)s的上级须为：%(names)s。") % {"kind": SiteKind(site.kind).label, "names": names},
            "parent_kind",
            "parent",
        )
    if site.active and not parent.active:
        raise v.fail(_("上级场所已停用。"), "parent_inactive", "parent")


def _validate_opening(site: Site) -> None:
    site.open_weekdays = v.clean_weekdays(site.open_weekdays)
    if site.kind == SiteKind.VILLAGE:
        if not (site.market_day_digits or "").strip():
            raise v.fail(
                _("村级代办站须设置逢场日，例如“147”表示逢一、四、七。"),
                "market_days_required",
                "market_day_digits",
            )
        site.market_day_digits = v.clean_market_days(site.market_day_digits)
    elif (site.market_day_digits or "").strip():
        raise v.fail(_("只有村级代办站按逢场日开放。"), "market_days_not_allowed", "market_day_digits")
    else:
        site.market_day_digits = ""


def _validate_site(site: Site) -> None:
    site.name = v.clean_name(site.name)
    v.clean_choice(site.kind, SiteKind.choices, "invalid_kind", "kind", _("场所类型"))
    site.phone = v.clean_phone(site.phone)
    _validate_hierarchy(site)
    _validate_opening(site)
    if site.department is not None and not site.department.active and site.active:
        raise v.fail(_("主管部门已撤出。"), "department_inactive", "department")
    if site.pk and not site.active and site.children.filter(active=True).exists():
        raise Conflict(
            _("该场所仍有启用的下级场所，请先停用下级场所。"), code="org.site_has_children", field="active"
        )


@transaction.atomic(durable=True)
def site_create(
    *, code: str, name: str, kind: str, parent: Site | None = None, department: Department | None = None,
    region_code: str = "", address: str = "", phone: str = "", hours: str = "", open_weekdays: str = "12345",
    market_day_digits: str = "", actor,
) -> Site:  # fmt: skip
    check_manager(actor)
    site = Site(
        code=v.clean_code(code), name=name, kind=kind, parent=parent, department=department,
        region_code=(region_code or "").strip(), address=(address or "").strip(), phone=phone,
        hours=(hours or "").strip(), open_weekdays=open_weekdays, market_day_digits=market_day_digits,
    )  # fmt: skip
    if Site.objects.filter(code=site.code).exists():
        raise v.fail(_("场所编码“%(code)s”已存在。") % {"code": site.code}, "code_taken", "code")
    _validate_site(site)
    site.save()
    audit.record(action="org.site_create", actor=actor, obj=site, after=snapshot(site, SITE_FIELDS))
    return site


@transaction.atomic(durable=True)
def site_update(*, site: Site, actor, **changes) -> Site:
    check_manager(actor)
    current = Site.objects.select_for_update().get(pk=site.pk)
    before = snapshot(current, SITE_FIELDS)
    apply_changes(current, changes, SITE_EDITABLE, _unknown_fields)
    if current.parent is not None and current.parent.pk == current.pk:
        raise v.fail(_("上级场所不能是自己。"), "parent_kind", "parent")
    _validate_site(current)
    current.save()
    audit.record(
        action="org.site_update",
        actor=actor,
        obj=current,
        before=before,
        after=snapshot(current, SITE_FIELDS),
    )
    return current


# --- windows -----------------------------------------------------------------------------------


def _validate_window(window: Window) -> None:
    window.number = (window.number or "").strip()
    if not v.WINDOW_NUMBER_RE.match(window.number):
        raise v.fail(_("窗口号须为1至16位字母或数字。"), "window_number_invalid", "number")
    window.name = v.clean_name(window.name)
    window.ticket_prefix = (window.ticket_prefix or "").strip().upper()
    if window.ticket_prefix and not v.TICKET_PREFIX_RE.match(window.ticket_prefix):
        raise v.fail(_("取号前缀须为1至2个大写字母。"), "ticket_prefix_invalid", "ticket_prefix")
    if window.active and not window.site.active:
        raise v.fail(_("场所已停用，不能启用窗口。"), "site_inactive", "site")
    if window.active and not window.department.active:
        raise v.fail(_("部门已撤出，不能启用窗口。"), "department_inactive", "department")
    if Window.objects.filter(site_id=window.site_id, number=window.number).exclude(pk=window.pk).exists():
        raise v.fail(
            _("%(site)s已有%(n)s号窗口。") % {"site": window.site.name, "n": window.number},
            "window_number_taken",
            "number",
        )


@transaction.atomic(durable=True)
def window_create(
    *, site: Site, number: str, name: str, department: Department, is_comprehensive: bool = False,
    ticket_prefix: str = "", actor,
) -> Window:  # fmt: skip
    check_manager(actor)
    window = Window(
        site=site, number=number, name=name, department=department,
        is_comprehensive=is_comprehensive, ticket_prefix=ticket_prefix,
    )  # fmt: skip
    _validate_window(window)
    window.save()
    audit.record(action="org.window_create", actor=actor, obj=window, after=snapshot(window, WINDOW_FIELDS))
    return window


@transaction.atomic(durable=True)
def window_update(*, window: Window, actor, **changes) -> Window:
    check_manager(actor)
    current = Window.objects.select_for_update().select_related("site", "department").get(pk=window.pk)
    before = snapshot(current, WINDOW_FIELDS)
    apply_changes(current, changes, WINDOW_EDITABLE, _unknown_fields)
    _validate_window(current)
    current.save()
    audit.record(
        action="org.window_update",
        actor=actor,
        obj=current,
        before=before,
        after=snapshot(current, WINDOW_FIELDS),
    )
    return current
