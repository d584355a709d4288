"""Performance grading: exact figures on a small known dataset (November 2026: no holiday, so the
working days are Monday to Friday), grade boundaries, roll-up township → centre, the command.

The dataset (``graded``), every case accepted Monday 2 Nov 10:00 (clock origin Tue 3 Nov 00:00,
promised 5 working days → due Tue 10 Nov 00:00; the 审核 step 2 working days → due Thu 5 Nov 00:00):

  unit A (centre, window A1)  c1 signed Wed 4 Nov 12:00, concluded Thu 5 Nov 12:00 → 2.5 days, on time
                              c2 signed Fri 6 Nov 12:00 (step late), concluded Wed 11 Nov 12:00 → 6.5, late
                              c3 concluded Mon 9 Nov 12:00 without signing → 4.5 days, on time
  unit B (township T)         d1 concluded Tue 3 Nov 12:00 → 0.5 days, on time
         (village V under T)  d2 concluded Wed 4 Nov 12:00 → 1.5 days, on time
"""

import datetime as dt
import itertools
from dataclasses import dataclass
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from govhall.cases import clocks
from govhall.cases.decisions import case_conclude, case_extend
from govhall.cases.models import Case, StepTask
from govhall.cases.processing import task_complete
from govhall.cases.services import case_accept, case_request_supplement, case_submit, case_supplement_received
from govhall.cases.states import TaskState
from govhall.catalog.services import item_create
from govhall.core.errors import NotFound, ValidationFailed
from govhall.org.models import Role
from govhall.supervision import grading, selectors
from govhall.supervision.anomalies import anomaly_dismiss, anomaly_rule_create
from govhall.supervision.models import Anomaly, Warning
from govhall.supervision.orders import order_issue, order_reply
from govhall.supervision.selectors import Figures
from govhall.supervision.services import warning_remove
from tests.cases import factories as f
from tests.catalog import factories as cat
from tests.org import factories as org
from tests.supervision.factories import TZ, sweep_at

pytestmark = pytest.mark.django_db
_codes = itertools.count(1)


def at(month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=TZ)


# --- building the dataset through the cases services ---------------------------------------------


@dataclass
class Unit:
    item: object
    department: object
    clerk: object
    approver: object


def unit(code: str, name: str, *, promised: int = 5, step_limit: str = "2") -> Unit:
    """A department with an item whose flow is 受理 → 审核 (approver, ``step_limit`` working days)."""
    department = cat.department(code, name)
    flow = [
        {"order": 1, "name": "受理", "role": "clerk", "limit": Decimal("0.5")},
        {"order": 2, "name": "审核", "role": "approver", "limit": Decimal(step_limit)},
    ]
    data = cat.item_data(
        code=f"11510100MB0000001X-9{next(_codes):02d}", department=department,
        promised_limit=Decimal(promised), legal_limit=Decimal(20),
    )  # fmt: skip
    item = item_create(data=data, materials=cat.materials(), fees=cat.fees(), flow=flow, actor=None)
    clerk = org.staff(role=Role.CLERK, dept=department, name=f"{name[:1]}窗口").user
    approver = org.staff(role=Role.APPROVER, dept=department, name=f"{name[:1]}审核").user
    return Unit(item, department, clerk, approver)


def accept(u: Unit, when: dt.datetime, *, site=None, window=None) -> Case:
    with time_machine.travel(when, tick=False):
        case = case_submit(**f.submit_kwargs(u.item, u.clerk, site=site or org.centre(), window=window))
        return case_accept(case=case, actor=u.clerk)


def sign(u: Unit, case: Case, when: dt.datetime) -> None:
    task = StepTask.objects.get(case=case, state=TaskState.PENDING)
    with time_machine.travel(when, tick=False):
        task_complete(task=task, opinion="approve", actor=u.approver)


def conclude(u: Unit, case: Case, when: dt.datetime) -> Case:
    with time_machine.travel(when, tick=False):
        return case_conclude(
            case=Case.objects.get(pk=case.pk), result_code=4, reason="转报上级机关", actor=u.approver
        )


def handled(u: Unit, accepted, concluded, *, signed=None, site=None, window=None) -> Case:
    case = accept(u, accepted, site=site, window=window)
    if signed:
        sign(u, case, signed)
    return conclude(u, case, concluded)


@dataclass
class Graded:
    a: Unit
    b: Unit
    window: object
    township: object
    village: object
    cases: dict


def build_graded() -> Graded:
    """The module docstring's dataset (other test modules wrap it in their own fixture)."""
    a, b = unit("GA", "甲局"), unit("GB", "乙局")
    window = org.window(site=org.centre(), dept=a.department, number="A1")
    township = org.township("青林镇")
    village = org.village(township)
    mon = at(11, 2, 10)
    cases = {
        "c1": handled(a, mon, at(11, 5, 12), signed=at(11, 4, 12), window=window),
        "c2": handled(a, mon, at(11, 11, 12), signed=at(11, 6, 12), window=window),
        "c3": handled(a, mon, at(11, 9, 12), window=window),
        "d1": handled(b, mon, at(11, 3, 12), site=township),
        "d2": handled(b, mon, at(11, 4, 12), site=village),
    }
    return Graded(a, b, window, township, village, cases)


@pytest.fixture
def graded(db) -> Graded:
    return build_graded()


def row(report, unit_id):
    return report.get(unit_id)


# --- periods -----------------------------------------------------------------------------------------


def test_a_quarter_and_a_month_run_from_local_midnight_to_local_midnight():
    q = grading.period_parse("2026Q4")
    assert (q.kind, q.start, q.end, q.label) == (
        "quarter",
        at(10, 1),
        dt.datetime(2027, 1, 1, tzinfo=TZ),
        "2026年第四季度",
    )
    m = grading.period_parse("2026-12")
    assert (m.kind, m.start, m.end, m.label, m.last_day) == (
        "month", at(12, 1), dt.datetime(2027, 1, 1, tzinfo=TZ), "2026年12月", dt.date(2026, 12, 31),
    )  # fmt: skip
    assert grading.period_parse("2026q1").code == "2026Q1"
    assert grading.period_of(at(11, 26, 9)).code == "2026Q4"
    assert grading.period_of(at(11, 26, 9), "month").code == "2026-11"


@pytest.mark.parametrize(
    "bad", ["", "2026", "2026Q5", "2026Q0", "2026-13", "2026-1", "26Q4", "1999Q1", "2026Q4 "]
)
def test_a_bad_period_is_refused_in_chinese(bad):
    if bad == "2026Q4 ":  # surrounding spaces are forgiven
        assert grading.period_parse(bad).code == "2026Q4"
        return
    with pytest.raises(ValidationFailed) as err:
        grading.period_parse(bad)
    assert err.value.code == "supervision.bad_period" and "格式无效" in err.value.message


def test_a_bad_level_is_refused(db):
    with pytest.raises(ValidationFailed) as err:
        grading.grades_for("2026Q4", "bureau")
    assert err.value.code == "supervision.bad_level"


# --- exact figures ---------------------------------------------------------------------------------


def test_department_figures_on_the_known_dataset(graded):
    report = grading.grades_for("2026Q4", "department")
    a = row(report, graded.a.department.pk)
    assert (a.figures.concluded, a.figures.timed, a.figures.on_time, a.late) == (3, 3, 2, 1)
    assert a.on_time_rate == Decimal("66.67")
    assert (a.avg_used, a.avg_promised) == (Decimal("4.50"), Decimal("5.00"))
    # 70 × 2/3 = 46.7; used/promised = 0.9 → (1 − 0.9) / (1 − 0.5) × 30 = 6.0; no card.
    assert a.parts == {"on_time": Decimal("46.7"), "speed": Decimal("6.0")}
    assert (a.score, a.grade, a.grade_label) == (Decimal("52.7"), "fail", "不合格")
    b = row(report, graded.b.department.pk)
    assert (b.figures.concluded, b.on_time_rate, b.avg_used, b.avg_promised) == (
        2, Decimal("100.00"), Decimal("1.00"), Decimal("5.00"),
    )  # fmt: skip
    assert (b.score, b.grade_label) == (Decimal("100.0"), "优秀")
    assert [r.unit_id for r in report.rows] == [graded.b.department.pk, graded.a.department.pk]  # best first


def test_the_average_equals_the_case_clocks_own_count(graded):
    """The SQL measure is the clock's: cases.clocks.summary(case, at)["used"], case by case."""
    used = [clocks.summary(c, c.concluded_at)["used"] for c in Case.objects.filter(item=graded.a.item)]
    assert sorted(used) == [Decimal("2.50"), Decimal("4.50"), Decimal("6.50")]
    a = row(grading.grades_for("2026Q4", "department"), graded.a.department.pk)
    assert a.avg_used == sum(used) / 3


def test_paused_time_and_an_extension_are_not_counted_as_used(db):
    u = unit("GP", "丙局")
    case = accept(u, at(11, 2, 10))
    with time_machine.travel(at(11, 3, 12), tick=False):  # half a day used, then the applicant's turn
        case_request_supplement(case=case, materials=["营业执照复印件"], actor=u.clerk)
    with time_machine.travel(at(11, 5, 12), tick=False):  # 2 working days paused
        case = case_supplement_received(case=Case.objects.get(pk=case.pk), actor=u.clerk)
    chief = org.staff(role=Role.CHIEF, dept=u.department).user
    with time_machine.travel(at(11, 6, 9), tick=False):
        case_extend(case=case, workdays=10, reason="需要现场核查", approver=chief, actor=u.approver)
    case = conclude(u, case, at(11, 6, 18))
    # Tue morning 0.5 + Thu afternoon 0.5 + Fri until 18:00 0.75; promised 5 + 10 extended.
    assert clocks.summary(case, case.concluded_at)["used"] == Decimal("1.75")
    g = row(grading.grades_for("2026-11", "department"), u.department.pk)
    assert (g.avg_used, g.avg_promised, g.figures.on_time) == (Decimal("1.75"), Decimal("15.00"), 1)


def test_a_case_concluded_on_the_day_of_acceptance_used_nothing(db):
    u = unit("GS", "丁局")
    handled(u, at(11, 2, 9), at(11, 2, 16))  # the start day is not counted (民法典 Art. 201)
    g = row(grading.grades_for("2026-11", "department"), u.department.pk)
    assert (g.avg_used, g.on_time_rate, g.score) == (Decimal("0.00"), Decimal("100.00"), Decimal("100.0"))


def test_only_cases_concluded_inside_the_period_count(graded):
    assert grading.grades_for("2026-10", "department").rows == []
    assert grading.grades_for("2026-12", "department").rows == []
    november = grading.grades_for("2026-11", "department")
    assert row(november, graded.a.department.pk).figures.concluded == 3
    assert grading.grades_for("2026Q3", "department").rows == []


def test_window_figures(graded):
    report = grading.grades_for("2026Q4", "window")
    (only,) = report.rows  # the township cases came in without a window
    assert only.unit_id == graded.window.pk
    assert (only.figures.concluded, only.on_time_rate, only.unit_detail) == (3, Decimal("66.67"), "甲局")
    assert "A1号窗口" in only.unit_name


def test_a_person_is_graded_on_the_tasks_they_signed(graded):
    report = grading.grades_for("2026Q4", "person")
    (person,) = report.rows
    assert person.unit_id == graded.a.approver.pk and person.unit_name == "甲审核"
    # c1's 审核 signed Wed 12:00 (1.5 of 2 days, on time); c2's Fri 12:00 (3.5 days, late).
    assert (person.figures.concluded, person.figures.on_time, person.avg_used, person.avg_promised) == (
        2, 1, Decimal("2.50"), Decimal("2.00"),
    )  # fmt: skip
    assert (person.score, person.grade) == (Decimal("35.0"), "fail")  # 70 × 1/2, no speed points


def test_township_and_village_figures_roll_up_to_the_centre(graded):
    report = grading.grades_for("2026Q4", "site")
    centre, township, village = (row(report, s.pk) for s in (org.centre(), graded.township, graded.village))
    assert (village.figures.concluded, village.avg_used) == (1, Decimal("1.50"))
    assert (township.figures.concluded, township.avg_used) == (2, Decimal("1.00"))  # itself + its station
    assert (centre.figures.concluded, centre.figures.on_time) == (5, 4)  # everything
    assert centre.avg_used == Decimal("3.10")  # (2.5 + 6.5 + 4.5 + 0.5 + 1.5) / 5
    # 70 × 0.8 = 56; 15.5 / 25 = 0.62 → 0.76 × 30 = 22.8.
    assert (centre.score, centre.grade_label) == (Decimal("78.8"), "合格")
    assert township.unit_detail == "乡镇（街道）便民服务中心"


# --- cards -----------------------------------------------------------------------------------------


def test_cards_of_the_period_are_deducted_and_a_removed_card_is_not(db):
    u = unit("GC", "戊局")
    case = accept(u, at(11, 2, 10))
    sweep_at(at(11, 5, 1))  # 审核 step red (due Thu 00:00)
    sweep_at(at(11, 9, 1))  # promised yellow (≤ 1 working day left)
    sweep_at(at(11, 10, 1))  # promised red, legal still normal
    cards = Warning.objects.filter(case=case)
    assert sorted((w.rule, w.level) for w in cards) == [
        ("promised_limit", "red"), ("promised_limit", "yellow"), ("step_limit", "red"),
    ]  # fmt: skip
    report = grading.grades_for("2026Q4", "department")
    g = row(report, u.department.pk)
    assert (g.figures.yellow, g.figures.red, g.figures.concluded) == (1, 2, 0)
    # The sweep also found the overdue facts as anomalies: they count once, as the red cards.
    assert sorted(Anomaly.objects.values_list("rule__code", flat=True)) == ["overdue", "step_overdue"]
    assert g.figures.anomalies == 0
    assert g.parts == {
        "on_time": Decimal("70"),
        "speed": Decimal("30"),
        "yellow": Decimal("-0.5"),
        "red": Decimal("-4"),
    }
    assert g.score == Decimal("95.5")
    supervisor = org.staff(role=Role.SUPERVISOR, dept=cat.department("JCS", "监察室")).user
    step_red = cards.get(rule="step_limit")
    warning_remove(warning=step_red, reason="系统故障导致超期", actor=supervisor)
    g = row(grading.grades_for("2026Q4", "department"), u.department.pk)
    assert (g.figures.yellow, g.figures.red, g.score) == (1, 1, Decimal("97.5"))
    person = row(grading.grades_for("2026Q4", "person"), u.clerk.pk)  # the case cards' responsible clerk
    assert (person.figures.yellow, person.figures.red) == (1, 1)
    assert grading.grades_for("2026Q3", "department").rows == []


def test_anomalies_count_unless_dismissed(db):
    u = unit("GN", "己局")
    supervisor = org.staff(role=Role.SUPERVISOR, dept=cat.department("JCS", "监察室")).user
    with time_machine.travel(at(11, 2, 8), tick=False):
        anomaly_rule_create(data={
            "kind": "event", "code": "forwarded", "name": "转报办结", "event_action": "conclude",
            "conditions": [{"field": "case.result_code", "op": "=", "value": 4}],
        }, actor=supervisor)  # fmt: skip
    handled(u, at(11, 2, 10), at(11, 3, 12))
    handled(u, at(11, 2, 10), at(11, 4, 12))
    sweep_at(at(11, 4, 13))
    found = list(Anomaly.objects.filter(rule__code="forwarded"))
    assert len(found) == 2
    g = row(grading.grades_for("2026-11", "department"), u.department.pk)
    assert (g.figures.anomalies, g.parts["anomalies"], g.score) == (2, Decimal("-2"), Decimal("98.0"))
    anomaly_dismiss(anomaly=found[0], reason="经核实属正常转报", actor=supervisor)
    g = row(grading.grades_for("2026-11", "department"), u.department.pk)
    assert (g.figures.anomalies, g.score) == (1, Decimal("99.0"))
    site = row(grading.grades_for("2026-11", "site"), org.centre().pk)
    assert site.figures.anomalies == 1
    assert "异常记录到部门，个人不计异常项。" in grading.grades_for("2026-11", "person").notes
    assert not any("异常办件模块尚未启用" in n for n in grading.grades_for("2026-11", "department").notes)


def test_orders_answered_late_or_not_at_all_are_deducted(db):
    u = unit("GO", "庚局")
    supervisor = org.staff(role=Role.SUPERVISOR, dept=cat.department("JCS", "监察室")).user

    def issue(content):  # Mon 2 Nov 10:00 + 2 working days → due Thu 5 Nov 00:00
        with time_machine.travel(at(11, 2, 10), tick=False):
            return order_issue(unit=u.department, kind="supervise", content=content, reply_workdays=2,
                               actor=supervisor)  # fmt: skip

    def reply(order, when):
        with time_machine.travel(when, tick=False):
            order_reply(order=order, text="已整改", actor=u.clerk)

    on_time, late, _never = issue("按时回复"), issue("逾期回复"), issue("未回复")
    reply(on_time, at(11, 4, 16))
    with time_machine.travel(at(11, 4, 23), tick=False):  # before the deadline nothing is late yet
        assert grading.grades_for("2026-11", "department").rows == []
    reply(late, at(11, 6, 9))
    with time_machine.travel(at(12, 1, 9), tick=False):
        g = row(grading.grades_for("2026-11", "department"), u.department.pk)
        assert (g.figures.orders_overdue, g.parts["orders_overdue"], g.score) == (
            2,
            Decimal("-6"),
            Decimal("94.0"),
        )
        assert grading.grades_for("2026-10", "department").rows == []


# --- scores and grades ---------------------------------------------------------------------------------


def _figures(**kw) -> Figures:
    return Figures(**kw)


@pytest.mark.parametrize(
    ("score", "grade"),
    [("100", "excellent"), ("90.0", "excellent"), ("89.9", "good"), ("80", "good"), ("79.9", "pass"),
     ("60", "pass"), ("59.9", "fail"), ("0", "fail")],
)  # fmt: skip
def test_grade_boundaries_with_the_default_thresholds(score, grade):
    assert grading.grade_of(Decimal(score), grading.thresholds()) == grade


def test_thresholds_and_weights_come_from_settings(settings):
    settings.GOVHALL_GRADE_THRESHOLDS = {"excellent": 95, "good": "85.5"}
    t = grading.thresholds()
    assert t == {"excellent": Decimal("95"), "good": Decimal("85.5"), "pass": Decimal("60")}
    assert grading.grade_of(Decimal("94.9"), t) == "good"
    settings.GOVHALL_GRADE_WEIGHTS = {"on_time": 50, "speed": 50, "red_card": 5}
    w = grading.weights()
    score, parts = grading.score_of(_figures(concluded=4, timed=4, on_time=3, red=1), w)
    assert parts == {"on_time": Decimal("37.5"), "speed": Decimal("50"), "red": Decimal("-5")}
    assert score == Decimal("82.5")


@pytest.mark.parametrize(
    ("name", "value"),
    [("GOVHALL_GRADE_WEIGHTS", {"speed": -1}), ("GOVHALL_GRADE_WEIGHTS", {"bogus": 1}),
     ("GOVHALL_GRADE_WEIGHTS", {"speed": "fast"}), ("GOVHALL_GRADE_WEIGHTS", {"speed_full_ratio": 1}),
     ("GOVHALL_GRADE_THRESHOLDS", {"good": 95})],
)  # fmt: skip
def test_a_bad_setting_fails_loudly(settings, name, value):
    setattr(settings, name, value)
    with pytest.raises(ImproperlyConfigured):
        grading.weights() if name == "GOVHALL_GRADE_WEIGHTS" else grading.thresholds()


def test_speed_points_scale_between_the_full_ratio_and_the_promised_time():
    w = grading.weights()
    day = selectors.DAY_SECONDS

    def speed(used_days, promised_days):
        figures = _figures(concluded=1, timed=1, on_time=1, measured=1, used_seconds=int(used_days * day),
                           promised_seconds=int(promised_days * day))  # fmt: skip
        return grading.score_of(figures, w)[1]["speed"]

    assert [speed(1, 10), speed(5, 10), speed(7.5, 10), speed(10, 10), speed(12, 10)] == [
        Decimal("30"), Decimal("30"), Decimal("15"), Decimal("0"), Decimal("0"),
    ]  # fmt: skip
    assert speed(0, 0) == Decimal("30")  # instant items concluded on the day: nothing promised, nothing used


def test_deductions_never_take_a_score_below_zero():
    score, _parts = grading.score_of(_figures(red=80), grading.weights())
    assert score == Decimal("0.0")


def test_ratings_and_complaints_count_for_units_but_not_for_sites(graded):
    report = grading.grades_for("2026Q4", "department")
    a = row(report, graded.a.department.pk)
    assert (a.figures.bad_ratings, a.figures.complaints) == (0, 0)
    sites = grading.grades_for("2026Q4", "site")
    assert any("好差评" in n for n in sites.notes) and any("投诉" in n for n in sites.notes)
    assert row(sites, org.centre().pk).figures.bad_ratings is None


def test_a_bad_rating_and_an_upheld_complaint_are_deducted(graded):
    from govhall.inquiries.models import Complaint
    from govhall.ratings.models import Rating

    dept = graded.a.department
    before = row(grading.grades_for("2026Q4", "department"), dept.pk).score
    when = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)
    Rating.objects.create(level=5, channel="pad", department=dept, created_at=when)
    Rating.objects.create(level=1, channel="pad", department=dept, created_at=when)  # good: no deduction
    Rating.objects.create(
        level=4, channel="pad", department=dept, created_at=dt.datetime(2026, 9, 30, tzinfo=dt.UTC)
    )
    common = {
        "channel": "online",
        "subject": "department",
        "department": dept,
        "content": "态度差",
        "filed_at": when,
    }
    Complaint.objects.create(number="TS1", upheld=True, **common)
    Complaint.objects.create(number="TS2", upheld=False, **common)  # not upheld: no deduction
    a = row(grading.grades_for("2026Q4", "department"), dept.pk)
    assert (a.figures.bad_ratings, a.figures.complaints) == (1, 1)
    w = grading.weights()
    assert a.score == before - w["bad_rating"] - w["complaint"]


def test_the_letter_needs_a_graded_unit(graded):
    with pytest.raises(NotFound) as err:
        grading.grades_for("2026Q4", "department").get(999_999)
    assert err.value.code == "supervision.grade_not_found"


def test_deficiencies_name_what_pulled_the_score_down(graded):
    a = row(grading.grades_for("2026Q4", "department"), graded.a.department.pk)
    found = grading.deficiencies(a)
    assert found[0] == "按时办结率66.67%，超承诺时限办结1件。"
    assert "平均办理用时4.50个工作日" in found[1]


# --- set-based: the query count does not grow with the cases -----------------------------------------


def test_grading_costs_the_same_queries_for_few_or_many_cases(graded, django_assert_num_queries):
    """One grouped query per source (clocks, cards, anomalies, orders, ratings, complaints), the
    units' names, and for sites their tree: whatever the number of cases."""
    grading.grades_for("2026Q4", "department")  # the optional sources' tables are looked up once
    with django_assert_num_queries(7):
        grading.grades_for("2026Q4", "department")
    with django_assert_num_queries(6):  # sites: no ratings or complaints
        grading.grades_for("2026Q4", "site")
    # persons: tasks, cards, ratings, complaints, names (a staff → user map only for units found)
    with django_assert_num_queries(5):
        grading.grades_for("2026Q4", "person")


def test_grading_works_on_the_database_in_use(graded):
    """The working-time line needs the same local dates on SQLite and PostgreSQL."""
    report = grading.grades_for("2026Q4", "site")
    assert row(report, org.centre().pk).figures.used_seconds == int(Decimal("15.5") * selectors.DAY_SECONDS)


# --- the command ---------------------------------------------------------------------------------------


def test_the_grades_command_prints_the_period(graded):
    out = StringIO()
    call_command("grades", "2026Q4", "--level", "department", stdout=out)
    text = out.getvalue()
    assert "2026年第四季度" in text
    lines = [line for line in text.splitlines() if "甲局" in line or "乙局" in line]
    assert "乙局" in lines[0] and "优秀" in lines[0] and "100.0" in lines[0]
    assert "甲局" in lines[1] and "不合格" in lines[1] and "66.67%" in lines[1] and "52.7" in lines[1]


def test_the_grades_command_prints_json_for_sites(graded):
    import json

    out = StringIO()
    call_command("grades", "2026Q4", "--level", "site", "--json", stdout=out)
    body = json.loads(out.getvalue())
    assert (body["period"], body["level"]) == ("2026Q4", "site")
    centre = next(g for g in body["grades"] if g["unit_id"] == org.centre().pk)
    assert (centre["concluded"], centre["on_time_rate"], centre["score"]) == (5, "80.00", "78.8")


def test_the_grades_command_refuses_a_bad_period(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="格式无效"):
        call_command("grades", "2026Q9", stdout=StringIO())
