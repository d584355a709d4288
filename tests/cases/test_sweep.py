"""`govhall cases_sweep` and its huey periodic task: deemed acceptance and undertaking expiry."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from govhall.cases import services
from govhall.cases.models import Case, Notice, Undertaking
from govhall.cases.tasks import cases_sweep_periodic
from govhall.org.models import Role
from tests.cases import factories as f
from tests.org import factories as org

pytestmark = pytest.mark.django_db
TZ = timezone.get_current_timezone()
MONDAY = dt.datetime(2026, 11, 23, 10, tzinfo=TZ)


@pytest.fixture
def two_due_cases():
    """One case left undecided past its Art. 32 window, one tolerant case past its deadline."""
    item = f.item(tolerant=True, promised_limit=Decimal("5"))
    clerk = org.staff(role=Role.CLERK, dept=item.department).user
    with time_machine.travel(MONDAY, tick=False):
        idle = services.case_submit(**f.submit_kwargs(item, clerk))
        owing = services.case_submit(**f.submit_kwargs(item, clerk))
        owing = services.case_accept_tolerant(case=owing, owed=["食品安全管理制度文本"], undertaking_text="承诺",
                                              deadline_workdays=1, actor=clerk)  # fmt: skip
    return idle, owing


def run_command(when) -> str:
    out = StringIO()
    with time_machine.travel(when, tick=False):
        call_command("cases_sweep", stdout=out)
    return out.getvalue()


def test_the_command_prints_what_it_changed(two_due_cases):
    idle, owing = two_due_cases
    assert run_command(MONDAY + dt.timedelta(hours=1)) == "deemed accepted: 0\nundertakings expired: 0\n"
    assert run_command(MONDAY + dt.timedelta(days=14)) == "deemed accepted: 1\nundertakings expired: 1\n"
    idle.refresh_from_db()
    owing.refresh_from_db()
    assert (idle.state, idle.accepted_at) == ("accepted", idle.received_at)
    assert (owing.state, owing.result_code, Undertaking.objects.get(case=owing).state) == (
        "concluded",
        5,
        "expired",
    )
    assert run_command(MONDAY + dt.timedelta(days=15)) == "deemed accepted: 0\nundertakings expired: 0\n"


def test_deemed_acceptance_issues_the_acceptance_notice(two_due_cases):
    idle, _owing = two_due_cases
    services.cases_deem_accepted(now=MONDAY + dt.timedelta(days=14))
    facts = Notice.objects.get(case=idle, kind="acceptance").data
    assert facts["deemed"] is True and facts["accepted_at"] == idle.received_at.isoformat()


def test_the_periodic_task_runs_the_same_sweep(two_due_cases):
    with time_machine.travel(MONDAY + dt.timedelta(days=14), tick=False):
        assert cases_sweep_periodic.call_local() == {"deemed accepted": 1, "undertakings expired": 1}
    assert Case.objects.filter(state="accepted").count() == 1
    assert Case.objects.filter(state="concluded").count() == 1
