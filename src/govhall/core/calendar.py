"""The centre's working-day calendar: seeding, State Council schedule import and day edits.

Two kinds of year (DESIGN.md mechanism 1, ADR 0003):
- official: the State Council schedule, from chinese-calendar (seed) or imported by the centre;
- provisional: Monday–Friday minus the fixed statutory holidays of 全国年节及纪念日放假办法
  (2025 revision, Art. 2), with no adjusted workdays, until the real schedule is entered.

The pure rules at the top are also used by the seeding data migration, so keep them free of
database access.
"""

import datetime as dt
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.db import transaction
from django.utils import timezone
from lunardate import LunarDate

from govhall.core import audit
from govhall.core.errors import ValidationFailed
from govhall.core.models import CalendarDay, CalendarYear
from govhall.core.models.calendar import CalendarSource

SUPPORTED_YEARS = (2000, 2099)  # lunardate covers 1900–2099; the solar-term fit is checked for 2000–2099
PROVISIONAL_YEARS_AHEAD = 3
NOTE_MAX = 64
ADJUSTED_WORKDAY = "调休上班"
# chinese-calendar names its holidays in English; the centre reads Chinese.
OFFICIAL_NAMES_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}
# Days the centre decided itself are never overwritten by a seed.
CENTRE_SOURCES = (CalendarSource.MANUAL, CalendarSource.IMPORTED)


class DaySpec(NamedTuple):
    date: dt.date
    is_workday: bool
    source: str
    note: str


class CalendarImportError(ValidationFailed):
    """Raised with every bad row; nothing was written."""

    code = "calendar_import_invalid"

    def __init__(self, errors: list[tuple[int, str, str]]) -> None:
        lines = [f"第{row}行 {column}：{reason}" for row, column, reason in errors]
        super().__init__("导入失败，未做任何修改：\n" + "\n".join(lines), errors=errors)
        self.errors = errors


# ---------------------------------------------------------------------------------------------
# Pure rules
# ---------------------------------------------------------------------------------------------
_J2000_ORDINAL = dt.date(2000, 1, 1).toordinal()


def _apparent_solar_longitude(jde: float) -> float:
    """Apparent longitude of the Sun in degrees (Meeus, Astronomical Algorithms ch. 25, ±0.01°)."""
    t = (jde - 2451545.0) / 36525.0
    l0 = 280.46646 + 36000.76983 * t + 0.0003032 * t * t
    m = math.radians(357.52911 + 35999.05029 * t - 0.0001537 * t * t)
    c = (
        (1.914602 - 0.004817 * t - 0.000014 * t * t) * math.sin(m)
        + (0.019993 - 0.000101 * t) * math.sin(2 * m)
        + 0.000289 * math.sin(3 * m)
    )
    omega = math.radians(125.04 - 1934.136 * t)
    return (l0 + c - 0.00569 - 0.00478 * math.sin(omega)) % 360.0


def _delta_t_seconds(year: int) -> float:
    """TT − UT (Espenak & Meeus polynomials); about a minute, it only matters near midnight."""
    if year < 2050:
        t = year - 2000
        return 62.92 + 0.32217 * t + 0.005589 * t * t
    return -20 + 32 * ((year - 1820) / 100) ** 2 - 0.5628 * (2150 - year)


def qingming(year: int) -> dt.date:
    """Beijing date of the solar term 清明: the Sun's apparent longitude reaches 15°."""
    jde = 2451544.5 + (dt.date(year, 4, 5).toordinal() - _J2000_ORDINAL)
    for _ in range(20):
        diff = (15.0 - _apparent_solar_longitude(jde) + 180.0) % 360.0 - 180.0
        jde += diff * 365.2422 / 360.0
        if abs(diff) < 1e-7:
            break
    beijing_days = jde - _delta_t_seconds(year) / 86400.0 - 2451544.5 + 8 / 24  # UTC+8
    return dt.date.fromordinal(_J2000_ORDINAL + math.floor(beijing_days))


def _lunar(year: int, month: int, day: int) -> dt.date:
    return LunarDate(year, month, day).to_solar_date()


def statutory_holidays(year: int) -> dict[dt.date, str]:
    """The fixed holidays of 全国年节及纪念日放假办法 Art. 2 (2025 revision) in a Gregorian year."""
    if not SUPPORTED_YEARS[0] <= year <= SUPPORTED_YEARS[1]:
        raise ValidationFailed(
            f"年份{year}超出支持范围（{SUPPORTED_YEARS[0]}–{SUPPORTED_YEARS[1]}）",
            code="calendar_year_unsupported",
        )
    days: dict[dt.date, list[str]] = {}

    def add(day: dt.date, name: str) -> None:
        if day.year == year:
            days.setdefault(day, []).append(name)

    add(dt.date(year, 1, 1), "元旦")
    # Spring Festival: New Year's Eve (last day of the 12th lunar month) to the 3rd of the 1st month.
    # The festival of lunar year `year` falls in January/February of Gregorian `year`.
    new_year = _lunar(year, 1, 1)
    add(new_year - dt.timedelta(days=1), "春节（除夕）")
    for offset in range(3):
        add(new_year + dt.timedelta(days=offset), "春节")
    add(qingming(year), "清明节")
    add(dt.date(year, 5, 1), "劳动节")
    add(dt.date(year, 5, 2), "劳动节")
    add(_lunar(year, 5, 5), "端午节")
    add(_lunar(year, 8, 15), "中秋节")
    for day in (1, 2, 3):
        add(dt.date(year, 10, day), "国庆节")
    return {day: "、".join(names) for day, names in days.items()}


def _year_dates(year: int) -> Iterable[dt.date]:
    day = dt.date(year, 1, 1)
    while day.year == year:
        yield day
        day += dt.timedelta(days=1)


def provisional_days(year: int) -> list[DaySpec]:
    """Monday–Friday minus the statutory holidays; no adjusted workdays (nobody has announced them)."""
    holidays = statutory_holidays(year)
    return [
        DaySpec(
            day, day.weekday() < 5 and day not in holidays, CalendarSource.PROVISIONAL, holidays.get(day, "")
        )
        for day in _year_dates(year)
    ]


def official_years() -> range:
    """The years chinese-calendar carries the State Council schedule for."""
    from chinese_calendar.constants import holidays

    years = [day.year for day in holidays]
    return range(min(years), max(years) + 1)


def official_days(year: int) -> list[DaySpec]:
    """The State Council schedule of a year as chinese-calendar records it."""
    from chinese_calendar.constants import holidays, workdays

    result = []
    for day in _year_dates(year):
        if day in holidays:
            spec = (False, OFFICIAL_NAMES_ZH.get(holidays[day], holidays[day]))
        elif day in workdays:
            name = OFFICIAL_NAMES_ZH.get(workdays[day], workdays[day])
            spec = (True, f"{ADJUSTED_WORKDAY}（{name}）")
        else:
            spec = (day.weekday() < 5, "")
        result.append(DaySpec(day, spec[0], CalendarSource.OFFICIAL, spec[1][:NOTE_MAX]))
    return result


def seed_plan(today: dt.date) -> list[tuple[int, bool]]:
    """(year, provisional) for every year the calendar should hold on ``today``."""
    known = official_years()
    last = max(known.stop - 1, today.year + PROVISIONAL_YEARS_AHEAD)
    return [(year, year not in known) for year in range(known.start, last + 1)]


def year_days(year: int, provisional: bool) -> list[DaySpec]:
    return provisional_days(year) if provisional else official_days(year)


# ---------------------------------------------------------------------------------------------
# Services
# ---------------------------------------------------------------------------------------------
def _changed() -> None:
    """Invalidate this process's working-day index now and again after commit (ADR 0003)."""
    from govhall.core import workdays

    workdays.invalidate()
    transaction.on_commit(workdays.invalidate)


def _touch_years(years: Iterable[int]) -> None:
    # CalendarYear.updated_at is the version other processes compare (workdays._signature).
    CalendarYear.objects.filter(year__in=list(years)).update(updated_at=timezone.now())


def _write_year(year: int, specs: list[DaySpec], keep: Callable[[dt.date, str], bool]) -> int:
    """Write a year's days except those ``keep(date, current_source)`` protects; returns days written."""
    existing = dict(CalendarDay.objects.filter(date__year=year).values_list("date", "source"))
    now = timezone.now()
    rows = [
        CalendarDay(date=s.date, is_workday=s.is_workday, source=s.source, note=s.note, updated_at=now)
        for s in specs
        if not (s.date in existing and keep(s.date, existing[s.date]))
    ]
    CalendarDay.objects.filter(date__in=[row.date for row in rows if row.date in existing]).delete()
    CalendarDay.objects.bulk_create(rows)
    return len(rows)


def _keep_centre_days(_day: dt.date, source: str) -> bool:
    return source in CENTRE_SOURCES


@dataclass
class SeedReport:
    created_years: list[int]
    refreshed_years: list[int]
    days_written: int


@transaction.atomic(durable=True)
def calendar_seed(*, today: dt.date | None = None, actor: Any = None) -> SeedReport:
    """Extend the calendar to today's year + 3 and refresh seeded years; centre edits are kept."""
    today = today or timezone.localdate()
    years = {y.year: y for y in CalendarYear.objects.select_for_update().order_by("year")}
    report = SeedReport([], [], 0)
    for year, provisional in seed_plan(today):
        current = years.get(year)
        if current is not None and current.source == CalendarSource.IMPORTED:
            continue  # the centre imported this year's schedule: it outranks the seed
        if current is not None and provisional and not current.provisional:
            continue  # never downgrade a published schedule to a provisional one
        report.days_written += _write_year(year, year_days(year, provisional), _keep_centre_days)
        source = CalendarSource.PROVISIONAL if provisional else CalendarSource.OFFICIAL
        CalendarYear.objects.update_or_create(
            year=year, defaults={"provisional": provisional, "source": source}
        )
        (report.refreshed_years if current else report.created_years).append(year)
    audit.record(
        action="calendar.seed",
        actor=actor,
        object_type="core.calendaryear",
        after={"created": report.created_years, "refreshed": report.refreshed_years},
        detail={"days_written": report.days_written},
    )
    _changed()
    return report


def _fill_gaps(schedule_year: int, years: set[int]) -> list[int]:
    """Provisional years between the calendar and an imported schedule: the index needs every date."""
    held = set(CalendarYear.objects.values_list("year", flat=True))
    low, high = min(held | years), max(held | years)
    missing = [year for year in range(low, high + 1) if year not in held and year != schedule_year]
    for year in missing:
        _write_year(year, provisional_days(year), _keep_centre_days)
        CalendarYear.objects.create(year=year, provisional=True, source=CalendarSource.PROVISIONAL)
    return missing


# ---------------------------------------------------------------------------------------------
# Import of a State Council schedule (columns 日期, 类型 休息/上班, 说明)
# ---------------------------------------------------------------------------------------------
COL_DATE, COL_KIND, COL_NOTE = "日期", "类型", "说明"
IMPORT_COLUMNS = (COL_DATE, COL_KIND, COL_NOTE)
KIND_VALUES = {"休息": False, "上班": True}


class ScheduleRow(NamedTuple):
    row: int  # row number in the file, header = 1
    date: dt.date
    is_workday: bool
    note: str


@dataclass
class ImportReport:
    year: int
    rows: int
    rest_days: int
    adjusted_workdays: int
    filled_years: list[int]


def _parse_date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip().replace("/", "-").replace(".", "-")
    for fmt in ("%Y-%m-%d", "%Y年%m月%d日"):
        try:
            return dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007 (a calendar date, no time)
        except ValueError:
            continue
    return None


def _check_row(number: int, raw: Mapping[str, object], errors: list) -> ScheduleRow | None:
    before = len(errors)
    day = _parse_date(raw.get(COL_DATE))
    if day is None:
        errors.append((number, COL_DATE, f"“{raw.get(COL_DATE) or ''}”不是有效日期，应为 YYYY-MM-DD"))
    elif not SUPPORTED_YEARS[0] <= day.year <= SUPPORTED_YEARS[1]:
        errors.append((number, COL_DATE, f"年份超出支持范围（{SUPPORTED_YEARS[0]}–{SUPPORTED_YEARS[1]}）"))
    kind = str(raw.get(COL_KIND) or "").strip()
    if kind not in KIND_VALUES:
        errors.append((number, COL_KIND, f"“{kind}”无效，只能填写“休息”或“上班”"))
    note = str(raw.get(COL_NOTE) or "").strip()
    if len(note) > NOTE_MAX:
        errors.append((number, COL_NOTE, f"说明不能超过{NOTE_MAX}个字"))
    if len(errors) > before:
        return None
    return ScheduleRow(number, day, KIND_VALUES[kind], note)


def validate_schedule(rows: Iterable[Mapping[str, object]]) -> tuple[int, list[ScheduleRow]]:
    """Check every row; return (schedule year, rows) or raise CalendarImportError listing all bad rows."""
    errors: list[tuple[int, str, str]] = []
    parsed: list[ScheduleRow] = []
    seen: dict[dt.date, int] = {}
    for index, raw in enumerate(rows):
        number = int(raw.get("_row") or index + 2)
        row = _check_row(number, raw, errors)
        if row is None:
            continue
        if row.date in seen:
            errors.append((number, COL_DATE, f"日期与第{seen[row.date]}行重复"))
            continue
        seen[row.date] = number
        parsed.append(row)
    if not parsed and not errors:
        errors.append((2, COL_DATE, "文件中没有数据行"))
    year = Counter(row.date.year for row in parsed).most_common(1)[0][0] if parsed else 0
    for row in parsed:
        # A schedule may reach a few days into a neighbouring year (e.g. 元旦 starting on 31 Dec).
        if abs(row.date.year - year) > 1:
            errors.append((row.row, COL_DATE, f"日期不属于{year}年放假安排或其相邻年份"))
    if errors:
        raise CalendarImportError(sorted(errors))
    return year, parsed


def _schedule_specs(year: int, listed: dict[dt.date, ScheduleRow]) -> list[DaySpec]:
    specs = []
    for day in _year_dates(year):
        row = listed.get(day)
        if row is not None:
            note = row.note or ("" if row.is_workday == (day.weekday() < 5) else ADJUSTED_WORKDAY)
            specs.append(DaySpec(day, row.is_workday, CalendarSource.IMPORTED, note))
        else:
            specs.append(DaySpec(day, day.weekday() < 5, CalendarSource.IMPORTED, ""))
    return specs


@transaction.atomic(durable=True)
def calendar_import(*, rows: Iterable[Mapping[str, object]], actor: Any) -> ImportReport:
    """Import a State Council schedule: all rows or none; the year stops being provisional."""
    year, parsed = validate_schedule(rows)
    list(CalendarYear.objects.select_for_update().order_by("year"))  # one calendar writer at a time
    filled = _fill_gaps(year, {row.date.year for row in parsed})
    listed = {row.date: row for row in parsed if row.date.year == year}
    before = CalendarYear.objects.filter(year=year).values("provisional", "source").first()
    # Rows in the file override everything; unlisted days keep the centre's own manual edits.
    _write_year(
        year, _schedule_specs(year, listed), lambda day, source: day not in listed and source == "manual"
    )
    for row in parsed:
        if row.date.year != year:
            CalendarDay.objects.update_or_create(
                date=row.date,
                defaults={"is_workday": row.is_workday, "source": CalendarSource.IMPORTED, "note": row.note},
            )
    CalendarYear.objects.update_or_create(
        year=year,
        defaults={
            "provisional": False,
            "source": CalendarSource.IMPORTED,
            "note": f"导入{len(parsed)}条安排",
        },
    )
    _touch_years({row.date.year for row in parsed})
    report = ImportReport(
        year=year,
        rows=len(parsed),
        rest_days=sum(1 for row in parsed if not row.is_workday),
        adjusted_workdays=sum(1 for row in parsed if row.is_workday and row.date.weekday() >= 5),
        filled_years=filled,
    )
    audit.record(
        action="calendar.import",
        actor=actor,
        object_type="core.calendaryear",
        object_id=str(year),
        before=before,
        after={"provisional": False, "source": CalendarSource.IMPORTED.value},
        detail={"rows": report.rows, "rest_days": report.rest_days, "filled_years": filled},
    )
    _changed()
    return report


def _read_csv(data: bytes) -> list[list[object]]:
    import csv
    import io

    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK by default
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return [list(row) for row in csv.reader(io.StringIO(text))]
    raise ValidationFailed("无法识别 CSV 文件的编码，请保存为 UTF-8", code="calendar_file_unreadable")


def _read_xlsx(data: bytes) -> list[list[object]]:
    import io
    import zipfile

    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise ValidationFailed(
            "无法读取 Excel 文件，请确认是 .xlsx 格式", code="calendar_file_unreadable"
        ) from exc
    sheet = book.worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def read_schedule(data: bytes, filename: str) -> list[dict[str, object]]:
    """Rows of an uploaded schedule as dicts keyed by column name, with ``_row`` = file row number."""
    suffix = filename.lower().rsplit(".", 1)[-1] if "." in filename else ""
    if suffix not in ("xlsx", "csv"):
        raise ValidationFailed("仅支持 .xlsx 或 .csv 文件", code="calendar_file_type", field="file")
    table = _read_xlsx(data) if suffix == "xlsx" else _read_csv(data)
    header = [str(cell or "").strip() for cell in (table[0] if table else [])]
    missing = [(1, column, "缺少此列") for column in IMPORT_COLUMNS if column not in header]
    if missing:
        raise CalendarImportError(missing)
    rows = []
    for number, cells in enumerate(table[1:], start=2):
        if all(cell is None or str(cell).strip() == "" for cell in cells):
            continue  # blank lines at the end of a sheet are not rows
        values = dict(zip(header, cells, strict=False))
        rows.append({column: values.get(column) for column in IMPORT_COLUMNS} | {"_row": number})
    return rows


# ---------------------------------------------------------------------------------------------
# One day, edited by a manager
# ---------------------------------------------------------------------------------------------
@transaction.atomic(durable=True)
def calendar_set_day(*, day: dt.date, is_workday: bool, note: str = "", actor: Any) -> CalendarDay:
    """Mark one date as a working or rest day for the centre (e.g. a local closure)."""
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationFailed(f"说明不能超过{NOTE_MAX}个字", code="calendar_note_too_long", field="note")
    row = CalendarDay.objects.select_for_update().filter(date=day).first()
    if row is None:
        raise ValidationFailed(
            f"{day:%Y-%m-%d}不在工作日历范围内，请先延伸日历", code="calendar_out_of_range", field="day"
        )
    before = {"is_workday": row.is_workday, "source": row.source, "note": row.note}
    row.is_workday, row.note, row.source = bool(is_workday), note, CalendarSource.MANUAL
    row.save(update_fields=["is_workday", "note", "source", "updated_at"])
    _touch_years([day.year])
    audit.record(
        action="calendar.set_day",
        actor=actor,
        obj=row,
        before=before,
        after={"is_workday": row.is_workday, "source": row.source, "note": row.note},
    )
    _changed()
    return row
