"""Demo queue: one business per ticket prefix of the centre's windows, the windows serving them,
and today's waiting tickets (issued through the kiosk service). Idempotent: {} once businesses exist."""

from __future__ import annotations

import random

from django.db import transaction
from django.utils import timezone

from govhall.catalog.models import ServiceItem
from govhall.core.identity import ric_check_char
from govhall.hall.queue import services
from govhall.hall.queue.models import Business, Ticket, WindowBusiness
from govhall.org.models import Site, SiteKind, Staff, Window

SEED = 20261126
BUSINESSES = {  # prefix → (code, name, daily cap, warning length)
    "A": ("ZHSL", "综合受理", 400, 30),
    "B": ("QYKB", "企业开办与市场准入", 300, 25),
    "C": ("GCJS", "投资建设项目审批", 200, 20),
    "D": ("GAFW", "公安业务", 300, 25),
    "E": ("SHSW", "社会事务", 300, 25),
    "F": ("HYSP", "行业审批", 200, 20),
    "G": ("GJJ", "住房公积金", 200, 20),
    "H": ("SDQX", "水电气讯报装", 150, 15),
    "J": ("JYFW", "公共资源交易", 100, 10),
}
NAMES = ["王建国", "李秀英", "张伟", "刘洋", "陈静", "杨帆", "赵磊", "黄丽", "周敏", "吴强", "徐娟", "孙浩"]
BIRTHS = ["19580312", "19900521", "19851103", "19470909", "19960130", "19720615", "19881212", "19630228"]


def _ric(birth: str, n: int) -> str:
    body = f"511302{birth}{n % 1000:03d}"
    return body + ric_check_char(body)


def _businesses(centre: Site) -> dict[str, Business]:
    windows = list(Window.objects.filter(site=centre, active=True).exclude(ticket_prefix=""))
    made = {}
    for prefix, (code, name, cap, warn) in BUSINESSES.items():
        mine = [w for w in windows if w.ticket_prefix == prefix]
        if not mine:
            continue
        items = ServiceItem.objects.filter(windows__in=mine).distinct()
        made[prefix] = services.business_create(
            site=centre, code=code, name=name, prefix=prefix, daily_cap=cap, warn_length=warn,
            items=list(items), sort=len(made), actor=None,
        )  # fmt: skip
        for window in mine:
            services.window_business_set(window=window, business=made[prefix], priority=1, actor=None)
    # Comprehensive windows (综合窗口) also take enterprise set-up when their own queue is empty.
    if "A" in made and "B" in made:
        for window in windows:
            if window.is_comprehensive and window.ticket_prefix == "A":
                services.window_business_set(window=window, business=made["B"], priority=2, actor=None)
    return made


def _tickets(made: dict[str, Business]) -> int:
    rng = random.Random(SEED)
    guide = Staff.objects.filter(role="manager", active=True).select_related("user").first()
    issued = 0
    for n in range(24):
        prefix = rng.choice([p for p in "AABBBCDE" if p in made])
        green = n == 7 and guide is not None
        services.ticket_issue(
            business=made[prefix], id_number=_ric(rng.choice(BIRTHS), n), name=rng.choice(NAMES),
            mobile=f"1390838{n:04d}" if n % 3 == 0 else "", green=green, actor=guide.user if green else None,
        )  # fmt: skip
        issued += 1
    return issued


def seed() -> dict[str, int]:
    centre = (
        Site.objects.filter(kind=SiteKind.CENTRE, code="QL").first()
        or Site.objects.filter(kind=SiteKind.CENTRE).first()
    )
    if centre is None or Business.objects.filter(site=centre).exists():
        return {}
    with transaction.atomic():
        made = _businesses(centre)
    if not made:
        return {}
    issued = _tickets(made)
    today = timezone.localdate()
    return {
        "排队业务": len(made),
        "窗口业务设置": WindowBusiness.objects.filter(business__in=made.values()).count(),
        "今日等候号票": Ticket.objects.filter(day=today, business__in=made.values()).count() or issued,
    }
