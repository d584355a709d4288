"""The sweep as a whole: the calendar alert, the command, the periodic task, a sweep killed midway."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from govhall.core.models import CalendarYear, OutboxMessage
from govhall.supervision import sweep
from govhall.supervision.models import Alert, ClockWatch, Rule, SweepRun, Warning
from govhall.supervision.tasks import supervise_periodic
from tests.supervision import factories as sf
from tests.supervision.factories import at

P, S = Rule.PROMISED, Rule.STEP


@pytest.mark.django_db
def test_each_provisional_calendar_year_raises_one_alert_until_it_is_published():
    provisional = sorted(CalendarYear.objects.filter(provisional=True).values_list("year", flat=True))
    assert provisional, "the seeded calendar holds provisional years ahead"
    report = sf.sweep_at(at(10, 1))
    assert report.phases["calendar"] == {"raised": len(provisional), "resolved": 0}
    alerts = Alert.objects.filter(kind="calendar_provisional").order_by("year")
    assert [a.year for a in alerts] == provisional
    assert f"{provisional[0]}年工作日历为暂定日历" in alerts[0].message
    again = sf.sweep_at(at(10, 2))
    assert again.phases["calendar"] == {"raised": 0, "resolved": 0}
    assert Alert.objects.count() == len(provisional)
    CalendarYear.objects.filter(year=provisional[0]).update(provisional=False)  # the schedule is entered
    published = sf.sweep_at(at(10, 3))
    assert published.phases["calendar"] == {"raised": 0, "resolved": 1}
    assert Alert.objects.get(year=provisional[0]).resolved_at == at(10, 3)
    assert Alert.objects.filter(resolved_at__isnull=True).count() == len(provisional) - 1


@pytest.mark.django_db
def test_the_command_prints_what_each_phase_changed(w):
    w.accept(at(9, 23, 10))
    out = StringIO()
    with sf.time_machine.travel(at(10, 9), tick=False):
        call_command("supervise", stdout=out)
    lines = [re.sub(r" \[\d+ ms\]$", "", line) for line in out.getvalue().splitlines()]  # timings vary
    assert lines[0] == "deem_accept: accepted 0"
    assert (
        "case_clocks: full 1, yellow 0, red 1, normal 0, warnings_raised 1, warnings_cleared 0, sms_queued 2"
        in lines
    )
    assert (
        "step_clocks: full 1, yellow 0, red 1, normal 0, warnings_raised 1, warnings_cleared 0, sms_queued 1"
        in lines
    )
    assert all(re.search(r" \[\d+ ms\]$", line) for line in out.getvalue().splitlines())
    run = SweepRun.objects.get()
    assert (run.now, run.finished_at is not None) == (at(10, 9), True)
    assert run.report["phases"]["case_clocks"]["red"] == 1


@pytest.mark.django_db
def test_the_periodic_task_runs_the_sweep(w):
    case = w.accept(at(9, 23, 10))
    with sf.time_machine.travel(at(10, 1), tick=False):
        result = supervise_periodic.call_local()
    assert result["phases"]["case_clocks"]["yellow"] == 1
    assert sf.level(case, P) == "yellow"


@pytest.fixture
def fail_at(monkeypatch):
    """Make the sweep raise at a named point inside a phase (as if the process died there)."""

    def arm(point: str):
        def hook(name: str) -> None:
            if name == point:
                raise RuntimeError(f"killed at {name}")

        monkeypatch.setattr(sweep, "_hook", hook)

    return arm


@pytest.mark.django_db(transaction=True)
def test_a_sweep_killed_in_a_phase_leaves_that_phase_undone_and_the_next_run_completes(w, fail_at):
    case = w.accept(at(9, 23, 10))
    fail_at("step_clocks:raised")  # after the step cards were inserted, before their SMS
    with pytest.raises(sweep.SweepFailed) as failed:
        sf.sweep_at(at(10, 9))
    assert "killed at step_clocks:raised" in str(failed.value)
    assert failed.value.report.phases["case_clocks"]["warnings_raised"] == 1  # committed before
    # The step phase is all or nothing: no colour, no card, no SMS of it survived.
    assert not ClockWatch.objects.filter(rule=S).exists()
    assert not Warning.objects.filter(rule=S).exists()
    assert sf.open_cards(case) == [(P, "red")]
    sms_before = OutboxMessage.objects.filter(topic="supervision_warning").count()
    assert sms_before == 2
    fail_at("never")
    report = sf.sweep_at(at(10, 9, 0, 1))
    assert report.phases["case_clocks"]["warnings_raised"] == 0  # nothing doubled
    assert report.phases["step_clocks"]["warnings_raised"] == 1
    assert sorted(sf.open_cards(case)) == [(P, "red"), (S, "red")]
    assert OutboxMessage.objects.filter(topic="supervision_warning").count() == sms_before + 1
    killed = SweepRun.objects.order_by("id").first()
    assert killed.report["errors"] == {"step_clocks": "RuntimeError: killed at step_clocks:raised"}


@pytest.mark.django_db(transaction=True)
def test_a_failing_phase_does_not_stop_the_later_ones(w, fail_at):
    case = w.accept(at(9, 23, 10))
    fail_at("case_clocks:moved")
    out = StringIO()
    with sf.time_machine.travel(at(10, 9), tick=False), pytest.raises(CommandError):
        call_command("supervise", stdout=out)
    assert "case_clocks: failed (RuntimeError: killed at case_clocks:moved) [" in out.getvalue()
    assert sf.open_cards(case) == [(S, "red")]
    assert not ClockWatch.objects.filter(rule=P).exists()
