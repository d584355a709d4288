"""Performance grading (绩效评估, RULES.md "Supervision"): quarterly and monthly scores and grades
优秀 / 良好 / 合格 / 不合格 per department, window, person and site.

Scores are computed on demand from the period's facts (``selectors``; set-based queries), never
stored: a grade is reproducible from the records it rests on. The score, out of 100:

- on-time rate (concluded_at ≤ promised_due_at) × ``on_time`` points;
- speed: the working days used against those promised, summed over the period's clocks — full
  ``speed`` points at or below ``speed_full_ratio`` of the promised time, none at 100 % or more,
  linear between;
- minus a deduction per yellow card, red card, anomaly, supervision order replied late or not at
  all, bad rating and complaint.
A unit with no concluded case in the period keeps the on-time and speed points (nothing late was
found) and loses only deductions. A person is graded on the step tasks they signed: on time when
signed by the step's deadline, speed against the step's limit.

Sources that give no figure for a level (None) make no deduction, and the report says so in
``notes``: ratings (好差评, from the ratings context) and upheld complaints (from inquiries) count
per department, window and person, not per site. Weights and thresholds are the settings GOVHALL_GRADE_WEIGHTS and
GOVHALL_GRADE_THRESHOLDS (dicts; missing keys take the defaults below).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from govhall.core.errors import NotFound, ValidationFailed
from govhall.org.models import Department, Site, Staff, Window
from govhall.supervision import selectors
from govhall.supervision.selectors import Figures

LEVELS = {
    "department": gettext_lazy("部门"),
    "window": gettext_lazy("窗口"),
    "person": gettext_lazy("个人"),
    "site": gettext_lazy("服务场所（含下级）"),
}
GRADES = {
    "excellent": gettext_lazy("优秀"),
    "good": gettext_lazy("良好"),
    "pass": gettext_lazy("合格"),
    "fail": gettext_lazy("不合格"),
}
DEFAULT_WEIGHTS = {
    "on_time": Decimal("70"),  # points for a 100 % on-time rate
    "speed": Decimal("30"),  # points for working days used ≤ speed_full_ratio × promised
    "speed_full_ratio": Decimal("0.5"),
    "yellow_card": Decimal("0.5"),  # deducted per card raised in the period
    "red_card": Decimal("2"),
    "anomaly": Decimal("1"),
    "order_overdue": Decimal("3"),  # a supervision order not answered by its reply deadline
    "bad_rating": Decimal("1"),  # per bad rating (不满意 / 非常不满意) in the period
    "complaint": Decimal("3"),  # per complaint upheld on reply
}
DEFAULT_THRESHOLDS = {"excellent": Decimal("90"), "good": Decimal("80"), "pass": Decimal("60")}
DEDUCTIONS = (
    ("yellow", "yellow_card"),
    ("red", "red_card"),
    ("anomalies", "anomaly"),
    ("orders_overdue", "order_overdue"),
    ("bad_ratings", "bad_rating"),
    ("complaints", "complaint"),
)
HUNDRED = Decimal("100")
_PERIOD = re.compile(r"^(\d{4})(?:[Qq]([1-4])|-(0[1-9]|1[0-2]))$")
_CN_QUARTERS = "一二三四"


# --- periods ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    code: str  # "2026Q4" or "2026-11"
    kind: str  # "quarter" / "month"
    year: int
    number: int  # quarter 1–4 or month 1–12
    start: dt.datetime  # local midnight of the first day
    end: dt.datetime  # local midnight after the last day (exclusive)

    @property
    def label(self) -> str:
        if self.kind == "quarter":
            return _("%(y)s年第%(q)s季度") % {"y": self.year, "q": _CN_QUARTERS[self.number - 1]}
        return _("%(y)s年%(m)s月") % {"y": self.year, "m": self.number}

    @property
    def last_day(self) -> dt.date:
        return timezone.localtime(self.end).date() - dt.timedelta(days=1)


def _month_start(year: int, month: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(year + (month - 1) // 12, (month - 1) % 12 + 1, 1))  # noqa: DTZ001


def period_parse(code: str) -> Period:
    """``YYYYQn`` (a quarter) or ``YYYY-MM`` (a month); anything else is refused in Chinese."""
    match = _PERIOD.match((code or "").strip())
    if not match or not 2000 <= int(match.group(1)) <= 2100:
        raise ValidationFailed(
            _("考核期“%(p)s”格式无效，应为季度如2026Q4或月份如2026-11。") % {"p": code},
            code="supervision.bad_period",
            field="period",
        )
    year = int(match.group(1))
    if match.group(2):
        quarter = int(match.group(2))
        first = (quarter - 1) * 3 + 1
        return Period(
            f"{year}Q{quarter}",
            "quarter",
            year,
            quarter,
            _month_start(year, first),
            _month_start(year, first + 3),
        )
    month = int(match.group(3))
    return Period(
        f"{year}-{month:02d}", "month", year, month, _month_start(year, month), _month_start(year, month + 1)
    )


def period_of(at: dt.datetime, kind: str = "quarter") -> Period:
    day = timezone.localtime(at)
    if kind == "month":
        return period_parse(f"{day.year}-{day.month:02d}")
    return period_parse(f"{day.year}Q{(day.month - 1) // 3 + 1}")


def level_check(level: str) -> str:
    if level not in LEVELS:
        raise ValidationFailed(
            _("考核层级“%(l)s”无效，应为 department、window、person 或 site。") % {"l": level},
            code="supervision.bad_level",
            field="level",
        )
    return level


# --- settings --------------------------------------------------------------------------------------


def _decimal_map(name: str, defaults: dict[str, Decimal]) -> dict[str, Decimal]:
    configured = getattr(settings, name, None) or {}
    unknown = set(configured) - set(defaults)
    if unknown:
        raise ImproperlyConfigured(f"{name}: unknown keys {sorted(unknown)}; known: {sorted(defaults)}")
    result = dict(defaults)
    for key, value in configured.items():
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise ImproperlyConfigured(f"{name}[{key!r}] must be a number, got {value!r}") from None
        if not number.is_finite() or number < 0:
            raise ImproperlyConfigured(f"{name}[{key!r}] must be a number ≥ 0, got {value!r}")
        result[key] = number
    return result


def weights() -> dict[str, Decimal]:
    """GOVHALL_GRADE_WEIGHTS over the defaults (read at call time, never at import)."""
    result = _decimal_map("GOVHALL_GRADE_WEIGHTS", DEFAULT_WEIGHTS)
    if not result["speed_full_ratio"] < 1:
        raise ImproperlyConfigured("GOVHALL_GRADE_WEIGHTS['speed_full_ratio'] must be below 1")
    return result


def thresholds() -> dict[str, Decimal]:
    """GOVHALL_GRADE_THRESHOLDS over the defaults: the lowest score of 优秀, 良好 and 合格."""
    result = _decimal_map("GOVHALL_GRADE_THRESHOLDS", DEFAULT_THRESHOLDS)
    if not result["excellent"] >= result["good"] >= result["pass"]:
        raise ImproperlyConfigured("GOVHALL_GRADE_THRESHOLDS must satisfy excellent ≥ good ≥ pass")
    return result


# --- scoring ---------------------------------------------------------------------------------------


def _ratio(part: int, whole: int) -> Decimal | None:
    return Decimal(part) / Decimal(whole) if whole else None


def _points(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def score_of(figures: Figures, w: dict[str, Decimal]) -> tuple[Decimal, dict[str, Decimal]]:
    """The score (0–100, one decimal) and its parts: points earned and points deducted."""
    rate = _ratio(figures.on_time, figures.timed)
    parts = {"on_time": w["on_time"] * (rate if rate is not None else 1)}
    used = _ratio(figures.used_seconds, figures.promised_seconds)
    if used is None:  # no measured clock, or only instant items (nothing promised): late = used > 0
        speed = Decimal(0) if figures.measured and figures.used_seconds > 0 else Decimal(1)
    else:
        speed = min(max((1 - used) / (1 - w["speed_full_ratio"]), Decimal(0)), Decimal(1))
    parts["speed"] = w["speed"] * speed
    for name, weight in DEDUCTIONS:
        count = getattr(figures, name)
        if count:
            parts[name] = -w[weight] * count
    total = min(max(sum(parts.values(), Decimal(0)), Decimal(0)), HUNDRED)
    return _points(total), {k: _points(v) for k, v in parts.items()}


def grade_of(score: Decimal, t: dict[str, Decimal]) -> str:
    for grade in ("excellent", "good", "pass"):
        if score >= t[grade]:
            return grade
    return "fail"


@dataclass
class Grade:
    level: str
    unit_id: int
    unit_name: str
    unit_detail: str  # the department of a window or person, the kind of a site
    figures: Figures
    score: Decimal
    grade: str
    parts: dict[str, Decimal] = field(default_factory=dict)

    @property
    def grade_label(self) -> str:
        return str(GRADES[self.grade])

    @property
    def on_time_rate(self) -> Decimal | None:
        """Percent, two decimals; None when nothing with a deadline was concluded."""
        rate = _ratio(self.figures.on_time, self.figures.timed)
        return (
            (rate * HUNDRED).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) if rate is not None else None
        )

    @property
    def avg_used(self) -> Decimal | None:
        f = self.figures
        return selectors.to_days(Decimal(f.used_seconds) / f.measured) if f.measured else None

    @property
    def avg_promised(self) -> Decimal | None:
        f = self.figures
        return selectors.to_days(Decimal(f.promised_seconds) / f.measured) if f.measured else None

    @property
    def late(self) -> int:
        return self.figures.timed - self.figures.on_time

    def as_dict(self) -> dict:
        f = self.figures
        return {
            "level": self.level, "unit_id": self.unit_id, "unit_name": self.unit_name,
            "unit_detail": self.unit_detail, "score": str(self.score), "grade": self.grade,
            "grade_label": self.grade_label, "concluded": f.concluded, "timed": f.timed, "on_time": f.on_time,
            "on_time_rate": _text(self.on_time_rate), "avg_used_workdays": _text(self.avg_used),
            "avg_promised_workdays": _text(self.avg_promised), "measured": f.measured,
            "yellow_cards": f.yellow, "red_cards": f.red, "anomalies": f.anomalies,
            "orders_overdue": f.orders_overdue, "bad_ratings": f.bad_ratings, "complaints": f.complaints,
            "parts": {k: str(v) for k, v in self.parts.items()},
        }  # fmt: skip


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


@dataclass
class GradeReport:
    period: Period
    level: str
    rows: list[Grade]
    notes: list[str]
    weights: dict[str, Decimal]
    thresholds: dict[str, Decimal]

    def get(self, unit_id: int) -> Grade:
        for row in self.rows:
            if row.unit_id == unit_id:
                return row
        raise NotFound(
            _("%(p)s没有该单位的考核结果。") % {"p": self.period.label}, code="supervision.grade_not_found"
        )

    def as_dict(self) -> dict:
        return {
            "period": self.period.code, "period_label": self.period.label, "level": self.level,
            "weights": {k: str(v) for k, v in self.weights.items()},
            "thresholds": {k: str(v) for k, v in self.thresholds.items()},
            "notes": self.notes, "grades": [row.as_dict() for row in self.rows],
        }  # fmt: skip


# --- the report ------------------------------------------------------------------------------------


def period_figures(period: Period, level: str) -> tuple[dict[int, Figures], list[str]]:
    """Every unit's figures in the period, from a handful of grouped queries."""
    figures = selectors.timed_figures(level, period.start, period.end)
    for unit, (yellow, red) in selectors.card_figures(level, period.start, period.end).items():
        row = figures.setdefault(unit, Figures())
        row.yellow, row.red = yellow, red
    sources = list(selectors.optional_figures(level, period.start, period.end))
    notes = [note for _name, counts, note in sources if counts is None]
    for _name, counts, _note in sources:
        for unit in counts or ():
            figures.setdefault(unit, Figures())
    for name, counts, _note in sources:
        if counts is not None:
            for unit, row in figures.items():
                setattr(row, name, counts.get(unit, 0))
    if level == "site":
        figures = selectors.roll_up(figures)
    return {unit: row for unit, row in figures.items() if row.active}, notes


def _names(level: str, ids) -> dict[int, tuple[str, str]]:
    if level == "department":
        return {d.pk: (d.name, "") for d in Department.objects.filter(pk__in=ids)}
    if level == "window":
        windows = Window.objects.filter(pk__in=ids).select_related("site", "department")
        return {w.pk: (f"{w.site.name} {w}", w.department.name) for w in windows}
    if level == "site":
        return {s.pk: (s.name, s.get_kind_display()) for s in Site.objects.filter(pk__in=ids)}
    staff = Staff.objects.filter(user_id__in=ids).select_related("department")
    names = {s.user_id: (s.name, s.department.name) for s in staff}
    return {pk: names.get(pk, (f"#{pk}", "")) for pk in ids}


def grades_for(period: str | Period, level: str) -> GradeReport:
    """Scores and grades of every unit of ``level`` active in ``period`` (``2026Q4`` / ``2026-11``),
    best first. Raises ValidationFailed for a bad period or level."""
    period = period if isinstance(period, Period) else period_parse(period)
    level = level_check(level)
    w, t = weights(), thresholds()
    figures, notes = period_figures(period, level)
    names = _names(level, list(figures))
    rows = []
    for unit, row in figures.items():
        score, parts = score_of(row, w)
        name, detail = names.get(unit, (f"#{unit}", ""))
        rows.append(Grade(level, unit, name, detail, row, score, grade_of(score, t), parts))
    rows.sort(key=lambda g: (-g.score, -(g.on_time_rate or 0), g.unit_name, g.unit_id))
    return GradeReport(period, level, rows, notes, w, t)


def deficiencies(grade: Grade, w: dict[str, Decimal] | None = None) -> list[str]:
    """What pulled the score down, as sentences for the recommendation letter."""
    w = w or weights()
    f, found = grade.figures, []
    if grade.late:
        found.append(
            _("按时办结率%(r)s%%，超承诺时限办结%(n)s件。") % {"r": grade.on_time_rate, "n": grade.late}
        )
    if (
        grade.avg_used is not None
        and grade.avg_promised
        and grade.avg_used > grade.avg_promised * w["speed_full_ratio"]
    ):
        found.append(
            _("平均办理用时%(u)s个工作日，承诺时限平均%(p)s个工作日，提速不足。")
            % {"u": grade.avg_used, "p": grade.avg_promised}
        )
    if f.red:
        found.append(_("被亮红牌（超期）%(n)s次。") % {"n": f.red})
    if f.yellow:
        found.append(_("被亮黄牌（临近超期）%(n)s次。") % {"n": f.yellow})
    if f.anomalies:
        found.append(_("发生异常办件%(n)s件。") % {"n": f.anomalies})
    if f.orders_overdue:
        found.append(_("督办事项逾期未回复或逾期回复%(n)s件。") % {"n": f.orders_overdue})
    return found
