"""Money helpers: Decimal only, rounding to the fen, formatting, 人民币大写 on receipts."""

from decimal import Decimal

import pytest

from govhall.core.errors import ValidationFailed
from govhall.core.money import InvalidAmount, format_yuan, to_yuan, yuan_in_words

# Known amounts, most from the People's Bank examples for filling in bills.
WORDS = [
    ("0", "零元整"),
    ("0.00", "零元整"),
    ("1", "壹元整"),
    ("10", "壹拾元整"),
    ("15", "壹拾伍元整"),
    ("100", "壹佰元整"),
    ("1234.50", "壹仟贰佰叁拾肆元伍角整"),
    ("1005.00", "壹仟零伍元整"),
    ("1004.56", "壹仟零肆元伍角陆分"),
    ("1680.32", "壹仟陆佰捌拾元叁角贰分"),
    ("10010.10", "壹万零壹拾元壹角整"),
    ("16409.02", "壹万陆仟肆佰零玖元零贰分"),
    ("325.04", "叁佰贰拾伍元零肆分"),
    ("107000.53", "壹拾万柒仟元伍角叁分"),
    ("100000.01", "壹拾万元零壹分"),
    ("1000700", "壹佰万零柒佰元整"),
    ("100000000", "壹亿元整"),
    ("100000001", "壹亿零壹元整"),
    ("110000000", "壹亿壹仟万元整"),
    ("1000010000", "壹拾亿零壹万元整"),
    ("1000000000000", "壹万亿元整"),
    ("1000100000000", "壹万零壹亿元整"),
    ("0.50", "伍角整"),
    ("0.05", "伍分"),
    ("0.55", "伍角伍分"),
    ("-3.20", "负叁元贰角整"),
    ("-0.00", "零元整"),
    ("9999999999999999.99", "玖仟玖佰玖拾玖万玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
]


@pytest.mark.parametrize(("amount", "words"), WORDS)
def test_yuan_in_words_known_amounts(amount, words):
    assert yuan_in_words(Decimal(amount)) == words


def test_yuan_in_words_rounds_half_up_first():
    assert yuan_in_words("12.345") == "壹拾贰元叁角伍分"
    assert yuan_in_words(7) == "柒元整"


def test_yuan_in_words_refuses_amounts_beyond_range():
    with pytest.raises(InvalidAmount) as info:
        yuan_in_words(Decimal("10000000000000000"))
    assert info.value.code == "money.out_of_range"
    assert "超出" in info.value.message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("1.005"), Decimal("1.01")),  # half-up, not banker's rounding
        (Decimal("2.675"), Decimal("2.68")),
        (Decimal("-1.005"), Decimal("-1.01")),
        ("0.125", Decimal("0.13")),
        (" 12 ", Decimal("12.00")),
        (3, Decimal("3.00")),
        ("1e3", Decimal("1000.00")),
    ],
)
def test_to_yuan_quantizes_half_up(value, expected):
    result = to_yuan(value)
    assert result == expected
    assert result.as_tuple().exponent == -2


@pytest.mark.parametrize("value", [0.1, 1.0, float("nan")])
def test_to_yuan_refuses_floats(value):
    with pytest.raises(TypeError, match="Decimal 或字符串"):
        to_yuan(value)


@pytest.mark.parametrize("value", [True, None, [1]])
def test_to_yuan_refuses_other_types(value):
    with pytest.raises(TypeError, match="金额须为"):
        to_yuan(value)


@pytest.mark.parametrize("value", ["NaN", Decimal("NaN"), "Infinity", Decimal("-Infinity"), "sNaN"])
def test_to_yuan_refuses_nan_and_infinity(value):
    with pytest.raises(InvalidAmount) as info:
        to_yuan(value)
    assert info.value.code == "money.invalid"
    assert "NaN" in info.value.message


@pytest.mark.parametrize("value", ["", "abc", "1,000", "１２"])
def test_to_yuan_refuses_text_that_is_not_a_number(value):
    with pytest.raises(ValidationFailed) as info:
        to_yuan(value)
    assert isinstance(info.value, ValueError)  # plain Python callers can catch ValueError
    assert "不是有效的金额" in info.value.message


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("1234.5", "¥1,234.50"),
        ("0", "¥0.00"),
        ("1000000", "¥1,000,000.00"),
        ("-1234.567", "-¥1,234.57"),
        ("999.999", "¥1,000.00"),
    ],
)
def test_format_yuan(value, text):
    assert format_yuan(value) == text
