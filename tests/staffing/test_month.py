"""The month's computation: leave is not absence, off post at its boundary, configurable numbers,
quality from cases and supervision, and a query budget independent of the number of people."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from govhall.org.models import Staff
from govhall.staffing import assessment, services
from tests.staffing import factories as f

MONDAY, TUESDAY = dt.date(2026, 11, 9), dt.date(2026, 11, 10)
END = f.at(dt.date(2026, 12, 1), 0)


def _offpost(staff, actor, minutes: int, *, approved: bool = False):
    start = f.at(TUESDAY, 10, 0)
    with f.travel(f.at(TUESDAY, 18, 0)):
        return services.offpost_record(staff=staff, started_at=start, ended_at=start + dt.timedelta(minutes=minutes),
                                       reason="巡查", approved=approved, actor=actor.user)  # fmt: skip


@pytest.mark.parametrize(("minutes", "approved", "counted"), [(14, False, 0), (15, False, 1), (40, True, 0)])
def test_off_post_of_fifteen_minutes_costs_three_points_and_fourteen_nothing(
    clerk, duty, minutes, approved, counted
):
    f.full_day(clerk, TUESDAY)
    entry = _offpost(clerk, duty, minutes, approved=approved)
    assert entry.minutes == minutes
    m = assessment.person_month("2026-11", clerk, now=END)
    assert m.off_post == counted
    assert m.deductions.get("off_post", Decimal(0)) == Decimal(3) * counted


def test_only_leaders_record_off_post_and_bad_spans_change_nothing(clerk, duty):
    before = f.counts()
    start = f.at(TUESDAY, 10, 0)
    with f.travel(f.at(TUESDAY, 18, 0)):
        with pytest.raises(Exception) as refused:
            services.offpost_record(staff=clerk, started_at=start, ended_at=start + dt.timedelta(minutes=20),
                                    actor=clerk.user)  # fmt: skip
        assert refused.value.code == "staffing.forbidden"
        for end in (start, start - dt.timedelta(minutes=5), f.at(TUESDAY, 23, 0)):
            with pytest.raises(Exception) as bad:
                services.offpost_record(staff=clerk, started_at=start, ended_at=end, actor=duty.user)
            assert bad.value.code in ("staffing.bad_span", "staffing.future")
    assert f.counts() == before


def test_approved_leave_is_not_absence_and_a_day_without_records_is(clerk, duty):
    with f.travel(f.at(MONDAY, 8, 0)):
        leave = services.leave_submit(kind="sick", start_day=MONDAY, start_session="am", end_day=MONDAY,
                                      end_session="pm", reason="发烧", actor=clerk.user)  # fmt: skip
        services.leave_decide(leave=leave, action="approve", actor=duty.user)
    f.full_day(clerk, TUESDAY)
    # November up to Wednesday 11th 00:00: Monday 2nd … Tuesday 10th = 7 working days.
    m = assessment.person_month("2026-11", clerk, now=f.at(dt.date(2026, 11, 11), 0))
    assert m.leave_half_days == 2 and m.leave_days == Decimal(1)
    assert m.owed == 12  # 14 half days, 2 on leave
    assert m.present == 2
    assert m.half_day_absence == 10  # Nov 2–6 unattended
    assert m.score == Decimal(100) - 10 * 5


def test_deductions_are_configurable(clerk, settings):
    settings.GOVHALL_STAFFING_DEDUCTIONS = {"late_minor": 4, "late_minor_minutes": 5}
    f.sign_in(clerk, f.at(TUESDAY, 9, 5))
    f.sign_out(clerk, f.at(TUESDAY, 12, 0))
    f.sign_in(clerk, f.at(TUESDAY, 13, 36))  # 6 minutes: now a major lateness
    f.sign_out(clerk, f.at(TUESDAY, 17, 30))
    m = assessment.person_month("2026-11", clerk, now=f.at(TUESDAY, 23, 0))
    assert (m.late_minor, m.late_major) == (1, 1)
    assert m.deductions["late_minor"] == Decimal(4) and m.deductions["late_major"] == Decimal(2)


def test_an_unknown_deduction_setting_fails_loudly(settings, clerk):
    from django.core.exceptions import ImproperlyConfigured

    settings.GOVHALL_STAFFING_DEDUCTIONS = {"lateness": 1}
    with pytest.raises(ImproperlyConfigured):
        assessment.person_month("2026-11", clerk, now=END)


def test_the_month_sheet_costs_the_same_queries_for_two_people_or_six(db):
    people = [f.clerk(name=f"员工{i}") for i in range(6)]
    for p in people:
        f.full_day(p, TUESDAY)

    def queries(staff) -> int:
        with CaptureQueriesContext(connection) as ctx:
            sheet = assessment.month_sheet("2026-11", staff, now=END)
        assert len(sheet) == staff.count()
        return len(ctx.captured_queries)

    few = queries(Staff.objects.filter(pk__in=[p.pk for p in people[:2]]))
    many = queries(Staff.objects.filter(pk__in=[p.pk for p in people]))
    assert few == many


def test_a_bad_month_is_refused(clerk):
    with pytest.raises(Exception) as exc:
        assessment.person_month("2026-13", clerk)
    assert exc.value.code == "staffing.bad_period"


def test_the_half_year_summary_averages_the_begun_months(clerk):
    f.full_day(clerk, TUESDAY)
    rows = assessment.period_summary(
        "2026H2", Staff.objects.filter(pk=clerk.pk), now=f.at(dt.date(2026, 11, 30), 20)
    )
    assert len(rows) == 1 and [m.period.code for m in rows[0].months] == [
        "2026-07", "2026-08", "2026-09", "2026-10", "2026-11",
    ]  # fmt: skip
    assert rows[0].average == sum(m.score for m in rows[0].months) / 5
