"""Property tests against check-digit implementations written independently here.

The production code uses a weight table and a lookup string; these oracles instead solve the
verification equations of ISO 7064 (the form GB 11643 and GB 32100 state them in) by trying every
candidate check character.
"""

import string
from datetime import date

from hypothesis import assume, given
from hypothesis import strategies as st

from govhall.core.identity import check_mobile, check_ric, check_uscc

# --- independent oracles ---------------------------------------------------------------------


def _powers(base: int, modulus: int, count: int) -> list[int]:
    """[base^(count-1), ..., base^1, base^0] mod modulus, built by repeated multiplication."""
    out, value = [], 1
    for _ in range(count):
        out.append(value)
        value = value * base % modulus
    return out[::-1]


def oracle_ric_check(body17: str) -> str:
    # GB 11643 / ISO 7064 MOD 11-2: sum of a_i * 2^(18-i) over all 18 positions ≡ 1 (mod 11),
    # with the check position's weight 2^0 = 1 and X standing for 10.
    weights = _powers(2, 11, 18)
    partial = sum(int(d) * w for d, w in zip(body17, weights[:17], strict=True))
    for candidate in range(11):
        if (partial + candidate * weights[17]) % 11 == 1:
            return "X" if candidate == 10 else str(candidate)
    raise AssertionError("no check digit")


USCC_CHARS = [c for c in string.digits + string.ascii_uppercase if c not in "IOSVZ"]


def oracle_uscc_check(body17: str) -> str:
    # GB 32100: sum of c_i * 3^(i-1) mod 31 over positions 1..17, plus the check value ≡ 0 (mod 31).
    weights = _powers(3, 31, 17)[::-1]  # 1, 3, 9, ...
    partial = sum(USCC_CHARS.index(ch) * w for ch, w in zip(body17, weights, strict=True))
    return next(c for i, c in enumerate(USCC_CHARS) if (partial + i) % 31 == 0)


# --- generators of valid numbers -------------------------------------------------------------

MAINLAND = [11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46]
MAINLAND += [50, 51, 52, 53, 54, 61, 62, 63, 64, 65]


def _n_digits(n: int):
    return st.text(alphabet=string.digits, min_size=n, max_size=n)


@st.composite
def ric_bodies(draw) -> str:
    kind = draw(st.sampled_from(["resident", "taiwan_province", "permit", "foreign"]))
    if kind == "resident":
        prefix = f"{draw(st.sampled_from(MAINLAND))}{draw(_n_digits(4))}"
    elif kind == "taiwan_province":
        prefix = f"71{draw(_n_digits(4))}"
    elif kind == "permit":
        prefix = f"{draw(st.sampled_from([81, 82, 83]))}0000"
    else:
        prefix = f"9{draw(st.sampled_from(MAINLAND))}{draw(_n_digits(3))}"
    born = draw(st.dates(min_value=date(1930, 1, 1), max_value=date(2020, 12, 31)))
    return prefix + born.strftime("%Y%m%d") + draw(_n_digits(3))


@st.composite
def valid_rics(draw) -> str:
    body = draw(ric_bodies())
    return body + oracle_ric_check(body)


DEPARTMENT_TYPES = ["11", "12", "13", "19", "21", "29", "31", "32", "33", "34", "35", "39", "41", "49"]
DEPARTMENT_TYPES += ["51", "52", "53", "59", "61", "62", "69", "71", "72", "79", "81", "89", "91", "92"]
DEPARTMENT_TYPES += ["93", "A1", "A9", "N1", "N2", "N3", "N9", "Y1"]


@st.composite
def valid_usccs(draw) -> str:
    region = draw(
        st.one_of(
            st.just("100000"),
            st.sampled_from(MAINLAND).map(str).flatmap(lambda p: _n_digits(4).map(lambda rest: p + rest)),
        )
    )
    subject = draw(st.text(alphabet=USCC_CHARS, min_size=9, max_size=9))
    body = draw(st.sampled_from(DEPARTMENT_TYPES)) + region + subject
    return body + oracle_uscc_check(body)


# --- properties ------------------------------------------------------------------------------


def test_oracles_agree_with_published_examples():
    assert oracle_ric_check("11010519491231002") == "X"
    assert oracle_uscc_check("9144030071526726X") == "G"


@given(valid_rics())
def test_every_generated_resident_id_is_valid(value):
    result = check_ric(value)
    assert result.valid, result.reason
    assert result.normalized == value
    assert result.birth_date.strftime("%Y%m%d") == value[6:14]


@given(valid_rics(), st.integers(min_value=0, max_value=17), st.sampled_from(list("0123456789XAx")))
def test_every_single_character_corruption_of_an_id_fails(value, position, replacement):
    corrupted = value[:position] + replacement + value[position + 1 :]
    assume(corrupted.upper() != value)
    assert not check_ric(corrupted).valid


@given(ric_bodies())
def test_exactly_the_oracle_check_digit_is_accepted(body):
    expected = oracle_ric_check(body)
    for candidate in "0123456789X":
        result = check_ric(body + candidate)
        if candidate == expected:
            assert result.valid, result.reason
        else:
            assert result.reason == f"校验码错误，应为{expected}"


@given(valid_usccs())
def test_every_generated_credit_code_is_valid(value):
    result = check_uscc(value)
    assert result.valid, result.reason
    assert check_uscc(value.lower()).normalized == value


@given(valid_usccs(), st.integers(min_value=0, max_value=17), st.sampled_from(USCC_CHARS + list("IOSVZ-")))
def test_every_single_character_corruption_of_a_credit_code_fails(value, position, replacement):
    corrupted = value[:position] + replacement + value[position + 1 :]
    assume(corrupted != value)
    assert not check_uscc(corrupted).valid


@given(st.sampled_from(["130", "135", "138", "150", "177", "186", "189", "199"]), _n_digits(8))
def test_mobiles_in_allocated_blocks_survive_formatting(block, rest):
    number = block + rest
    for spelling in (number, f"+86 {number[:3]} {number[3:7]} {number[7:]}", f"86-{number}"):
        result = check_mobile(spelling)
        assert result.valid, (spelling, result.reason)
        assert result.normalized == number


@given(st.text(max_size=30))
def test_checks_never_crash_and_always_explain(value):
    for check in (check_ric, check_uscc, check_mobile):
        result = check(value)
        assert result.reason
        assert result.valid == (result.reason == "有效")
