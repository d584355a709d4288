"""Clock colours at the right working instant (2026 calendar: weekends, National Day, 调休 Saturday)."""

import pytest

from govhall.cases import clocks
from govhall.supervision.models import ClockWatch, Rule, Warning
from tests.supervision import factories as sf
from tests.supervision.factories import at

pytestmark = pytest.mark.django_db
P, L, S = Rule.PROMISED, Rule.LEGAL, Rule.STEP


def test_yellow_and_red_across_the_national_day_holiday(w):
    case = w.accept(at(9, 23, 10))  # Wednesday; 25–27 Sep and 1–7 Oct are holidays
    # Five working days: 24, 28, 29, 30 Sep and 8 Oct; yellow with one working day left.
    assert (case.warn_at, case.promised_due_at) == (at(10, 1), at(10, 9))
    sf.sweep_at(at(9, 30, 23, 59, 59))
    assert sf.level(case, P) == "normal" and not sf.cards(case, rule=P)
    report = sf.sweep_at(at(10, 1))
    assert sf.level(case, P) == "yellow" and report.phases["case_clocks"]["yellow"] == 1
    sf.sweep_at(at(10, 7, 12))  # the holiday: still yellow, nothing new
    sf.sweep_at(at(10, 8, 23, 59, 59))
    assert sf.open_cards(case, rule=P) == [(P, "yellow")]
    sf.sweep_at(at(10, 9))
    assert sf.level(case, P) == "red"
    yellow, red = sf.cards(case, rule=P)
    assert (yellow.level, yellow.clear_kind, yellow.cleared_at) == ("yellow", "escalated", at(10, 9))
    assert (red.level, red.cleared_at, red.raised_at, red.due_at) == ("red", None, at(10, 9), at(10, 9))
    assert sf.level(case, L) == "normal"  # the legal clock (20 working days) runs to 29 Oct
    assert case.legal_due_at == at(10, 29)
    sf.sweep_at(at(10, 28, 23, 59))
    assert sf.level(case, L) == "normal"
    sf.sweep_at(at(10, 29))
    assert sf.level(case, L) == "red" and sf.open_cards(case, rule=L) == [(L, "red")]


def test_red_only_after_the_weekend():
    w = sf.world(promised=1, step_limit="0.5", chief_limit=None)
    case = w.accept(at(11, 20, 10))  # Friday: one working day is Monday 23 Nov
    assert (case.warn_at, case.promised_due_at) == (at(11, 21), at(11, 24))
    sf.sweep_at(at(11, 20, 23, 59, 59))
    assert sf.level(case, P) == "normal"
    sf.sweep_at(at(11, 21))  # Saturday 00:00: one working day left
    assert sf.level(case, P) == "yellow"
    for instant in (at(11, 22, 12), at(11, 23, 23, 59, 59)):  # Sunday, and Monday night
        sf.sweep_at(instant)
        assert sf.level(case, P) == "yellow"
    sf.sweep_at(at(11, 24))
    assert sf.level(case, P) == "red"
    assert sf.open_cards(case, rule=P) == [(P, "red")]


def test_the_adjusted_workday_saturday_counts():
    w = sf.world(promised=2, step_limit="1", chief_limit="0.5")
    case = w.accept(at(10, 8, 10))  # Thursday after the holiday; Saturday 10 Oct is a working day (调休)
    assert (case.warn_at, case.promised_due_at) == (at(10, 10), at(10, 11))  # not Tuesday 13 Oct
    sf.sweep_at(at(10, 9, 23, 59, 59))
    assert sf.level(case, P) == "normal"
    sf.sweep_at(at(10, 10, 9))
    assert sf.level(case, P) == "yellow"
    sf.sweep_at(at(10, 11))  # Sunday 00:00: both working days are used up
    assert sf.level(case, P) == "red"


def test_a_step_is_red_while_the_case_is_still_in_time():
    from govhall.cases.processing import task_open

    w = sf.world(promised=5, step_limit="1")
    case = w.accept(at(11, 23, 10))  # Monday
    step = sf.step_of(case)
    assert (step.name, step.warn_at, step.due_at) == ("审核", at(11, 24), at(11, 25))
    assert case.promised_due_at == at(12, 1)
    with sf.time_machine.travel(at(11, 23, 15), tick=False):
        task_open(task=step.tasks.get(), actor=w.approver)
    sf.sweep_at(at(11, 24, 9))
    assert sf.level(case, S, step) == "yellow"
    sf.sweep_at(at(11, 25))
    assert (sf.level(case, S, step), sf.level(case, P), sf.level(case, L)) == ("red", "normal", "normal")
    yellow, red = sf.cards(case, rule=S)
    assert (red.level, red.step, red.cleared_at) == ("red", step, None)
    # Responsible: the step task's holder and department; the department's chief is told too.
    assert (red.person, red.department, red.leader) == (w.approver, w.department, w.chief)
    assert yellow.clear_kind == "escalated"


def test_case_cards_name_the_accepting_clerk_and_the_item_department(w):
    case = w.accept(at(9, 23, 10))
    sf.sweep_at(at(10, 1))
    (card,) = sf.cards(case, rule=P)
    assert (card.level, card.person, card.department, card.leader) == (
        "yellow",
        w.clerk,
        w.department,
        w.chief,
    )
    assert (card.raised_at, card.due_at, card.step) == (at(10, 1), at(10, 9), None)


def test_cards_are_cleared_when_the_case_is_concluded(w):
    from govhall.cases.decisions import case_conclude

    case = w.accept(at(9, 23, 10))
    sf.sweep_at(at(10, 9))  # promised red; the 审核 step (due 29 Sep) red too
    assert sorted(sf.open_cards(case)) == [(P, "red"), (S, "red")]
    with sf.time_machine.travel(at(10, 9, 10), tick=False):
        case_conclude(case=case, result_code=5, reason="申请人放弃", actor=w.approver)
    report = sf.sweep_at(at(10, 9, 10, 1))
    assert sf.open_cards(case) == []
    assert {c.clear_kind for c in sf.cards(case, level="red")} == {"resolved"}
    assert not ClockWatch.objects.filter(case=case).exists()
    assert report.phases["case_clocks"]["warnings_cleared"] == 1
    assert report.phases["step_clocks"]["warnings_cleared"] == 1


def test_an_extension_turns_a_red_clock_back(w):
    from govhall.cases.decisions import case_extend

    case = w.accept(at(9, 23, 10))
    sf.sweep_at(at(10, 9, 9))
    assert sf.level(case, P) == "red"
    with sf.time_machine.travel(at(10, 9, 10), tick=False):
        case = case_extend(case=case, workdays=10, reason="需要现场核查", approver=w.chief, actor=w.approver)
    assert case.promised_due_at > at(10, 20)
    sf.sweep_at(at(10, 9, 10, 1))
    assert sf.level(case, P) == "normal"
    (red,) = sf.cards(case, rule=P, level="red")
    assert (red.clear_kind, red.cleared_at) == ("resolved", at(10, 9, 10, 1))


def test_colours_freeze_while_the_clock_is_paused(w):
    from govhall.cases.services import case_request_supplement, case_supplement_received

    case = w.accept(at(9, 23, 10))
    sf.sweep_at(at(10, 8, 9))
    assert sf.level(case, P) == "yellow"
    with sf.time_machine.travel(at(10, 8, 10), tick=False):
        case = case_request_supplement(case=case, materials=["营业执照复印件"], actor=w.clerk)
    assert (case.warn_at, case.promised_due_at) == (None, None)
    sf.sweep_at(at(10, 20))  # past the old deadline: nothing moves while paused
    assert sf.level(case, P) == "yellow" and sf.open_cards(case, rule=P) == [(P, "yellow")]
    with sf.time_machine.travel(at(10, 21, 10), tick=False):
        case = case_supplement_received(case=case, actor=w.clerk)
    sf.sweep_at(at(10, 21, 10, 1))  # 14 hours of budget left: yellow still, the same card
    assert sf.level(case, P) == "yellow" and len(sf.cards(case, rule=P)) == 1
    sf.sweep_at(case.promised_due_at)
    assert sf.level(case, P) == "red"


def test_a_deemed_acceptance_gets_its_colour_in_the_same_sweep():
    from govhall.cases.services import case_submit
    from tests.cases import factories as f

    w = sf.world(promised=1, step_limit="0.5", chief_limit=None)
    with sf.time_machine.travel(at(11, 20, 10), tick=False):
        case = case_submit(**f.submit_kwargs(w.item, w.clerk))
    report = sf.sweep_at(case.acceptance_deadline)
    assert report.phases["deem_accept"] == {"accepted": 1}
    case.refresh_from_db()
    assert case.state == "accepted" and case.accepted_at == at(11, 20, 10)
    (card,) = sf.cards(case, rule=P)
    # Accepted from receipt (Art. 32): the promised day is long gone. Nobody accepted it: no person.
    assert (card.level, card.person, card.leader) == ("red", None, w.chief)


def test_a_second_sweep_at_the_same_instant_changes_nothing(w):
    case = w.accept(at(9, 23, 10))
    first = sf.sweep_at(at(10, 9))
    before = sf.counts()
    second = sf.sweep_at(at(10, 9))
    assert sf.counts() == before
    assert first.phases["case_clocks"]["warnings_raised"] == 1
    assert second.phases["case_clocks"] == {
        "full": 1,
        "yellow": 0, "red": 0, "normal": 0, "warnings_raised": 0, "warnings_cleared": 0, "sms_queued": 0,
    }  # fmt: skip
    assert Warning.objects.filter(case=case, cleared_at__isnull=True).count() == 2  # promised + step


def test_stored_instants_match_the_clock_library(w):
    """The sweep trusts the stored columns: they are the clock library's instants."""
    case = w.accept(at(9, 23, 10))
    clock = clocks.promised_clock(case)
    assert (case.warn_at, case.promised_due_at) == (clock.warn_at, clock.due_at)
