"""Deadlines: deemed acceptance (行政许可法 Art. 32) and supplement pauses (Art. 45 analogue)."""

import datetime as dt
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from govhall.cases.models import Case, CaseEvent
from govhall.cases.services import (
    case_accept,
    case_request_supplement,
    case_submit,
    case_supplement_received,
    cases_deem_accepted,
)
from govhall.core import workdays
from govhall.core.models import AuditEvent
from tests.cases import factories as f

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, tzinfo=TZ)  # 2026-11-20 is a Friday


def _submit_on(when, clerk, item):
    with time_machine.travel(when, tick=False):
        return case_submit(**f.submit_kwargs(item, clerk))


def test_deemed_acceptance_counts_working_days_across_the_weekend(clerk, item):
    case = _submit_on(at(20), clerk, item)  # Friday
    assert case.acceptance_deadline == workdays.due_instant(at(20), 5, "workday")
    # Five natural days later (Wednesday) only three working days have passed.
    assert cases_deem_accepted(now=at(25, 18)) == 0
    assert Case.objects.get(pk=case.pk).state == "submitted"
    with time_machine.travel(case.acceptance_deadline + dt.timedelta(minutes=1), tick=False):
        out = StringIO()
        call_command("cases_sweep", stdout=out)
    assert "deemed accepted: 1" in out.getvalue()
    case.refresh_from_db()
    assert (case.state, case.report_status, case.accepted_at) == ("accepted", 3, case.received_at)
    assert case.legal_due_at is not None
    event = CaseEvent.objects.get(case=case, action="deem_accept")
    assert event.actor is None and event.from_state == "submitted"
    assert AuditEvent.objects.filter(action="cases.deem_accept", actor__isnull=True).count() == 1
    assert cases_deem_accepted(now=at(30)) == 0  # idempotent: a second sweep finds nothing


def test_a_notice_within_the_window_prevents_deemed_acceptance(clerk, item):
    case = _submit_on(at(20), clerk, item)
    case_request_supplement(case=case, materials=["申请书"], actor=clerk)
    assert cases_deem_accepted(now=at(30)) == 0


def test_supplement_pause_moves_due_by_exactly_the_paused_working_time(clerk, item):
    case = _submit_on(at(23), clerk, item)  # Monday
    with time_machine.travel(at(23, 11), tick=False):
        case = case_accept(case=case, actor=clerk)
    due_before = case.legal_due_at
    with time_machine.travel(at(27, 15), tick=False):  # Friday afternoon
        case = case_request_supplement(case=case, materials=["营业执照复印件"], actor=clerk)
    assert (case.state, case.legal_due_at, case.clock_paused_at) == ("in_supplement", None, at(27, 15))
    with time_machine.travel(at(30, 15), tick=False):  # Monday afternoon: one working day paused
        case = case_supplement_received(case=case, actor=clerk)
    assert case.state == "accepted" and case.clock_paused_at is None
    moved = workdays.worktime_at(case.legal_due_at) - workdays.worktime_at(due_before)
    assert moved == workdays.worktime_at(at(30, 15)) - workdays.worktime_at(at(27, 15)) == workdays.DAY_US
    case.refresh_from_db()
    assert case.legal_due_at == workdays.instant_at_worktime(
        workdays.worktime_at(due_before) + workdays.DAY_US
    )
    assert dt.datetime.fromisoformat(case.clock_pauses[0]["end"]) == at(30, 15)
