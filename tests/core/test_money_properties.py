"""Property test: yuan_in_words against an independent reference written another way.

The reference spells every digit with its unit ("零仟"), collapses zeros with regular expressions
and splits the number recursively at 亿 and 万, where the module walks digits once with a flag.
"""

import re
from decimal import Decimal

from hypothesis import example, given
from hypothesis import strategies as st

from govhall.core.money import format_yuan, to_yuan, yuan_in_words

NUMERALS = dict(zip("0123456789", "零壹贰叁肆伍陆柒捌玖", strict=True))
MAX_CENTS = 10**18 - 1  # 16 integer digits


def _below_ten_thousand(n: int) -> str:
    spelled = "".join(NUMERALS[d] + u for d, u in zip(f"{n:04d}", ("仟", "佰", "拾", ""), strict=True))
    spelled = re.sub("零[仟佰拾]", "零", spelled)
    spelled = re.sub("零+", "零", spelled)
    return spelled.strip("零")


def _reference_integer(n: int) -> str:
    # A lower part without its leading digit (千万 for 亿, 千 for 万) is read with 零.
    for base, unit in ((10**8, "亿"), (10**4, "万")):
        if n >= base:
            high, low = divmod(n, base)
            tail = "" if low == 0 else ("零" if low < base // 10 else "") + _reference_integer(low)
            return _reference_integer(high) + unit + tail
    return _below_ten_thousand(n)


def reference_words(cents: int) -> str:
    sign = "负" if cents < 0 else ""
    yuan, jiao, fen = abs(cents) // 100, abs(cents) // 10 % 10, abs(cents) % 10
    if (yuan, jiao, fen) == (0, 0, 0):
        return "零元整"
    parts = [_reference_integer(yuan) + "元"] if yuan else []
    if jiao:
        parts.append(NUMERALS[str(jiao)] + "角")
    elif fen and yuan:
        parts.append("零")
    parts.append(NUMERALS[str(fen)] + "分" if fen else "整")
    return sign + "".join(parts)


cents_strategy = st.one_of(
    st.integers(min_value=-MAX_CENTS, max_value=MAX_CENTS),
    st.integers(min_value=0, max_value=10**8),
    # Sparse numbers: few non-zero digits, many zeros in the middle.
    st.lists(st.tuples(st.integers(0, 17), st.integers(1, 9)), max_size=4).map(
        lambda pairs: min(MAX_CENTS, sum(d * 10**p for p, d in pairs))
    ),
)


@given(cents_strategy)
@example(100000001)
@example(1000100000000 * 100)
@example(-5)
def test_yuan_in_words_matches_reference(cents):
    amount = Decimal(cents).scaleb(-2)
    assert yuan_in_words(amount) == reference_words(cents)


@given(st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), allow_nan=False, places=4))
def test_to_yuan_is_within_half_a_fen_and_idempotent(value):
    rounded = to_yuan(value)
    assert abs(rounded - value) <= Decimal("0.005")
    assert to_yuan(rounded) == rounded
    assert to_yuan(str(value)) == rounded


@given(st.integers(min_value=-MAX_CENTS, max_value=MAX_CENTS))
def test_format_yuan_round_trips(cents):
    amount = Decimal(cents).scaleb(-2)
    text = format_yuan(amount)
    assert Decimal(text.replace("¥", "").replace(",", "")) == amount
