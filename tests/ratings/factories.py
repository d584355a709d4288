"""Ratings test data: applicants with a real-name account and cases concluded through the cases
services (an instant item: received, accepted and concluded by its department's clerk)."""

import datetime as dt
import itertools
from decimal import Decimal
from zoneinfo import ZoneInfo

import time_machine

from govhall.cases import decisions
from govhall.cases.services import case_accept, case_submit
from govhall.core.models import AuditEvent, OutboxMessage
from govhall.core.personal import user_set_identity
from govhall.org.models import Role
from govhall.ratings.models import Rating, RatingInvitation, Rectification, ReturnVisit
from tests.cases import factories as f
from tests.org import factories as org

TZ = ZoneInfo("Asia/Shanghai")
_seq = itertools.count(1)
FUTURE = dt.date(2099, 12, 31)


def at(month: int, day: int, hour: int = 0, minute: int = 0, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=TZ)


def person(username: str | None = None, *, name: str = "张三", mobile: str | None = None):
    """A person's account with name, ID number and mobile (an SMS can reach them)."""
    n = next(_seq)
    user = org.applicant(username or f"person{n}")
    body = f"1101051990{n % 12 + 1:02d}{n % 28 + 1:02d}{n % 1000:03d}"
    user_set_identity(user=user, real_name=name, id_number=f.ric(body), mobile=mobile or f"1390013{n:04d}")
    return user


def instant_item():
    n = next(_seq)
    return f.item(code=f"11510100MB0000001X-{300 + n:03d}", name=f"个体工商户变更登记{n}", case_kind=1,
                  promised_limit=Decimal("0"))  # fmt: skip


def clerk_of(item):
    return org.staff(role=Role.CLERK, dept=item.department, name="李窗口").user


def received_case(applicant, *, item=None, clerk=None):
    item = item or instant_item()
    clerk = clerk or clerk_of(item)
    return case_submit(
        **f.submit_kwargs(item, clerk, applicant=applicant, applicant_name=applicant.real_name)
    )


def concluded_case(applicant, *, item=None, clerk=None, when: dt.datetime | None = None):
    """A case of ``applicant`` concluded (certificate issued) at ``when`` (default: now)."""
    item = item or instant_item()
    clerk = clerk or clerk_of(item)

    def run():
        case = received_case(applicant, item=item, clerk=clerk)
        case = case_accept(case=case, actor=clerk)
        return decisions.case_conclude(case=case, result_code=0, certificate_no="GT2026001",
                                       certificate_valid_until=FUTURE, actor=clerk)  # fmt: skip

    if when is None:
        return run()
    with time_machine.travel(when, tick=False):
        return run()


def counts() -> dict[str, int]:
    rows = {m.__name__: m.objects.count() for m in (Rating, Rectification, ReturnVisit, RatingInvitation)}
    return rows | {
        "AuditEvent": AuditEvent.objects.filter(success=True).count(),
        "OutboxMessage": OutboxMessage.objects.count(),
    }
