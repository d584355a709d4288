"""Supervision reads: the period figures that grading scores, and the supervisor dashboard.

Every figure is one set-based query grouped by unit (GROUP BY), never a Python loop over cases.
Working days used are computed inside the database from the stored clock columns (ADR 0010,
ADR 0003): a workday clock's deadline already carries its pauses, ``W(due) = W(origin) + budget +
paused`` on the working-time line W, so the time a stopped clock consumed is

    used = max(W(stop) − W(origin), 0) − (W(due) − W(origin) − budget)

— the same number ``cases.clocks.summary(case, at)["used"]`` gives for one case. W is read from the
calendar table's cumulative working-day count (a window function over a few thousand rows) joined
on each instant's local date. Clocks in natural days or hours have no working-day measure: they
count in the on-time rate and not in the averages.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import Count, F, Q
from django.utils import timezone

from govhall.cases.models import Case, CaseStep, StepTask
from govhall.cases.states import OPEN_STATES, CaseState, TaskState
from govhall.catalog.models import ItemVersion, ServiceItem
from govhall.core import workdays
from govhall.core.models import CalendarDay
from govhall.org.models import Site, Staff
from govhall.supervision.models import ClearKind, ClockWatch, Level, Rule, Warning

DAY_SECONDS = 86_400
LEVELS = ("department", "window", "person", "site")


# --- period figures -------------------------------------------------------------------------------


@dataclass
class Figures:
    """The raw facts of one unit in one period (sums, so that sites can be added up)."""

    concluded: int = 0  # cases concluded in the period (for a person: step tasks signed)
    timed: int = 0  # of those, with a promised deadline (the on-time rate's denominator)
    on_time: int = 0  # concluded_at ≤ promised_due_at (a person: done_at ≤ the step's due_at)
    measured: int = 0  # with a working-day clock: counted in the averages below
    used_seconds: int = 0  # working time consumed, summed over ``measured``
    promised_seconds: int = 0  # promised budget (with extensions), summed over ``measured``
    yellow: int = 0  # yellow cards raised in the period (removed ones excluded)
    red: int = 0  # red cards raised in the period (removed ones excluded)
    anomalies: int | None = None  # None: the source does not exist yet (see ``notes``)
    orders_overdue: int | None = None
    bad_ratings: int | None = None
    complaints: int | None = None

    COUNTS = (
        "concluded",
        "timed",
        "on_time",
        "measured",
        "used_seconds",
        "promised_seconds",
        "yellow",
        "red",
    )
    OPTIONAL = ("anomalies", "orders_overdue", "bad_ratings", "complaints")

    def add(self, other: Figures) -> None:
        for name in self.COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in self.OPTIONAL:
            mine, theirs = getattr(self, name), getattr(other, name)
            if theirs is not None:
                setattr(self, name, (mine or 0) + theirs)

    @property
    def active(self) -> bool:
        optional = sum(getattr(self, n) or 0 for n in self.OPTIONAL)
        return bool(self.concluded or self.yellow or self.red or optional)


def _local_date(column: str) -> tuple[str, list]:
    """SQL for the local date of a timestamp column (the database converts the time zone)."""
    sql, params = connection.ops.datetime_cast_date_sql(column, (), settings.TIME_ZONE)
    return sql, list(params)


def _local_seconds(column: str) -> tuple[str, list]:
    """SQL for the seconds since local midnight of a timestamp column."""
    parts, params = [], []
    for unit, factor in (("hour", 3600), ("minute", 60), ("second", 1)):
        sql, p = connection.ops.datetime_extract_sql(unit, column, (), settings.TIME_ZONE)
        parts.append(f"CAST({sql} AS INTEGER) * {factor}")
        params.extend(p)
    return " + ".join(parts), params


def _json_text(column: str, key: str) -> str:
    if connection.vendor == "postgresql":
        return f"({column} ->> '{key}')"
    return f"json_extract({column}, '$.{key}')"


def _numeric(sql: str) -> str:
    return f"CAST({sql} AS {'numeric' if connection.vendor == 'postgresql' else 'REAL'})"


# The timed rows of a level: unit, stop instant, deadline, budget (working days) and its unit, start.
# Case clocks: the promised clock of cases concluded in the period; persons: their signed tasks.
_CASE_UNITS = {"department": "i.department_id", "window": "c.window_id", "site": "c.site_id"}


def _case_rows(level: str) -> tuple[str, list]:
    # Statements are built from table names, column names and constants; values are bound.
    version = _json_text("v.snapshot", "promised_limit")
    # Table names, column names and constants only; every value is a bound parameter.
    sql = f"""
        SELECT {_CASE_UNITS[level]} AS unit_id, c.concluded_at AS stop_at, c.promised_due_at AS due_at,
               {_numeric(version)} + c.extension_workdays AS budget,
               {_json_text("v.snapshot", "promised_limit_unit")} AS budget_unit, c.accepted_at AS start_at
          FROM {Case._meta.db_table} c
          JOIN {ItemVersion._meta.db_table} v ON v.id = c.item_version_id
          JOIN {ServiceItem._meta.db_table} i ON i.id = c.item_id
         WHERE c.concluded_at >= %s AND c.concluded_at < %s AND {_CASE_UNITS[level]} IS NOT NULL"""  # noqa: S608
    return sql, []


def _task_rows() -> tuple[str, list]:
    sql = f"""
        SELECT t.done_by_id AS unit_id, t.done_at AS stop_at, s.due_at AS due_at, s."limit" AS budget,
               s.limit_unit AS budget_unit, s.started_at AS start_at
          FROM {StepTask._meta.db_table} t
          JOIN {CaseStep._meta.db_table} s ON s.id = t.step_id
         WHERE t.done_at >= %s AND t.done_at < %s AND t.state = %s AND t.done_by_id IS NOT NULL"""  # noqa: S608
    return sql, [TaskState.DONE]


def _timed_sql(rows_sql: str) -> tuple[str, list]:
    columns = [
        ("stop_d", _local_date("q.stop_at")),
        ("stop_s", _local_seconds("q.stop_at")),
        ("due_d", _local_date("q.due_at")),
        ("due_s", _local_seconds("q.due_at")),
        ("start_d", _local_date("q.start_at")),
    ]
    select = ", ".join(f"{sql} AS {name}" for name, (sql, _p) in columns)
    params = [p for _name, (_sql, ps) in columns for p in ps]

    def w(alias: str, secs: str) -> str:  # the working-time line, in seconds
        return f"(({alias}.cum - {alias}.f) * {DAY_SECONDS} + {alias}.f * ({secs}))"

    origin = f"(a.cum * {DAY_SECONDS})"  # 00:00 after the start day (民法典 Art. 201)
    used = (
        f"(CASE WHEN {w('s', 'r.stop_s')} > {origin} THEN {w('s', 'r.stop_s')} - {origin} ELSE 0 END)"
        f" - ({w('e', 'r.due_s')} - {origin} - r.budget * {DAY_SECONDS})"
    )
    measured = "(r.budget_unit = 'workday' AND s.d IS NOT NULL AND e.d IS NOT NULL AND a.d IS NOT NULL)"
    sql = f"""
        WITH cal AS (
            SELECT date AS d, CASE WHEN is_workday THEN 1 ELSE 0 END AS f,
                   SUM(CASE WHEN is_workday THEN 1 ELSE 0 END) OVER (ORDER BY date) AS cum
              FROM {CalendarDay._meta.db_table}
        ),
        r AS (
            SELECT q.*, {select}
              FROM ({rows_sql}) q
        )
        SELECT r.unit_id, COUNT(*),
               SUM(CASE WHEN r.due_at IS NOT NULL THEN 1 ELSE 0 END),
               SUM(CASE WHEN r.stop_at <= r.due_at THEN 1 ELSE 0 END),
               SUM(CASE WHEN {measured} THEN 1 ELSE 0 END),
               SUM(CASE WHEN {measured} THEN {used} ELSE 0 END),
               SUM(CASE WHEN {measured} THEN r.budget * {DAY_SECONDS} ELSE 0 END)
          FROM r
          LEFT JOIN cal s ON s.d = r.stop_d
          LEFT JOIN cal e ON e.d = r.due_d
          LEFT JOIN cal a ON a.d = r.start_d
         GROUP BY r.unit_id"""  # noqa: S608
    # The local-time parameters come before the rows' own (they sit in the SELECT list before FROM).
    return sql, params


def timed_figures(level: str, start: dt.datetime, end: dt.datetime) -> dict[int, Figures]:
    """On-time counts and working days used per unit, for clocks stopped in [start, end)."""
    rows_sql, rows_params = _task_rows() if level == "person" else _case_rows(level)
    sql, local_params = _timed_sql(rows_sql)
    result: dict[int, Figures] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [*local_params, start, end, *rows_params])
        for unit, concluded, timed, on_time, measured, used, promised in cursor.fetchall():
            result[unit] = Figures(
                concluded=concluded, timed=timed or 0, on_time=on_time or 0, measured=measured or 0,
                used_seconds=round(used or 0), promised_seconds=round(promised or 0),
            )  # fmt: skip
    return result


_CARD_UNITS = {
    "department": "department_id",
    "window": "case__window_id",
    "person": "person_id",
    "site": "case__site_id",
}


def card_figures(level: str, start: dt.datetime, end: dt.datetime) -> dict[int, tuple[int, int]]:
    """(yellow, red) cards raised in [start, end) per unit; a card a supervisor removed (摘牌, with
    a reason) does not count."""
    unit = _CARD_UNITS[level]
    rows = (
        Warning.objects.filter(raised_at__gte=start, raised_at__lt=end, **{f"{unit}__isnull": False})
        .exclude(clear_kind=ClearKind.REMOVED)
        .values(unit)
        .annotate(
            yellow=Count("id", filter=Q(level=Level.YELLOW)), red=Count("id", filter=Q(level=Level.RED))
        )
        .order_by()
    )
    return {row[unit]: (row["yellow"], row["red"]) for row in rows}


def site_ancestors() -> dict[int, list[int]]:
    """Each site with itself and every site above it (centre → township → station: a few levels)."""
    parents = dict(Site.objects.values_list("id", "parent_id"))
    chains = {}
    for site_id in parents:
        chain, current = [], site_id
        while current is not None and current not in chain:
            chain.append(current)
            current = parents.get(current)
        chains[site_id] = chain
    return chains


def roll_up(figures: dict[int, Figures]) -> dict[int, Figures]:
    """A site's figures plus those of every site under it (the loop is over sites, not cases)."""
    total: dict[int, Figures] = {}
    chains = site_ancestors()
    for site_id, own in figures.items():
        for ancestor in chains.get(site_id, [site_id]):
            total.setdefault(ancestor, Figures()).add(own)
    return total


# --- the dashboard --------------------------------------------------------------------------------


def state_counts() -> dict[str, int]:
    """Open cases by state (the Art. 32 window or a clock running)."""
    rows = Case.objects.filter(state__in=OPEN_STATES).values("state").annotate(n=Count("id")).order_by()
    counts = {row["state"]: row["n"] for row in rows}
    return {state: counts.get(state, 0) for state in CaseState.values if state in OPEN_STATES}


def colour_counts() -> dict[str, dict[str, int]]:
    """Clocks that are yellow or red now, by clock (rule) and colour, from the sweep's state."""
    counts = {rule: {Level.YELLOW: 0, Level.RED: 0} for rule in Rule.values}
    for row in ClockWatch.objects.values("rule", "level").annotate(n=Count("id")).order_by():
        counts.setdefault(row["rule"], {})[row["level"]] = row["n"]
    return counts


def cases_by_colour() -> dict[str, int]:
    """Distinct cases with at least one red clock, and with a yellow one but none red."""
    red = ClockWatch.objects.filter(level=Level.RED).values("case_id").distinct().count()
    yellow_ids = ClockWatch.objects.filter(level=Level.YELLOW).values("case_id")
    red_ids = ClockWatch.objects.filter(level=Level.RED).values("case_id")
    yellow = (
        ClockWatch.objects.filter(case_id__in=yellow_ids)
        .exclude(case_id__in=red_ids)
        .values("case_id")
        .distinct()
        .count()
    )
    return {Level.RED: red, Level.YELLOW: yellow}


def clock_list(level: str, *, limit: int = 100) -> tuple[list[ClockWatch], int]:
    """The clocks of one colour, most urgent first (earliest deadline), with the total count."""
    qs = ClockWatch.objects.filter(level=level)
    rows = list(
        qs.select_related(
            "case", "case__item", "case__item__department", "case__site", "step", "step__department"
        ).order_by("due_at", "id")[:limit]
    )
    return rows, qs.count()


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def weekly_trends(now: dt.datetime, *, weeks: int = 12) -> list[dict]:
    """Cases received, concluded and fallen overdue per week (Monday to Sunday, local time), for
    the ``weeks`` weeks ending with the current one: one query with a filtered count per cell.

    Overdue in a week: the promised deadline passed during that week (and before ``now``) while the
    clock was still running. A clock paused now has no deadline column and is not counted.
    """
    first = week_start(timezone.localdate(now)) - dt.timedelta(weeks=weeks - 1)
    bounds = [workdays.midnight(first + dt.timedelta(weeks=i)) for i in range(weeks + 1)]
    running_at_due = Q(clock_stopped_at__isnull=True) | Q(clock_stopped_at__gt=F("promised_due_at"))
    aggregates = {}
    for i in range(weeks):
        low, high = bounds[i], bounds[i + 1]
        aggregates[f"r{i}"] = Count("id", filter=Q(received_at__gte=low, received_at__lt=high))
        aggregates[f"c{i}"] = Count("id", filter=Q(concluded_at__gte=low, concluded_at__lt=high))
        aggregates[f"o{i}"] = Count(
            "id",
            filter=Q(promised_due_at__gte=low, promised_due_at__lt=min(high, now)) & running_at_due,
        )
    scope = Q(received_at__gte=bounds[0]) | Q(concluded_at__gte=bounds[0]) | Q(promised_due_at__gte=bounds[0])
    totals = Case.objects.filter(scope).aggregate(**aggregates)
    return [
        {
            "week": (first + dt.timedelta(weeks=i)).isoformat(),
            "received": totals[f"r{i}"],
            "concluded": totals[f"c{i}"],
            "overdue": totals[f"o{i}"],
        }
        for i in range(weeks)
    ]


def to_days(seconds: int | Decimal) -> Decimal:
    return (Decimal(seconds) / DAY_SECONDS).quantize(Decimal("0.01"))


# --- sources that may not exist yet ---------------------------------------------------------------

_tables: dict[tuple, bool] = {}


def _table_ready(model_name: str):
    """The supervision model named, once its table exists (its migration may still be on its way).

    Remembered per database: tables appear with migrations, before the application serves.
    """
    from django.apps import apps

    try:
        model = apps.get_model("supervision", model_name)
    except LookupError:
        return None
    key = (connection.alias, connection.settings_dict["NAME"], model._meta.db_table)
    if not _tables.get(key):
        _tables[key] = model._meta.db_table in connection.introspection.table_names()
    return model if _tables[key] else None


# Anomalies and orders name a department, and a case when they are about one: window and site
# figures follow the case; persons are not named by either (their figure stays None).
_ANOMALY_UNITS = {"department": "department_id", "window": "case__window_id", "site": "case__site_id"}
_ORDER_UNITS = {"department": "unit_id", "window": "case__window_id", "site": "case__site_id"}


def _grouped(qs, unit: str) -> dict[int, int]:
    rows = qs.filter(**{f"{unit}__isnull": False}).values(unit).annotate(n=Count("id")).order_by()
    return {row[unit]: row["n"] for row in rows}


def anomaly_figures(level: str, start: dt.datetime, end: dt.datetime) -> dict[int, int] | None:
    """Anomalies found in [start, end) per unit, except those a supervisor dismissed (排除, with a
    reason): open ones count as well as confirmed ones. None: no such source.

    The overdue and step-overdue anomalies are the facts a red card already stands for: a unit
    answers for them once, through its cards.
    """
    model = _table_ready("Anomaly")
    if model is None or level not in _ANOMALY_UNITS:
        return None
    from govhall.supervision.anomalies import OVERDUE, STEP_OVERDUE

    qs = (
        model.objects.filter(detected_at__gte=start, detected_at__lt=end)
        .exclude(state="dismissed")
        .exclude(rule__code__in=(OVERDUE, STEP_OVERDUE))
    )
    return _grouped(qs, _ANOMALY_UNITS[level])


def order_figures(
    level: str, start: dt.datetime, end: dt.datetime, now: dt.datetime | None = None
) -> dict[int, int] | None:
    """Supervision orders answered late or not at all, per unit: first seen overdue in the period
    (``overdue_at``, kept through a rework), or due in the period and replied after the deadline,
    or due in the period, before ``now``, and still unanswered."""
    model = _table_ready("SupervisionOrder")
    if model is None or level not in _ORDER_UNITS:
        return None
    now = now or timezone.now()
    due_in_period = Q(reply_due_at__gte=start, reply_due_at__lt=end)
    late = (
        Q(overdue_at__gte=start, overdue_at__lt=end)
        | (due_in_period & Q(replied_at__gt=F("reply_due_at")))
        | (due_in_period & Q(reply_due_at__lt=now, state__in=("issued", "returned")))
    )
    return _grouped(model.objects.filter(late), _ORDER_UNITS[level])


def optional_figures(level: str, start: dt.datetime, end: dt.datetime):
    """(figure name, counts per unit or None, the note printed when None) for each optional source."""
    from django.utils.translation import gettext as _

    person = level == "person"
    yield (
        "anomalies",
        anomaly_figures(level, start, end),
        _("异常记录到部门，个人不计异常项。") if person else _("异常办件模块尚未启用，异常项暂按0计。"),
    )
    yield (
        "orders_overdue",
        order_figures(level, start, end),
        _("督办单下达到部门，个人不计督办项。") if person else _("督办模块尚未启用，督办逾期项暂按0计。"),
    )
    yield (
        "bad_ratings",
        rating_figures(level, start, end),
        _("好差评按部门、窗口和个人计，服务场所不计差评项。"),
    )
    yield (
        "complaints",
        complaint_figures(level, start, end),
        _("投诉按部门、窗口和个人计，服务场所不计投诉项。"),
    )


# Ratings and complaints belong to their own contexts (ratings, inquiries); their selectors count
# per department, window or staff member over whole days, so the period's instants become dates.
_RATED_UNITS = {"department": "department", "window": "window", "person": "staff"}


def _days(start: dt.datetime, end: dt.datetime) -> tuple[dt.date, dt.date]:
    return timezone.localtime(start).date(), timezone.localtime(end - dt.timedelta(microseconds=1)).date()


def _per_person(counts: dict[int, int]) -> dict[int, int]:
    """Staff ids → user ids (a person is graded by their user id)."""
    users = dict(Staff.objects.filter(pk__in=list(counts)).values_list("pk", "user_id"))
    result: dict[int, int] = {}
    for staff_id, n in counts.items():
        if staff_id in users:
            result[users[staff_id]] = result.get(users[staff_id], 0) + n
    return result


def rating_figures(level: str, start: dt.datetime, end: dt.datetime) -> dict[int, int] | None:
    """Bad ratings (不满意, 非常不满意) given in the period per unit; None for sites."""
    if level not in _RATED_UNITS:
        return None
    from govhall.ratings.selectors import rating_scores

    first, last = _days(start, end)
    counts = {
        unit: score.bad
        for unit, score in rating_scores(start=first, end=last, by=_RATED_UNITS[level]).items()
    }
    return _per_person(counts) if level == "person" else counts


def complaint_figures(level: str, start: dt.datetime, end: dt.datetime) -> dict[int, int] | None:
    """Complaints upheld (found valid on reply) about the unit in the period; None for sites."""
    if level not in _RATED_UNITS:
        return None
    from govhall.inquiries.selectors import complaint_counts

    first, last = _days(start, end)
    counts = {
        unit: c.upheld for unit, c in complaint_counts(start=first, end=last, by=_RATED_UNITS[level]).items()
    }
    return _per_person(counts) if level == "person" else counts
