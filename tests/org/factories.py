"""Test data for the organisation context, built through its services (actor=None: the system)."""

from __future__ import annotations

import itertools
from datetime import date

from django.contrib.auth import get_user_model

from govhall.org import services
from govhall.org.models import Department, DepartmentKind, Role, Site, SiteKind, Staff, Window

PASSWORD = "Govhall#2026"
_seq = itertools.count(1)


def _n() -> int:
    return next(_seq)


def department(
    *, kind: str = DepartmentKind.STATIONED, name: str | None = None, code: str | None = None
) -> Department:
    n = _n()
    return services.department_create(
        code=code or f"D{n:03d}", name=name or f"测试局{n}", kind=kind, phone="0838-1234567", actor=None
    )


def centre() -> Site:
    existing = Site.objects.filter(kind=SiteKind.CENTRE).first()
    if existing:
        return existing
    return services.site_create(code="QL", name="七里市政务服务中心", kind=SiteKind.CENTRE, actor=None)


def site(
    *, kind: str, parent: Site | None = None, market_day_digits: str = "", name: str | None = None
) -> Site:
    n = _n()
    if kind == SiteKind.VILLAGE and not market_day_digits:
        market_day_digits = "147"
    return services.site_create(
        code=f"S{n:03d}",
        name=name or f"{SiteKind(kind).label}{n}",
        kind=kind,
        parent=parent or centre(),
        market_day_digits=market_day_digits,
        actor=None,
    )


def township(name: str | None = None) -> Site:
    return site(kind=SiteKind.TOWNSHIP, parent=centre(), name=name)


def village(parent: Site, digits: str = "147") -> Site:
    return site(kind=SiteKind.VILLAGE, parent=parent, market_day_digits=digits)


def window(*, site: Site | None = None, dept: Department | None = None, number: str | None = None) -> Window:
    n = _n()
    return services.window_create(
        site=site or centre(),
        number=number or str(n),
        name=f"综合受理{n}",
        department=dept or department(),
        actor=None,
    )


def staff(
    *, role: str = Role.CLERK, dept: Department | None = None, site: Site | None = None, win: Window | None = None,
    username: str | None = None, name: str = "李四", mobile: str | None = None, password: str | None = PASSWORD,
) -> Staff:  # fmt: skip
    n = _n()
    mobile = f"1380013{n:04d}" if mobile is None else mobile  # mobiles are unique per account
    return services.staff_create(
        username=username or f"user{n}", name=name, role=role, department=dept or department(),
        site=site or centre(), window=win, mobile=mobile, password=password, actor=None,
    )  # fmt: skip


def applicant(username: str = "applicant"):
    user = get_user_model().objects.create_user(
        username=username, password=PASSWORD, kind="person", real_name="张三"
    )
    return user


def delegation(chief: Staff, *, valid_from: date, valid_to: date, powers=("decide", "review_report", "seal")):
    return services.delegation_grant(
        chief=chief, department=chief.department, powers=powers, document_no=f"授字〔2026〕{_n()}号",
        valid_from=valid_from, valid_to=valid_to, actor=None,
    )  # fmt: skip


def counts() -> dict[str, int]:
    """Row counts of every table the organisation services write, to show nothing changed."""
    from govhall.core.models import AuditEvent
    from govhall.org.models import Delegation

    models = (Department, Site, Window, Staff, Delegation, get_user_model(), AuditEvent)
    return {m.__name__: m.objects.count() for m in models}


def last_event(action: str):
    from govhall.core.models import AuditEvent

    return AuditEvent.objects.filter(action=action).order_by("-id").first()
