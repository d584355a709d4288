"""Between full comparisons the sweep looks only at what may have changed (docs/adr/0010): deadlines
that fell due since the last run, and the cases whose timeline grew. A full comparison runs first,
then at least hourly, and whenever the instant goes back."""

import datetime as dt

import pytest

from govhall.cases.models import Case, CaseEvent
from govhall.supervision.models import Rule, SweepPhase
from tests.supervision import factories as sf
from tests.supervision.factories import at

pytestmark = pytest.mark.django_db
P, S = Rule.PROMISED, Rule.STEP
MIN = dt.timedelta(minutes=1)


def _full(report) -> tuple[int, int]:
    return report.phases["case_clocks"]["full"], report.phases["step_clocks"]["full"]


def test_the_first_sweep_is_full_and_the_next_ones_incremental(w):
    case = w.accept(at(9, 23, 10))
    t0 = at(9, 30, 23, 50)
    assert _full(sf.sweep_at(t0)) == (1, 1)
    assert _full(sf.sweep_at(t0 + 2 * MIN)) == (1, 1)  # no run five minutes older yet
    report = sf.sweep_at(at(10, 1))  # ten minutes on: the yellow deadline fell due in between
    assert _full(report) == (0, 0)
    assert sf.level(case, P) == "yellow" and report.phases["case_clocks"]["warnings_raised"] == 1


def test_an_incremental_sweep_sees_a_case_that_moved(w):
    from govhall.cases.decisions import case_conclude

    case = w.accept(at(9, 23, 10))
    t0 = at(10, 9)
    sf.sweep_at(t0)
    assert sorted(sf.open_cards(case)) == [(P, "red"), (S, "red")]
    with sf.time_machine.travel(t0 + 7 * MIN, tick=False):
        case_conclude(case=case, result_code=5, reason="申请人放弃", actor=w.approver)
    report = sf.sweep_at(t0 + 8 * MIN)
    assert _full(report) == (0, 0)
    assert sf.open_cards(case) == []
    assert (report.phases["case_clocks"]["normal"], report.phases["step_clocks"]["normal"]) == (1, 1)


def test_a_change_without_a_timeline_event_waits_for_the_hourly_full_comparison(w):
    case = w.accept(at(9, 23, 10))
    t0 = at(9, 25, 10)
    sf.sweep_at(t0)
    # Not how cases change (services always write a CaseEvent): shows what the full comparison is for.
    # (A warning instant that falls due later would be seen: deadlines due since the last run are.)
    Case.objects.filter(pk=case.pk).update(warn_at=t0 - dt.timedelta(hours=1))
    sf.sweep_at(t0 + 10 * MIN)
    assert sf.level(case, P) == "normal"  # the incremental run did not look at it
    report = sf.sweep_at(t0 + 61 * MIN)
    assert _full(report)[0] == 1 and sf.level(case, P) == "yellow"


def test_an_event_committed_late_is_still_seen(w):
    """A CaseEvent whose id is below what a later run already read (its transaction committed
    after that run began) is covered by re-reading events of the last five minutes."""
    from govhall.cases.services import case_request_supplement

    case = w.accept(at(9, 23, 10))
    t0 = at(10, 8, 9)
    sf.sweep_at(t0)
    sf.sweep_at(t0 + 6 * MIN)
    assert sf.level(case, P) == "yellow"
    with sf.time_machine.travel(t0 + 6 * MIN + dt.timedelta(seconds=30), tick=False):
        case_request_supplement(case=case, materials=["营业执照复印件"], actor=w.clerk)
    late = CaseEvent.objects.filter(case=case).latest("id").pk
    SweepPhase.objects.filter(now=t0 + 6 * MIN).update(event_high=late + 100)  # it "read past" the event
    Case.objects.filter(pk=case.pk).update(clock_paused_at=None)  # a pause freezes colours: let it clear
    report = sf.sweep_at(t0 + 7 * MIN)
    assert _full(report) == (0, 0)
    assert sf.level(case, P) == "normal"  # warn_at is NULL while paused: seen through the event


def test_an_instant_before_the_last_run_compares_everything(w):
    w.accept(at(9, 23, 10))
    sf.sweep_at(at(10, 9))
    assert _full(sf.sweep_at(at(10, 1))) == (1, 1)
