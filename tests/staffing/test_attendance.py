"""Sign-in and sign-out: late and early minutes, the deductions at their boundaries, refusals."""

import datetime as dt
from decimal import Decimal

import pytest

from govhall.core.errors import Conflict, PermissionDenied, ValidationFailed
from govhall.core.models import AuditEvent
from govhall.staffing import assessment, services
from govhall.staffing.models import AttendanceRecord
from tests.org import factories as org
from tests.staffing import factories as f

DAY = dt.date(2026, 11, 10)  # a Tuesday
SATURDAY = dt.date(2026, 11, 14)
END_OF_MONTH = f.at(dt.date(2026, 12, 1), 0)


def _month(staff):
    return assessment.person_month("2026-11", staff, now=END_OF_MONTH)


@pytest.mark.parametrize(
    ("minute", "second", "late", "item", "points"),
    [(10, 0, 10, "late_minor", Decimal("1")), (10, 59, 10, "late_minor", Decimal("1")),
     (11, 0, 11, "late_major", Decimal("2"))],
)  # fmt: skip
def test_late_by_ten_minutes_costs_one_point_and_by_eleven_two(clerk, minute, second, late, item, points):
    record = f.sign_in(clerk, f.at(DAY, 9, minute, second))
    assert record.late_minutes == late
    f.sign_out(clerk, f.at(DAY, 12, 0))
    f.sign_in(clerk, f.at(DAY, 13, 30))  # exactly on time
    f.sign_out(clerk, f.at(DAY, 17, 30))
    m = _month(clerk)
    assert m.deductions[item] == points
    assert (m.late_minor, m.late_major) == ((1, 0) if item == "late_minor" else (0, 1))
    # Every other working day of November unattended: 19 whole days absent (38 half days × 5).
    assert m.half_day_absence == m.owed - 2
    assert m.deductions["half_day_absence"] == Decimal(5) * m.half_day_absence


def test_on_time_is_not_late_and_the_audit_records_the_event(clerk):
    record = f.sign_in(clerk, f.at(DAY, 8, 59, 59), source="pad")
    assert (record.late_minutes, record.session, record.sign_in_source) == (0, "am", "pad")
    event = AuditEvent.objects.filter(action="staffing.sign_in").latest("id")
    assert event.actor_id == clerk.user_id and event.after["late_minutes"] == 0


def test_the_afternoon_is_signed_after_the_morning_ends(clerk):
    record = f.sign_in(clerk, f.at(DAY, 13, 45))
    assert (record.session, record.late_minutes) == ("pm", 15)
    out = f.sign_out(clerk, f.at(DAY, 17, 0))
    assert (out.pk, out.early_minutes) == (record.pk, 30)


def test_signing_in_twice_is_refused_and_changes_nothing(clerk):
    f.sign_in(clerk, f.at(DAY, 8, 55))
    before = f.counts()
    with pytest.raises(Conflict) as exc:
        f.sign_in(clerk, f.at(DAY, 9, 5))
    assert exc.value.code == "staffing.already_signed_in"
    assert f.counts() == before
    assert AttendanceRecord.objects.get().late_minutes == 0


@pytest.mark.parametrize(
    ("when", "code"),
    [(f.at(SATURDAY, 9, 0), "staffing.not_workday"), (f.at(DAY, 7, 30), "staffing.sign_in_not_open"),
     (f.at(DAY, 17, 31), "staffing.sign_in_closed")],
)  # fmt: skip
def test_sign_in_outside_working_time_is_refused(clerk, when, code):
    before = f.counts()
    with pytest.raises(ValidationFailed) as exc:
        f.sign_in(clerk, when)
    assert exc.value.code == code
    assert f.counts() == before


def test_a_bad_source_and_a_non_staff_caller_change_nothing(clerk):
    applicant = org.applicant("zhang_san")
    before = f.counts()
    with pytest.raises(ValidationFailed):
        f.sign_in(clerk, f.at(DAY, 9, 0), source="phone")
    with f.travel(f.at(DAY, 9, 0)), pytest.raises(PermissionDenied):
        services.attendance_sign_in(actor=applicant)
    assert f.counts() == before


def test_a_sign_out_without_sign_in_is_a_missed_sign_in_and_no_sign_out_a_missed_sign_out(clerk):
    f.sign_out(clerk, f.at(DAY, 12, 0))  # forgot to sign in
    f.sign_in(clerk, f.at(DAY, 13, 30))  # forgot to sign out
    m = _month(clerk)
    assert (m.missed_sign_in, m.missed_sign_out) == (1, 1)
    assert m.deductions["missed_sign_in"] == Decimal(2) and m.deductions["missed_sign_out"] == Decimal(2)
    with pytest.raises(Conflict):
        f.sign_out(clerk, f.at(DAY, 12, 30))  # the morning is signed out already
