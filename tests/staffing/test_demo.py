"""The demo seed: a past month of attendance, published selections, open votes; idempotent."""

import datetime as dt

from govhall.org.models import Role, Staff
from govhall.staffing import assessment, demo
from govhall.staffing.models import AttendanceRecord, Selection, VotePeriod
from tests.staffing import factories as f


def test_the_demo_seed_writes_once(db):
    people = [f.clerk(name=f"演示{i}") for i in range(6)]
    f.leader(Role.MANAGER, name="主任")
    f.leader(Role.DUTY_LEADER, name="值班甲")
    with f.travel(f.at(dt.date(2026, 11, 20), 10)):
        counts = demo.seed()
        assert counts["考勤记录"] == AttendanceRecord.objects.count() > 0
        assert demo.seed() == {}
        sheet = assessment.month_sheet("2026-10", Staff.objects.all())
    assert {s.state for s in Selection.objects.filter(period="2026-10")} == {"published"}
    assert set(VotePeriod.objects.values_list("period", "state")) == {("2026-11", "open")}
    scores = {m.staff.pk: m.score for m in sheet}
    assert all(scores[p.pk] < 100 for p in people[4:5])  # the demo's unexcused absence
    assert counts["上月红旗窗口和优秀工作人员（已发布）"] >= 5
