"""The periodic huey task runs the same set-based sweep as `govhall cases_sweep`."""

import datetime as dt

import pytest
import time_machine

from govhall.cases.services import case_submit
from govhall.cases.states import CaseState
from govhall.cases.tasks import cases_sweep_periodic
from tests.cases import factories

pytestmark = pytest.mark.django_db


def test_periodic_task_deems_overdue_cases_accepted():
    clerk = factories.clerk()
    the_item = factories.item()
    # Received Friday 20 Nov 2026; five working days end Friday 27 Nov (行政许可法 Art. 32).
    with time_machine.travel(dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC), tick=False):
        case = case_submit(**factories.submit_kwargs(the_item, clerk))
    with time_machine.travel(dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC), tick=False):
        assert cases_sweep_periodic.call_local() == {"deemed accepted": 0, "undertakings expired": 0}
    with time_machine.travel(dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC), tick=False):
        assert cases_sweep_periodic.call_local()["deemed accepted"] == 1
    case.refresh_from_db()
    assert case.state == CaseState.ACCEPTED
