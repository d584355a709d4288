"""``govhall seed_demo``'s cases: a year of history in every state, and today's work on the workbenches.

Loading takes a while, so the module loads once (inside a transaction rolled back at the end, as
django.test.TestCase does for a class) on a fixed working day, and every test reads that world.
"""

import copy
import datetime as dt
import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count
from django.test import override_settings
from django.utils import timezone

from govhall.cases import clocks, processing, selectors
from govhall.cases.models import (
    AcceptanceMode,
    Case,
    CaseEvent,
    CaseStep,
    Channel,
    Notice,
    SealUse,
    SpecialProcedure,
    StepTask,
    SupplementNotice,
    Undertaking,
)
from govhall.cases.processing import processing_flow
from govhall.cases.scopes import window_work_q
from govhall.cases.states import TRANSITIONS, CaseState, StepState
from govhall.core import audit, crypto, workdays
from govhall.core.identity import check_ric, check_uscc
from govhall.core.models import AuditEvent, SerialCounter, User
from govhall.org.models import SiteKind, Staff

pytestmark = pytest.mark.django_db  # each test in a savepoint inside the module's transaction

NOW = dt.datetime(2026, 11, 26, 10, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))  # a Thursday
FICTITIOUS = ("511791", "511793", "511795", "511797", "511799")
S = CaseState
STATUSES = {  # RULES.md report codes each state may carry
    S.PRE_REVIEW: {1}, S.PRE_REVIEW_RETURNED: {1}, S.SUBMITTED: {1, 7}, S.SUPPLEMENT_REQUESTED: {6},
    S.ACCEPTED: {3, 7, 10}, S.IN_SUPPLEMENT: {6}, S.SUSPENDED: {9}, S.DECIDED: {8},
    S.CONCLUDED: {11, 12, 13}, S.DELIVERED: {11, 12, 13}, S.REFUSED: {4}, S.WITHDRAWN: {2, 14}, S.REVOKED: {15},
}  # fmt: skip
MOVES = {action for (_state, action) in TRANSITIONS}
OPEN_HOURS = ((dt.time(9), dt.time(12)), (dt.time(13, 30), dt.time(17)))


@dataclass
class Seeded:
    output: str
    seconds: float
    started: dt.datetime


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    hashers = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        time_machine.travel(NOW, tick=True),
        override_settings(PASSWORD_HASHERS=hashers),
    ):
        atomic = transaction.atomic()
        atomic._from_testcase = True  # durable services may nest, as in django.test.TestCase
        atomic.__enter__()
        try:
            _caches_clear()  # SQLite reuses item version ids after other tests' rollbacks
            out, started, clock = StringIO(), timezone.now(), time.monotonic()
            call_command("seed_demo", stdout=out)
            yield Seeded(output=out.getvalue(), seconds=time.monotonic() - clock, started=started)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            _caches_clear()


def _caches_clear() -> None:
    clocks.version_caches_clear()
    processing.version_caches_clear()


def test_the_centre_alone_on_request():
    # Runs first, on an empty database (the module's world is loaded by the next test); written
    # so that it holds either way.
    before = Case.objects.count()
    out = StringIO()

    call_command("seed_demo", "--no-cases", stdout=out)

    assert Case.objects.count() == before
    assert "演示办件用时" not in out.getvalue() and "服务事项：239" in out.getvalue()


def _cases() -> list[Case]:
    return list(Case.objects.select_related("item", "item_version", "site"))


def test_the_command_reports_the_cases_and_a_lookup_that_works(seeded):
    assert "办件：" in seeded.output and "演示办件用时" in seeded.output
    match = re.search(r"办件编号 (\w+)，查询密码 (\d{6})", seeded.output)
    assert match, seeded.output
    case = Case.objects.get(number=match[1])

    assert selectors.case_check_password(case=case, password=match[2])
    assert not selectors.case_check_password(
        case=case, password="000000" if match[2] != "000000" else "111111"
    )
    assert case.applicant.username == "applicant" and case.state == S.DELIVERED
    assert "未能办理的当日演示情形：0" in seeded.output


def test_every_state_is_present_and_the_history_spans_the_past_year(seeded):
    cases = _cases()
    states = Counter(c.state for c in cases)
    received = [timezone.localtime(c.received_at) for c in cases]

    assert set(states) == set(CaseState.values), states
    assert len(cases) >= 3000
    assert states[S.DELIVERED] > len(cases) / 2  # the bulk is finished work
    assert NOW - dt.timedelta(days=366) <= min(received) <= NOW - dt.timedelta(days=360)
    assert max(received) <= timezone.now()
    assert len({(r.year, r.month) for r in received}) >= 12


def test_report_status_agrees_with_state_and_result(seeded):
    for case in _cases():
        assert case.report_status in STATUSES[case.state], (case.number, case.state, case.report_status)
        if case.state in (S.CONCLUDED, S.DELIVERED):
            assert case.result_code is not None and case.concluded_at and case.concluded_by_id
            if case.result_code == 0:
                assert case.report_status in (11, 12) and case.certificate_no, case.number
                assert case.certificate_valid_until > timezone.localdate(case.concluded_at)
                assert case.decision == "approve"
            else:
                assert case.report_status == 13 and case.result_reason and not case.certificate_no, (
                    case.number
                )
            if case.report_status == 12:
                assert case.acceptance_mode == AcceptanceMode.TOLERANT
        if case.state == S.DELIVERED:
            assert case.result_code == 0 and case.delivered_at >= case.concluded_at
            assert case.recipient_name or case.tracking_no
    results = Counter(Case.objects.values_list("result_code", flat=True))
    assert {0, 1, 5, 6} <= set(results)


def test_the_facts_behind_each_state_are_there(seeded):
    refused = Case.objects.filter(state=S.REFUSED)
    assert Notice.objects.filter(kind=Notice.Kind.REFUSAL, case__in=refused).count() == refused.count()
    for state in (S.SUPPLEMENT_REQUESTED, S.IN_SUPPLEMENT):
        waiting = Case.objects.filter(state=state)
        assert SupplementNotice.objects.filter(case__in=waiting).count() == waiting.count() > 0
    suspended = Case.objects.filter(state=S.SUSPENDED)
    assert (
        SpecialProcedure.objects.filter(case__in=suspended, ended_at__isnull=True).count()
        == suspended.count()
    )
    assert Undertaking.objects.filter(kind=AcceptanceMode.TOLERANT).exists()
    assert Undertaking.objects.filter(kind=AcceptanceMode.COMMITMENT, state=Undertaking.State.FALSE).exists()
    accepted = Case.objects.filter(accepted_at__isnull=False)
    assert Notice.objects.filter(kind=Notice.Kind.ACCEPTANCE, case__in=accepted).count() == accepted.count()
    assert SealUse.objects.count() > 100
    assert not Notice.objects.values("number").annotate(n=Count("pk")).filter(n__gt=1).exists()


def test_clocks_are_what_the_clock_module_computes(seeded):
    cases = _cases()
    for case in cases:
        again = copy.copy(case)
        clocks.refresh(again)
        fields = ("legal_due_at", "promised_due_at", "warn_at", "clock_paused_at")
        assert [getattr(again, f) for f in fields] == [getattr(case, f) for f in fields], case.number
        if case.state in (S.IN_SUPPLEMENT, S.SUSPENDED):
            assert case.clock_paused_at and case.promised_due_at is None
    concluded = [c for c in cases if c.concluded_at]
    assert all(c.clock_stopped_at == c.concluded_at for c in concluded)
    late = [c for c in concluded if c.concluded_at > c.promised_due_at]
    assert 0.04 <= len(late) / len(concluded) <= 0.14, len(late) / len(concluded)
    overdue_open = [c for c in cases if c.state == S.ACCEPTED and c.promised_due_at < seeded.started]
    assert len(overdue_open) >= 3  # red cards for supervision


def test_active_steps_carry_the_deadlines_of_their_clock(seeded):
    steps = CaseStep.objects.filter(state=StepState.ACTIVE, case__state=S.ACCEPTED).select_related("case")
    assert steps.count() >= 40
    for step in steps:
        clock = clocks.step_clock(step.case, step)
        assert (step.due_at, step.warn_at) == (clock.due_at, clock.warn_at), step.case.number


def test_each_timeline_replays_to_the_case_as_it_stands(seeded):
    events = defaultdict(list)
    for row in CaseEvent.objects.order_by("case_id", "at", "id").values_list(
        "case_id", "action", "from_state", "to_state", "report_status", "at"
    ):
        events[row[0]].append(row[1:])
    for case in Case.objects.only("pk", "number", "state", "report_status", "received_at"):
        timeline = events[case.pk]
        assert timeline[0][0] == "submit" and timeline[0][4] == case.received_at, case.number
        for action, before, after, _status, _at in timeline[1:]:
            if action in MOVES:
                assert TRANSITIONS.get((before, action)) == after, (case.number, action, before, after)
            else:  # a step operation or an undertaking's check: the state stays
                assert before == after, (case.number, action)
        assert timeline[-1][2:4] == (case.state, case.report_status), case.number


def test_history_happens_on_working_days_in_open_hours(seeded):
    for at in CaseEvent.objects.values_list("at", flat=True).iterator():
        local = timezone.localtime(at)
        assert workdays.is_workday(local.date()), local
        if at < seeded.started:
            assert any(a <= local.time() < b for a, b in OPEN_HOURS), local


def test_steps_follow_each_cases_flow_snapshot(seeded):
    steps = defaultdict(list)
    for step in CaseStep.objects.order_by("case_id", "round"):
        steps[step.case_id].append(step)
    for case in Case.objects.select_related("item_version", "item"):
        flow = {int(s["order"]): s for s in processing_flow(case)}
        rounds = steps[case.pk]
        assert [s.round for s in rounds] == list(range(1, len(rounds) + 1)), case.number
        for step in rounds:
            assert step.name == flow[step.flow_order]["name"] and step.role == flow[step.flow_order]["role"]
        active = [s for s in rounds if s.state == StepState.ACTIVE]
        assert len(active) == (
            1 if case.state in (S.ACCEPTED, S.IN_SUPPLEMENT, S.SUSPENDED) and flow else 0
        ), case.number
        if case.state == S.DELIVERED and case.item.case_kind == 2:
            assert [s.flow_order for s in rounds] == sorted(flow), case.number
            assert all(s.state == StepState.PASSED for s in rounds)
    done = StepTask.objects.filter(state="done")
    assert not done.filter(done_by__isnull=True).exists()


def test_the_demo_staff_have_work_on_their_workbench(seeded):
    def user(name):
        return User.objects.get(username=name)

    for name in ("approver", "chief", "inspector"):
        tasks = selectors.tasks_for(user=user(name))
        assert tasks.count() >= 3, name
        assert {t.case.item.department.code for t in tasks} == {"SCJ"}
    window = Case.objects.filter(window_work_q(user("clerk")))
    assert {S.PRE_REVIEW, S.SUBMITTED, S.DECIDED, S.CONCLUDED} <= set(window.values_list("state", flat=True))
    assert window.count() >= 10
    waiting = selectors.cases_due_for_deemed_acceptance(now=seeded.started)
    assert len(waiting) >= 3  # 行政许可法 Art. 32: the sweep has work
    assert Case.objects.filter(pk__in=waiting, window__staff__user__username="clerk").exists()
    countersign = StepTask.objects.filter(step__state=StepState.ACTIVE, step__mode="all")
    assert countersign.filter(state="done").exists() and countersign.filter(state="pending").exists()


def test_applicants_are_fictitious_and_valid_and_zhang_san_has_his_cases(seeded):
    zhang = User.objects.get(username="applicant")
    assert 8 <= Case.objects.filter(applicant=zhang).count() <= 12
    assert (
        Case.objects.filter(applicant=zhang).exclude(applicant_id_digest=zhang.id_number_digest).count() == 0
    )
    people = User.objects.filter(username__startswith="demo_p")
    assert people.count() >= 200
    for person in people[:300]:
        number = crypto.decrypt(person.id_number_cipher)
        assert check_ric(number).valid and number[:6] in FICTITIOUS
        assert (
            not Case.objects.filter(applicant=person)
            .exclude(applicant_id_digest=person.id_number_digest)
            .exists()
        )
    for enterprise in User.objects.filter(username__startswith="demo_e")[:100]:
        assert check_uscc(enterprise.org_credit_code).valid
    persons = Case.objects.filter(applicant_kind="person").values_list("applicant_id_digest", flat=True)
    assert len(set(persons)) > 500  # many people, some returning


def test_agency_filings_are_made_by_the_stations_agent_on_market_days(seeded):
    agency = Case.objects.filter(channel=Channel.AGENCY).select_related("site")
    assert agency.count() >= 100
    agents = {s.site_id: s.user_id for s in Staff.objects.filter(role="agent")}
    for case in agency:
        assert case.site.kind in (SiteKind.VILLAGE, SiteKind.COMMUNITY)
        assert case.agent_id == agents[case.site_id] and case.consent_recorded_at
        if case.site.kind == SiteKind.VILLAGE:
            assert str(timezone.localdate(case.received_at).day % 10) in case.site.market_day_digits


def test_channels_and_outcomes_have_plausible_shares(seeded):
    channels = Counter(Case.objects.values_list("channel", flat=True))
    total = sum(channels.values())
    assert (
        channels[Channel.WINDOW]
        > channels[Channel.ONLINE]
        > channels[Channel.AGENCY]
        > channels[Channel.POST]
    )
    assert channels[Channel.POST] / total >= 0.02 and channels[Channel.AGENCY] / total >= 0.05
    states = Counter(Case.objects.values_list("state", flat=True))
    assert 0.01 <= states[S.REFUSED] / total <= 0.06
    assert states[S.WITHDRAWN] >= 20 and states[S.REVOKED] >= 3
    assert Case.objects.filter(state=S.WITHDRAWN, report_status=2).exists()
    assert Case.objects.filter(state=S.WITHDRAWN, report_status=14).exists()


def _table_counts() -> dict[str, int]:
    models = (Case, CaseEvent, CaseStep, StepTask, Notice, SealUse, Undertaking, SpecialProcedure,
              SupplementNotice, User, AuditEvent, SerialCounter)  # fmt: skip
    return {m.__name__: m.objects.count() for m in models}


def test_a_second_run_changes_nothing(seeded):
    before = _table_counts()
    out = StringIO()

    call_command("seed_demo", stdout=out)

    assert "未做任何更改" in out.getvalue()
    assert _table_counts() == before


def test_the_history_is_one_audit_event_and_the_current_work_is_audited(seeded):
    summary = AuditEvent.objects.get(action="demo.seed_cases")
    assert summary.after["cases"] >= 3000
    today = Case.objects.filter(received_at__gte=seeded.started)
    assert 100 <= today.count() <= 250
    submitted = AuditEvent.objects.filter(action="cases.submit").values_list("object_id", flat=True)
    assert {str(pk) for pk in today.values_list("pk", flat=True)} <= set(submitted)
    history = Case.objects.filter(received_at__lt=seeded.started).values_list("pk", flat=True)
    assert not set(submitted) & {str(pk) for pk in history}
    assert audit.verify_chain().intact


def test_case_numbers_follow_the_daily_counters(seeded):
    for case in Case.objects.only("number", "site__code", "received_at").select_related("site")[:500]:
        day = timezone.localdate(case.received_at)
        assert case.number.startswith(f"{case.site.code}{day:%Y%m%d}"), case.number
        counter = SerialCounter.objects.get(scope=f"case:{case.site.code}", day=day)
        assert int(case.number[-5:]) <= counter.value
