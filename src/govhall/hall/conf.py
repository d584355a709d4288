"""The appointment rules' numbers: RULES.md "Hall" by default, overridable in settings.

Read on every call (never at import), so a test's ``settings`` fixture and a deployment's
environment both take effect. The rules themselves (not the same day, working days) are fixed.
"""

from dataclasses import dataclass

from django.conf import settings

DEFAULTS = {
    "GOVHALL_HALL_MAX_WORKDAYS_AHEAD": 5,  # RULES.md: ≤ 5 working days ahead
    "GOVHALL_HALL_CANCEL_HOURS": 2,  # RULES.md: cancel ≥ 2 hours ahead
    "GOVHALL_HALL_NO_SHOW_LIMIT": 3,  # no-shows within the window below that block booking …
    "GOVHALL_HALL_NO_SHOW_WINDOW_DAYS": 90,
    "GOVHALL_HALL_BLOCK_DAYS": 30,  # … for this many days
    "GOVHALL_HALL_ON_TIME_MINUTES": 15,  # arrival ≤ slot start + 15 min counts as on time
    "GOVHALL_HALL_REMINDER_HOUR": 16,  # the reminder SMS goes out the day before from this hour
}


@dataclass(frozen=True)
class HallRules:
    max_workdays_ahead: int
    cancel_hours: int
    no_show_limit: int
    no_show_window_days: int
    block_days: int
    on_time_minutes: int
    reminder_hour: int


def rules() -> HallRules:
    def get(name: str) -> int:
        value = getattr(settings, name, DEFAULTS[name])
        if not isinstance(value, int) or value < 0:
            raise ValueError(f"{name} must be a non-negative integer, not {value!r}")
        return value

    return HallRules(
        max_workdays_ahead=get("GOVHALL_HALL_MAX_WORKDAYS_AHEAD"),
        cancel_hours=get("GOVHALL_HALL_CANCEL_HOURS"),
        no_show_limit=max(get("GOVHALL_HALL_NO_SHOW_LIMIT"), 1),
        no_show_window_days=get("GOVHALL_HALL_NO_SHOW_WINDOW_DAYS"),
        block_days=get("GOVHALL_HALL_BLOCK_DAYS"),
        on_time_minutes=get("GOVHALL_HALL_ON_TIME_MINUTES"),
        reminder_hour=min(get("GOVHALL_HALL_REMINDER_HOUR"), 23),
    )
