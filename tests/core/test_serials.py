"""Daily serial numbers: case numbers and queue tickets (RULES.md "Hall": prefix + 3 digits)."""

from datetime import date, datetime

import pytest
from django.db import transaction
from django.utils import timezone

from govhall.core.errors import ValidationFailed
from govhall.core.models import SerialCounter
from govhall.core.serials import (
    SerialsExhausted,
    case_number,
    current_serial,
    next_serial,
    ticket_number,
)

DAY = date(2026, 11, 26)
NEXT_DAY = date(2026, 11, 27)

pytestmark = pytest.mark.django_db


def test_next_serial_counts_from_one_without_gaps():
    assert [next_serial(scope="demo", day=DAY) for _ in range(5)] == [1, 2, 3, 4, 5]
    assert current_serial(scope="demo", day=DAY) == 5
    assert SerialCounter.objects.get(scope="demo", day=DAY).value == 5


def test_scopes_and_days_count_apart():
    next_serial(scope="a", day=DAY)
    next_serial(scope="a", day=DAY)
    assert next_serial(scope="b", day=DAY) == 1
    assert next_serial(scope="a", day=NEXT_DAY) == 1  # restarts daily
    assert next_serial(scope="a", day=DAY) == 3


def test_rolled_back_number_is_handed_out_again():
    """The bump belongs to the caller's transaction, so committed numbers have no gaps."""
    with transaction.atomic():
        assert next_serial(scope="rb", day=DAY) == 1
    with pytest.raises(RuntimeError), transaction.atomic():
        assert next_serial(scope="rb", day=DAY) == 2
        raise RuntimeError("caller fails after taking a number")
    assert next_serial(scope="rb", day=DAY) == 2


def test_case_number_format():
    assert case_number(site_code="QL", day=DAY) == "QL2026112600001"
    assert case_number(site_code="QL", day=DAY) == "QL2026112600002"
    assert case_number(site_code="HX01", day=DAY) == "HX012026112600001"
    assert case_number(site_code="QL", day=NEXT_DAY) == "QL2026112700001"


def test_ticket_number_format_and_daily_restart():
    assert ticket_number(prefix="A", window_or_hall_scope="hall-1", day=DAY) == "A001"
    assert ticket_number(prefix="A", window_or_hall_scope="hall-1", day=DAY) == "A002"
    assert ticket_number(prefix="VB", window_or_hall_scope="hall-1", day=DAY) == "VB001"
    assert ticket_number(prefix="A", window_or_hall_scope="hall-2", day=DAY) == "A001"
    assert ticket_number(prefix="A", window_or_hall_scope="hall-1", day=NEXT_DAY) == "A001"


def test_ticket_numbers_exhaust_after_999_and_counter_stays():
    numbers = [ticket_number(prefix="C", window_or_hall_scope="hall-1", day=DAY) for _ in range(999)]
    assert numbers[0] == "C001"
    assert numbers[-1] == "C999"
    assert len(set(numbers)) == 999
    with pytest.raises(SerialsExhausted) as info:
        ticket_number(prefix="C", window_or_hall_scope="hall-1", day=DAY)
    assert info.value.code == "serials.exhausted"
    assert "已取完" in info.value.message
    assert current_serial(scope="ticket:hall-1:C", day=DAY) == 999
    # Other prefixes and the next day are not affected.
    assert ticket_number(prefix="D", window_or_hall_scope="hall-1", day=DAY) == "D001"
    assert ticket_number(prefix="C", window_or_hall_scope="hall-1", day=NEXT_DAY) == "C001"


def test_next_serial_maximum():
    assert next_serial(scope="m", day=DAY, maximum=2) == 1
    assert next_serial(scope="m", day=DAY, maximum=2) == 2
    with pytest.raises(SerialsExhausted):
        next_serial(scope="m", day=DAY, maximum=2)
    assert current_serial(scope="m", day=DAY) == 2


@pytest.mark.parametrize(
    ("site_code", "fragment"),
    [("ql", "大写"), ("", "1 至 8 位"), ("ABCDEFGHI", "1 至 8 位"), ("Q-L", "大写"), (None, "大写")],
)
def test_case_number_rejects_bad_site_code(site_code, fragment):
    with pytest.raises(ValidationFailed) as info:
        case_number(site_code=site_code, day=DAY)
    assert info.value.code == "serials.invalid_site_code"
    assert fragment in info.value.message
    assert SerialCounter.objects.count() == 0


@pytest.mark.parametrize("prefix", ["a", "", "ABC", "A1", "1", None])
def test_ticket_number_rejects_bad_prefix(prefix):
    ticket_number(prefix="A", window_or_hall_scope="hall-1", day=DAY)
    with pytest.raises(ValidationFailed) as info:
        ticket_number(prefix=prefix, window_or_hall_scope="hall-1", day=DAY)
    assert info.value.code == "serials.invalid_prefix"
    assert "号票前缀须为 1 至 2 位大写字母" in info.value.message
    assert list(SerialCounter.objects.values_list("scope", "value")) == [("ticket:hall-1:A", 1)]


def test_ticket_number_rejects_blank_scope():
    with pytest.raises(ValidationFailed) as info:
        ticket_number(prefix="A", window_or_hall_scope="  ", day=DAY)
    assert info.value.code == "serials.invalid_scope"
    assert SerialCounter.objects.count() == 0


@pytest.mark.parametrize(
    ("scope", "day", "code"),
    [
        ("", DAY, "serials.invalid_scope"),
        ("x" * 65, DAY, "serials.invalid_scope"),
        ("ok", datetime(2026, 11, 26, 9, 0, tzinfo=timezone.get_current_timezone()), "serials.invalid_day"),
        ("ok", "2026-11-26", "serials.invalid_day"),
    ],
)
def test_next_serial_rejects_bad_input(scope, day, code):
    next_serial(scope="ok", day=DAY)
    with pytest.raises(ValidationFailed) as info:
        next_serial(scope=scope, day=day)
    assert info.value.code == code
    assert info.value.message  # a Chinese message for the page
    assert list(SerialCounter.objects.values_list("scope", "value")) == [("ok", 1)]
