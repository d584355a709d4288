"""Inquiries test data: two units with a window, an item, staff, a supervisor, a manager and two
applicants with verified mobiles, built through the services of the contexts that own them."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from govhall.core.models import AuditEvent, OutboxMessage
from govhall.core.personal import user_set_identity
from govhall.inquiries.models import Answer, Complaint, FirstInquiry, Question
from govhall.org.models import Role
from tests.cases.factories import ric
from tests.catalog import factories as cat
from tests.org import factories as org

TZ = ZoneInfo("Asia/Shanghai")
_seq = itertools.count(1)


def at(month: int, day: int, hour: int = 0, minute: int = 0, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=TZ)


@dataclass
class World:
    item: object
    unit: object  # 市场监督管理局 (the item's department)
    other: object  # another unit
    window: object
    clerk: object  # window clerk of ``unit``
    chief: object  # chief representative of ``unit`` (the unit's leader)
    other_clerk: object  # clerk of ``other``
    supervisor: object
    manager: object
    applicant: object
    stranger: object  # another applicant


def person(username: str, name: str, body17: str, mobile: str):
    user = org.applicant(username)
    return user_set_identity(user=user, real_name=name, id_number=ric(body17), mobile=mobile, actor=None)


def world() -> World:
    unit = cat.department()
    other = cat.department("GAJ", "公安局")
    item = cat.make_item(department=unit, code=f"11510100MB0000001X-{next(_seq):03d}")
    window = org.window(dept=unit, number=f"A{next(_seq):02d}")
    centre_dept = cat.department("ZWZX", "政务服务中心管理办公室")
    return World(
        item=item, unit=unit, other=other, window=window,
        clerk=org.staff(role=Role.CLERK, dept=unit, win=window, name="李窗口").user,
        chief=org.staff(role=Role.CHIEF, dept=unit, name="王首席", mobile="13800990001").user,
        other_clerk=org.staff(role=Role.CLERK, dept=other, name="赵民警").user,
        supervisor=org.staff(role=Role.SUPERVISOR, dept=centre_dept, name="周监察").user,
        manager=org.staff(role=Role.MANAGER, dept=centre_dept, name="吴管理").user,
        applicant=person("zhang_san", "张三", "11010519491231002", "13912345678"),
        stranger=person("li_si", "李四", "11010519800101001", "13712345678"),
    )  # fmt: skip


def counts() -> dict[str, int]:
    """Rows every inquiries service writes, to show a refused call changed nothing (refused
    permission checks may be audited as failures, so only successful events count)."""
    rows = {m.__name__: m.objects.count() for m in (Question, Answer, Complaint, FirstInquiry, OutboxMessage)}
    return rows | {"AuditEvent": AuditEvent.objects.filter(success=True).count()}


def sms(topic: str = "complaint") -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(kind="sms", topic=topic).order_by("id"))
