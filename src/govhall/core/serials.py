"""Gap-free daily serial numbers: case numbers and queue tickets.

One row of ``core.SerialCounter`` per (scope, day) is bumped by a single
``INSERT … ON CONFLICT DO UPDATE … RETURNING`` statement (PostgreSQL ≥ 9.5, SQLite ≥ 3.35).
Why one statement rather than read-then-write: two workers reading the same value would hand out
the same number. On PostgreSQL the conflicting row is locked until the caller's transaction ends,
so a second caller waits and then sees the committed value; on SQLite the database has a single
writer (settings open transactions with BEGIN IMMEDIATE).

Unlike a database sequence the bump is part of the caller's transaction: if the caller rolls back,
the number is handed out again, so the numbers of committed work have no gaps.
"""

import re
from datetime import date, datetime

from django.db import connection
from django.utils.translation import gettext as _

from govhall.core.errors import DomainError, ValidationFailed
from govhall.core.models import SerialCounter

SCOPE_MAX_LENGTH = SerialCounter._meta.get_field("scope").max_length
CASE_SERIAL_DIGITS = 5
TICKET_SERIAL_DIGITS = 3  # RULES.md "Hall": prefix + 3 digits, restart daily

_SITE_CODE_RE = re.compile(r"[A-Z0-9]{1,8}")
_TICKET_PREFIX_RE = re.compile(r"[A-Z]{1,2}")


class SerialsExhausted(DomainError):
    """Every number of the day's range for the scope is used; the counter is left unchanged."""

    code = "serials.exhausted"
    http_status = 409


def _bump_sql() -> str:
    # Identifiers come from the model's metadata, never from input; values are bound parameters.
    table = connection.ops.quote_name(SerialCounter._meta.db_table)
    return (
        f"INSERT INTO {table} (scope, day, value) VALUES (%s, %s, 1) "  # noqa: S608
        f"ON CONFLICT (scope, day) DO UPDATE SET value = {table}.value + 1 "
        f"WHERE {table}.value < %s "
        "RETURNING value"
    )


def _check_scope_and_day(scope: str, day: date) -> None:
    if not isinstance(scope, str) or not scope.strip():
        raise ValidationFailed(_("编号范围不能为空。"), code="serials.invalid_scope", field="scope")
    if len(scope) > SCOPE_MAX_LENGTH:
        raise ValidationFailed(
            _("编号范围不能超过 %(n)d 个字符。") % {"n": SCOPE_MAX_LENGTH},
            code="serials.invalid_scope",
            field="scope",
        )
    # datetime is a subclass of date; a datetime here would hide a time-zone mistake.
    if not isinstance(day, date) or isinstance(day, datetime):
        raise ValidationFailed(_("编号日期必须是日期（不含时间）。"), code="serials.invalid_day", field="day")


def next_serial(*, scope: str, day: date, maximum: int | None = None) -> int:
    """Return the next number (1, 2, …) for ``scope`` on ``day``.

    Works inside or outside the caller's transaction: it is one statement, so it needs no savepoint.
    With ``maximum``, raises ``SerialsExhausted`` once ``maximum`` has been handed out, and the
    counter stays at ``maximum``.
    """
    _check_scope_and_day(scope, day)
    limit = maximum if maximum is not None else 2**31 - 1  # PositiveIntegerField upper bound
    params = [scope, connection.ops.adapt_datefield_value(day), limit]
    with connection.cursor() as cursor:
        cursor.execute(_bump_sql(), params)
        row = cursor.fetchone()
    if row is None:  # the conflicting row was not updated: value already at the limit
        raise SerialsExhausted(
            _("%(day)s 的编号（%(scope)s）已用完，最多 %(n)d 个。")
            % {"day": day.isoformat(), "scope": scope, "n": limit},
            scope=scope,
            day=day.isoformat(),
        )
    return int(row[0])


def current_serial(*, scope: str, day: date) -> int:
    """The last number handed out for ``scope`` on ``day`` (0 when none); a read, no bump."""
    _check_scope_and_day(scope, day)
    value = SerialCounter.objects.filter(scope=scope, day=day).values_list("value", flat=True).first()
    return int(value or 0)


def case_number(*, site_code: str, day: date) -> str:
    """Site code + YYYYMMDD + 5-digit daily serial, e.g. ``QL2026112600001``."""
    if not isinstance(site_code, str) or not _SITE_CODE_RE.fullmatch(site_code):
        raise ValidationFailed(
            _("中心编码须为 1 至 8 位大写字母或数字。"), code="serials.invalid_site_code", field="site_code"
        )
    serial = next_serial(scope=f"case:{site_code}", day=day, maximum=10**CASE_SERIAL_DIGITS - 1)
    return f"{site_code}{day:%Y%m%d}{serial:0{CASE_SERIAL_DIGITS}d}"


def ticket_number(*, prefix: str, window_or_hall_scope: str, day: date) -> str:
    """Queue ticket: prefix + 3 digits, restarting daily (RULES.md "Hall"), e.g. ``A001``.

    The counter is per hall or window scope and per prefix, so "A" and "B" queues count apart.
    After 999 tickets of a day raises ``SerialsExhausted`` (code ``serials.exhausted``).
    """
    if not isinstance(prefix, str) or not _TICKET_PREFIX_RE.fullmatch(prefix):
        raise ValidationFailed(
            _("号票前缀须为 1 至 2 位大写字母。"), code="serials.invalid_prefix", field="prefix"
        )
    if not isinstance(window_or_hall_scope, str) or not window_or_hall_scope.strip():
        raise ValidationFailed(
            _("号票所属大厅或窗口不能为空。"), code="serials.invalid_scope", field="window_or_hall_scope"
        )
    scope = f"ticket:{window_or_hall_scope}:{prefix}"
    try:
        serial = next_serial(scope=scope, day=day, maximum=10**TICKET_SERIAL_DIGITS - 1)
    except SerialsExhausted as error:
        raise SerialsExhausted(
            _("%(day)s 前缀为 %(prefix)s 的号票已取完（每日最多 999 张）。")
            % {"day": day.isoformat(), "prefix": prefix},
            scope=scope,
            day=day.isoformat(),
        ) from error
    return f"{prefix}{serial:0{TICKET_SERIAL_DIGITS}d}"
