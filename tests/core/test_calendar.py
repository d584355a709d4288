"""The calendar table: seeding (official and provisional), schedule import and day edits."""

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
import time_machine
from django.core.management import call_command
from lunardate import LunarDate
from openpyxl import Workbook

from govhall.core import workdays
from govhall.core.calendar import (
    CalendarImportError,
    calendar_import,
    calendar_seed,
    calendar_set_day,
    qingming,
    read_schedule,
    statutory_holidays,
)
from govhall.core.errors import ValidationFailed
from govhall.core.models import AuditEvent, CalendarDay, CalendarYear

pytestmark = pytest.mark.django_db
BJ = ZoneInfo("Asia/Shanghai")
D = dt.date
HEADER = ["日期", "类型", "说明"]
# A plausible 2027 schedule (the real one is not published yet): holidays and adjusted workdays.
SCHEDULE_2027 = [
    ["2027-01-01", "休息", "元旦"],
    ["2027-02-05", "休息", "春节"],
    ["2027-02-06", "休息", "春节"],
    ["2027-02-07", "休息", "春节"],
    ["2027-02-08", "休息", "春节"],
    ["2027-02-09", "休息", "春节"],
    ["2027-02-10", "休息", "春节"],
    ["2027-02-11", "休息", "春节"],
    ["2027-02-12", "休息", "春节"],
    ["2027-02-20", "上班", "调休上班"],
    ["2027-10-01", "休息", "国庆节"],
    ["2027-10-09", "上班", ""],
]


@pytest.fixture(autouse=True)
def fresh_index():
    workdays.invalidate()
    yield
    workdays.invalidate()


def rows(table: list[list[str]]) -> list[dict]:
    return [dict(zip(HEADER, row, strict=True)) for row in table]


def snapshot(year: int) -> list[tuple]:
    days = CalendarDay.objects.filter(date__year=year).order_by("date")
    return list(days.values_list("date", "is_workday", "source", "note")) + list(
        CalendarYear.objects.filter(year=year).values_list("provisional", "source", "note")
    )


def xlsx_bytes(table: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in [HEADER, *table]:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(table: list[list[str]], encoding: str = "utf-8-sig") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([HEADER, *table])
    return buffer.getvalue().encode(encoding)


# -- rules -------------------------------------------------------------------------------------
def test_qingming_matches_the_published_solar_terms_for_this_century():
    for year in range(2000, 2100):
        published = chinese_calendar.get_solar_terms(D(year, 4, 1), D(year, 4, 10))
        assert [(qingming(year), "清明")] == published, year


def test_provisional_2027_follows_the_lunar_calendar():
    holidays = statutory_holidays(2027)
    spring = LunarDate(2027, 1, 1).to_solar_date()
    assert spring == D(2027, 2, 6)
    expected = {
        D(2027, 1, 1),
        spring - dt.timedelta(days=1),  # New Year's Eve, 5 Feb
        spring,
        spring + dt.timedelta(days=1),
        spring + dt.timedelta(days=2),  # day 3, 8 Feb
        D(2027, 4, 5),
        D(2027, 5, 1),
        D(2027, 5, 2),
        LunarDate(2027, 5, 5).to_solar_date(),
        LunarDate(2027, 8, 15).to_solar_date(),
        D(2027, 10, 1),
        D(2027, 10, 2),
        D(2027, 10, 3),
    }
    assert set(holidays) == expected
    assert holidays[D(2027, 2, 5)] == "春节（除夕）"


def test_the_migration_seeded_2027_as_provisional():
    year = CalendarYear.objects.get(year=2027)
    assert (year.provisional, year.source) == (True, "provisional")
    days = dict(CalendarDay.objects.filter(date__year=2027).values_list("date", "is_workday"))
    assert len(days) == 365
    holidays = statutory_holidays(2027)
    for day, is_workday in days.items():
        assert is_workday == (day.weekday() < 5 and day not in holidays), day  # no adjusted workdays
    assert [days[D(2027, 2, d)] for d in (4, 5, 8, 9)] == [True, False, False, True]


def test_the_migration_seeded_the_official_years_from_chinese_calendar():
    years = CalendarYear.objects.filter(provisional=False)
    assert list(years.values_list("year", flat=True)) == list(range(2004, 2027))
    for day, is_workday in CalendarDay.objects.filter(date__year__lte=2026).values_list("date", "is_workday"):
        assert is_workday == chinese_calendar.is_workday(day), day
    assert CalendarDay.objects.get(date=D(2026, 10, 10)).note == "调休上班（国庆节）"
    assert CalendarDay.objects.get(date=D(2026, 10, 1)).note == "国庆节"


# -- seed --------------------------------------------------------------------------------------
def test_seed_extends_to_three_years_ahead_and_keeps_centre_edits():
    calendar_set_day(day=D(2026, 12, 31), is_workday=False, note="年终盘点闭厅", actor=None)
    with time_machine.travel(dt.datetime(2031, 3, 1, 9, tzinfo=BJ), tick=False):
        report = calendar_seed(actor=None)
    assert report.created_years == [2030, 2031, 2032, 2033, 2034]
    assert CalendarYear.objects.filter(year__gte=2027, provisional=False).count() == 0
    kept = CalendarDay.objects.get(date=D(2026, 12, 31))
    assert (kept.is_workday, kept.source, kept.note) == (False, "manual", "年终盘点闭厅")
    assert workdays.add_workdays(D(2034, 12, 1), 3) == D(2034, 12, 6)
    event = AuditEvent.objects.filter(action="calendar.seed").get()
    assert event.after["created"] == [2030, 2031, 2032, 2033, 2034]


def test_seed_leaves_an_imported_year_alone():
    calendar_import(rows=rows(SCHEDULE_2027), actor=None)
    before = snapshot(2027)
    report = calendar_seed(actor=None)
    assert 2027 not in report.refreshed_years
    assert snapshot(2027) == before


def test_seed_command_reports_what_it_did():
    out = io.StringIO()
    call_command("calendar", "seed", stdout=out)
    assert "刷新年度" in out.getvalue()


# -- import ------------------------------------------------------------------------------------
def test_import_replaces_the_provisional_year():
    assert workdays.add_workdays(D(2027, 2, 9), 1) == D(2027, 2, 10)  # provisional: 10 Feb works
    report = calendar_import(rows=rows(SCHEDULE_2027), actor=None)
    assert (report.year, report.rows, report.rest_days, report.adjusted_workdays) == (2027, 12, 10, 2)
    year = CalendarYear.objects.get(year=2027)
    assert (year.provisional, year.source) == (False, "imported")
    assert workdays.add_workdays(D(2027, 2, 9), 1) == D(2027, 2, 15)
    assert workdays.is_workday(D(2027, 2, 20)) is True
    assert CalendarDay.objects.get(date=D(2027, 10, 9)).note == "调休上班"
    # Statutory days the file does not list are ordinary days now: the file is the whole schedule.
    assert workdays.is_workday(D(2027, 5, 3)) is True
    event = AuditEvent.objects.get(action="calendar.import")
    assert (event.object_id, event.before["provisional"], event.after["provisional"]) == ("2027", True, False)


def test_import_keeps_unlisted_manual_days_and_overrides_listed_ones():
    calendar_set_day(day=D(2027, 3, 3), is_workday=False, note="停电闭厅", actor=None)
    calendar_set_day(day=D(2027, 2, 10), is_workday=True, note="值班", actor=None)
    calendar_import(rows=rows(SCHEDULE_2027), actor=None)
    assert CalendarDay.objects.get(date=D(2027, 3, 3)).source == "manual"
    assert CalendarDay.objects.get(date=D(2027, 2, 10)).source == "imported"
    assert workdays.is_workday(D(2027, 2, 10)) is False


def test_import_accepts_a_neighbouring_year_row_and_fills_gap_years():
    table = [["2031-01-01", "休息", "元旦"], ["2031-10-08", "休息", "国庆节"], ["2030-12-31", "休息", "元旦"]]
    report = calendar_import(rows=rows(table), actor=None)
    assert report.year == 2031
    assert report.filled_years == [2030]
    assert CalendarYear.objects.get(year=2030).provisional is True
    assert CalendarYear.objects.get(year=2031).provisional is False
    assert CalendarDay.objects.get(date=D(2030, 12, 31)).source == "imported"
    assert workdays.workdays_between(D(2030, 12, 30), D(2031, 1, 2)) == 1


def test_a_bad_schedule_reports_every_row_and_changes_nothing():
    before, events = snapshot(2027), AuditEvent.objects.count()
    table = [
        *SCHEDULE_2027[:3],
        ["2027-02-30", "休息", "春节"],  # row 5
        ["2027-02-07", "放假", "春节"],  # row 6: bad kind
        ["2027-02-06", "休息", "重复"],  # row 7: duplicate of row 4
        ["", "上班", ""],  # row 8
        ["2027-03-01", "休息", "说" * 65],  # row 9
        ["2040-01-01", "休息", ""],  # row 10: not this schedule's year
    ]
    with pytest.raises(CalendarImportError) as exc:
        calendar_import(rows=rows(table), actor=None)
    assert exc.value.errors == [
        (5, "日期", "“2027-02-30”不是有效日期，应为 YYYY-MM-DD"),
        (6, "类型", "“放假”无效，只能填写“休息”或“上班”"),
        (7, "日期", "日期与第4行重复"),
        (8, "日期", "“”不是有效日期，应为 YYYY-MM-DD"),
        (9, "说明", "说明不能超过64个字"),
        (10, "日期", "日期不属于2027年放假安排或其相邻年份"),
    ]
    assert "未做任何修改" in exc.value.message
    assert snapshot(2027) == before
    assert AuditEvent.objects.count() == events


def test_an_empty_schedule_is_refused():
    with pytest.raises(CalendarImportError) as exc:
        calendar_import(rows=[], actor=None)
    assert exc.value.errors == [(2, "日期", "文件中没有数据行")]


def test_files_are_read_from_xlsx_and_csv():
    table = [[dt.datetime(2027, 1, 1), "休息", "元旦"], ["2027/02/20", "上班", None]]
    assert read_schedule(xlsx_bytes(table), "安排.XLSX") == [
        {"日期": dt.datetime(2027, 1, 1), "类型": "休息", "说明": "元旦", "_row": 2},
        {"日期": "2027/02/20", "类型": "上班", "说明": None, "_row": 3},
    ]
    gbk = read_schedule(csv_bytes([["2027-01-01", "休息", "元旦"]], "gb18030"), "a.csv")
    assert gbk == [{"日期": "2027-01-01", "类型": "休息", "说明": "元旦", "_row": 2}]


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"date,kind\n2027-01-01,x\n", "a.csv", "第1行 日期：缺少此列"),
        (b"not a workbook", "a.xlsx", "无法读取 Excel 文件"),
        (b"", "a.pdf", "仅支持 .xlsx 或 .csv 文件"),
    ],
)
def test_unreadable_files_are_refused(data, name, message):
    with pytest.raises(ValidationFailed) as exc:
        read_schedule(data, name)
    assert message in exc.value.message


def test_import_command_with_a_good_xlsx(tmp_path):
    path = tmp_path / "2027.xlsx"
    path.write_bytes(xlsx_bytes(SCHEDULE_2027))
    out = io.StringIO()
    call_command("calendar", "import", str(path), stdout=out)
    assert "已导入2027年放假安排：12 行" in out.getvalue()
    assert CalendarYear.objects.get(year=2027).provisional is False


def test_import_command_with_a_bad_csv_exits_1_and_changes_nothing(tmp_path):
    path = tmp_path / "2027.csv"
    path.write_bytes(csv_bytes([*SCHEDULE_2027, ["2027-13-01", "休息", ""], ["2027-03-01", "加班", ""]]))
    before = snapshot(2027)
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("calendar", "import", str(path), stderr=err)
    assert exit_.value.code == 1
    lines = err.getvalue().splitlines()
    assert lines[:2] == [
        "第14行 日期：“2027-13-01”不是有效日期，应为 YYYY-MM-DD",
        "第15行 类型：“加班”无效，只能填写“休息”或“上班”",
    ]
    assert "未导入任何数据" in lines[2]
    assert snapshot(2027) == before


# -- one day -----------------------------------------------------------------------------------
def test_set_day_is_audited():
    row = calendar_set_day(day=D(2026, 12, 4), is_workday=False, note=" 停电闭厅 ", actor=None)
    assert (row.is_workday, row.source, row.note) == (False, "manual", "停电闭厅")
    event = AuditEvent.objects.get(action="calendar.set_day")
    assert event.object_id == "2026-12-04"
    assert event.before == {"is_workday": True, "source": "official", "note": ""}
    assert event.after == {"is_workday": False, "source": "manual", "note": "停电闭厅"}


@pytest.mark.parametrize(
    ("day", "note", "message"),
    [(D(2026, 12, 4), "长" * 65, "说明不能超过64个字"), (D(2045, 1, 2), "", "不在工作日历范围内")],
)
def test_bad_day_edits_change_nothing(day, note, message):
    before, events = snapshot(2026), AuditEvent.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        calendar_set_day(day=day, is_workday=False, note=note, actor=None)
    assert message in exc.value.message
    assert snapshot(2026) == before
    assert AuditEvent.objects.count() == events
