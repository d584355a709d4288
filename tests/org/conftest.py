"""Named personas of the organisation tests: a centre, a township with stations, and their people."""

from types import SimpleNamespace

import pytest

from govhall.org.models import DepartmentKind, Role, SiteKind
from tests.org import factories as f


@pytest.fixture
def city(db):
    """The centre with one stationed department, two townships with one village station each."""
    centre = f.centre()
    market = f.department(name="市场监督管理局", code="SCJG")
    town_a_dept = f.department(kind=DepartmentKind.TOWNSHIP, name="东山镇人民政府", code="DSZ")
    town_b_dept = f.department(kind=DepartmentKind.TOWNSHIP, name="西河镇人民政府", code="XHZ")
    town_a = f.site(kind=SiteKind.TOWNSHIP, parent=centre, name="东山镇便民服务中心")
    town_b = f.site(kind=SiteKind.TOWNSHIP, parent=centre, name="西河镇便民服务中心")
    village_a = f.village(town_a, "147")
    village_b = f.village(town_b, "258")
    market_window = f.window(site=centre, dept=market, number="12")
    people = SimpleNamespace(
        manager=f.staff(role=Role.MANAGER, dept=market, username="manager", name="王经理"),
        clerk=f.staff(role=Role.CLERK, dept=market, win=market_window, username="clerk", name="赵六"),
        chief=f.staff(role=Role.CHIEF, dept=market, win=market_window, username="chief", name="钱七"),
        town_a_clerk=f.staff(
            role=Role.CLERK, dept=town_a_dept, site=town_a, username="ta_clerk", name="孙八"
        ),
        town_b_clerk=f.staff(
            role=Role.CLERK, dept=town_b_dept, site=town_b, username="tb_clerk", name="周九"
        ),
        agent_a=f.staff(
            role=Role.AGENT,
            dept=town_a_dept,
            site=village_a,
            username="agent_a",
            name="吴十",
            mobile="13900139000",
        ),
        applicant=f.applicant(),
    )
    return SimpleNamespace(
        centre=centre, market=market, town_a=town_a, town_b=town_b, village_a=village_a, village_b=village_b,
        town_a_dept=town_a_dept, town_b_dept=town_b_dept, market_window=market_window, **vars(people),
    )  # fmt: skip
