"""The numbers of staff assessment (RULES.md "Hall"), each overridable by a setting, and the periods.

Settings (dicts; missing keys take the defaults; read at call time, never at import):
- GOVHALL_STAFFING_HOURS: the two sessions of a working day and how early sign-in opens;
- GOVHALL_STAFFING_DEDUCTIONS: points deducted per event, and the minute thresholds;
- GOVHALL_STAFFING_WEIGHTS: the selection's four components (must add up to 100) and the window
  quality score's two parts;
- GOVHALL_STAFFING_AWARD_COUNTS: how many windows / persons are selected per month, quarter, year.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.translation import gettext as _

from govhall.core.errors import ValidationFailed

DEFAULT_HOURS = {
    "am_start": "09:00",
    "am_end": "12:00",
    "pm_start": "13:30",
    "pm_end": "17:30",
    "open_before": 60,
}
DEFAULT_DEDUCTIONS = {
    "late_minor": Decimal("1"),  # late by at most late_minor_minutes (RULES.md: ≤ 10 min −1)
    "late_minor_minutes": Decimal("10"),
    "late_major": Decimal("2"),  # later than that
    "early_leave": Decimal("1"),  # signed out before the session ended
    "missed_sign_in": Decimal("2"),  # signed out without having signed in (RULES.md −2)
    "missed_sign_out": Decimal("2"),  # signed in, never out
    "half_day_absence": Decimal("5"),  # neither, and no approved leave (RULES.md −5)
    "off_post": Decimal("3"),  # per unapproved off-post of at least off_post_minutes (RULES.md −3)
    "off_post_minutes": Decimal("15"),
    "return": Decimal("1"),  # case quality: a step the person signed was returned (退回)
    "yellow_card": Decimal("0.5"),
    "red_card": Decimal("2"),
    "bad_rating": Decimal("1"),  # 好差评 levels 4–5 naming the person
    "complaint_upheld": Decimal("3"),
}
THRESHOLD_KEYS = frozenset({"late_minor_minutes", "off_post_minutes"})
DEFAULT_WEIGHTS = {
    "window": Decimal("30"),  # RULES.md: window 30 %, staff 30 %, duty leader 20 %, public votes 20 %
    "staff": Decimal("30"),
    "duty_leader": Decimal("20"),
    "votes": Decimal("20"),
    "window_on_time": Decimal("60"),  # the window quality score: on-time rate × 60 + satisfaction × 40
    "window_satisfaction": Decimal("40"),
}
COMPONENTS = ("window", "staff", "duty_leader", "votes")
DEFAULT_COUNTS = {
    "red_flag": {"month": 5, "quarter": 2, "year": 1},  # RULES.md
    "excellent_staff": {"month": 5, "quarter": 2, "year": 1},
}
HUNDRED = Decimal("100")


def _decimal_map(name: str, defaults: dict) -> dict:
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


def deductions() -> dict[str, Decimal]:
    return _decimal_map("GOVHALL_STAFFING_DEDUCTIONS", DEFAULT_DEDUCTIONS)


def weights() -> dict[str, Decimal]:
    result = _decimal_map("GOVHALL_STAFFING_WEIGHTS", DEFAULT_WEIGHTS)
    if sum(result[c] for c in COMPONENTS) != HUNDRED:
        raise ImproperlyConfigured(
            "GOVHALL_STAFFING_WEIGHTS: window + staff + duty_leader + votes must be 100"
        )
    if result["window_on_time"] + result["window_satisfaction"] != HUNDRED:
        raise ImproperlyConfigured(
            "GOVHALL_STAFFING_WEIGHTS: window_on_time + window_satisfaction must be 100"
        )
    return result


def award_count(award: str, kind: str) -> int:
    configured = getattr(settings, "GOVHALL_STAFFING_AWARD_COUNTS", None) or {}
    value = (configured.get(award) or {}).get(kind, DEFAULT_COUNTS[award][kind])
    if not isinstance(value, int) or value < 1:
        raise ImproperlyConfigured(
            f"GOVHALL_STAFFING_AWARD_COUNTS[{award!r}][{kind!r}] must be an integer ≥ 1"
        )
    return value


def _clock(text: str) -> dt.time:
    try:
        return dt.time.fromisoformat(str(text))
    except ValueError:
        raise ImproperlyConfigured(f"GOVHALL_STAFFING_HOURS: {text!r} is not HH:MM") from None


@dataclass(frozen=True)
class Hours:
    am_start: dt.time
    am_end: dt.time
    pm_start: dt.time
    pm_end: dt.time
    open_before: dt.timedelta  # sign-in opens this long before a session starts

    def bounds(self, session: str) -> tuple[dt.time, dt.time]:
        return (self.am_start, self.am_end) if session == "am" else (self.pm_start, self.pm_end)


def hours() -> Hours:
    raw = {**DEFAULT_HOURS, **(getattr(settings, "GOVHALL_STAFFING_HOURS", None) or {})}
    result = Hours(
        _clock(raw["am_start"]), _clock(raw["am_end"]), _clock(raw["pm_start"]), _clock(raw["pm_end"]),
        dt.timedelta(minutes=int(raw["open_before"])),
    )  # fmt: skip
    if not result.am_start < result.am_end <= result.pm_start < result.pm_end:
        raise ImproperlyConfigured(
            "GOVHALL_STAFFING_HOURS: sessions must be in order am_start < am_end ≤ pm_start < pm_end"
        )
    return result


def at(day: dt.date, time: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, time))


# --- periods ---------------------------------------------------------------------------------------

_PERIOD = re.compile(r"^(\d{4})(?:-(0[1-9]|1[0-2])|[Qq]([1-4])|[Hh]([12]))?$")
KINDS = ("month", "quarter", "half", "year")


@dataclass(frozen=True)
class Period:
    code: str  # 2026-11, 2026Q4, 2026H2, 2026
    kind: str
    year: int
    first_month: int
    months: int

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, self.first_month, 1)

    @property
    def end(self) -> dt.date:
        """The first day after the period (exclusive)."""
        month = self.first_month + self.months
        return dt.date(self.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    def month_codes(self) -> list[str]:
        return [f"{self.year}-{m:02d}" for m in range(self.first_month, self.first_month + self.months)]

    @property
    def label(self) -> str:
        if self.kind == "month":
            return _("%(y)s年%(m)s月") % {"y": self.year, "m": self.first_month}
        if self.kind == "quarter":
            return _("%(y)s年第%(q)s季度") % {"y": self.year, "q": "一二三四"[(self.first_month - 1) // 3]}
        if self.kind == "half":
            return _("%(y)s年%(h)s") % {
                "y": self.year,
                "h": _("上半年") if self.first_month == 1 else _("下半年"),
            }
        return _("%(y)s年度") % {"y": self.year}


def period_parse(code: str, *, kinds: tuple[str, ...] = KINDS) -> Period:
    """``2026-11`` (month), ``2026Q4`` (quarter), ``2026H2`` (half year) or ``2026`` (year)."""
    match = _PERIOD.match((code or "").strip()) if isinstance(code, str) else None
    period = None
    if match and 2000 <= int(match.group(1)) <= 2100:
        year = int(match.group(1))
        if match.group(2):
            period = Period(f"{year}-{match.group(2)}", "month", year, int(match.group(2)), 1)
        elif match.group(3):
            q = int(match.group(3))
            period = Period(f"{year}Q{q}", "quarter", year, (q - 1) * 3 + 1, 3)
        elif match.group(4):
            h = int(match.group(4))
            period = Period(f"{year}H{h}", "half", year, (h - 1) * 6 + 1, 6)
        else:
            period = Period(str(year), "year", year, 1, 12)
    if period is None or period.kind not in kinds:
        raise ValidationFailed(
            _("期间“%(p)s”格式无效，应为月份如2026-11、季度如2026Q4、半年如2026H2或年度如2026。")
            % {"p": code},
            code="staffing.bad_period",
            field="period",
        )
    return period


def month_of(day: dt.date) -> Period:
    return period_parse(f"{day.year}-{day.month:02d}")


def previous_month(day: dt.date) -> Period:
    return month_of(day.replace(day=1) - dt.timedelta(days=1))
