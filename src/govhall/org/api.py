"""/api/v1/org/: departments, sites and windows — public facts only, no personal data."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Router, Schema

from govhall.core.errors import NotFound
from govhall.org import selectors
from govhall.org.models import Department, Site

router = Router(tags=["org"])


class DepartmentOut(Schema):
    code: str
    name: str
    short_name: str
    kind: str
    phone: str
    complaint_phone: str
    active: bool


class SiteOut(Schema):
    code: str
    name: str
    kind: str
    parent: str | None  # the parent's code
    address: str
    phone: str
    hours: str
    open_weekdays: str
    market_day_digits: str
    market_days: str  # e.g. 逢一、四、七
    active: bool


class SiteTreeOut(SiteOut):
    children: list[SiteTreeOut]


class ItemRef(Schema):
    code: str
    name: str


class WindowOut(Schema):
    site: str
    number: str
    name: str
    department: str
    department_name: str
    is_comprehensive: bool
    items: list[ItemRef]


def _site(site: Site, parent_code: str | None) -> dict:
    return {
        "code": site.code, "name": site.name, "kind": site.kind, "parent": parent_code, "address": site.address,
        "phone": site.phone, "hours": site.hours, "open_weekdays": site.open_weekdays,
        "market_day_digits": site.market_day_digits, "market_days": selectors.market_days_label(site.market_day_digits),
        "active": site.active,
    }  # fmt: skip


def _tree(node: selectors.SiteNode, parent_code: str | None) -> dict:
    return {**_site(node.site, parent_code), "children": [_tree(c, node.site.code) for c in node.children]}


@router.get("/departments", response=list[DepartmentOut], summary="部门列表")
def departments(request, kind: str | None = None, active: bool = True):
    return list(selectors.department_list(kind, active_only=active))


@router.get("/sites", response=list[SiteTreeOut] | list[SiteOut], summary="服务场所（树形或列表）")
def sites(request, flat: bool = False, kind: str | None = None):
    """The site hierarchy as a tree; ``flat=true`` gives a list with each site's parent code."""
    if flat or kind:
        qs = Site.objects.select_related("parent").order_by("code")
        if kind:
            qs = qs.filter(kind=kind)
        return [_site(s, s.parent.code if s.parent else None) for s in qs]
    return [_tree(root, None) for root in selectors.site_tree()]


@router.get("/sites/{code}", response=SiteOut, summary="服务场所详情")
def site_detail(request, code: str):
    site = selectors.site_get(code)
    if site is None:
        raise NotFound(_("服务场所“%(code)s”不存在。") % {"code": code}, code="org.site_not_found")
    return _site(site, site.parent.code if site.parent else None)


@router.get("/windows", response=list[WindowOut], summary="窗口列表")
def windows(request, site: str | None = None, department: str | None = None):
    site_obj = dept_obj = None
    if site:
        site_obj = Site.objects.filter(code=site).first()
        if site_obj is None:
            raise NotFound(_("服务场所“%(code)s”不存在。") % {"code": site}, code="org.site_not_found")
    if department:
        dept_obj = Department.objects.filter(code=department).first()
        if dept_obj is None:
            raise NotFound(
                _("部门“%(code)s”不存在。") % {"code": department}, code="org.department_not_found"
            )
    return [
        {
            "site": w.site.code,
            "number": w.number,
            "name": w.name,
            "department": w.department.code,
            "department_name": w.department.name,
            "is_comprehensive": w.is_comprehensive,
            "items": [{"code": i.code, "name": i.name} for i in w.items.all()],
        }  # fmt: skip
        for w in selectors.window_list(site=site_obj, department=dept_obj)
    ]
