"""Examples for the identity-number checks: every rejection names its reason in Chinese."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from govhall.core.identity import check_mobile, check_ric, check_uscc, ric_birth_date

SHANGHAI = ZoneInfo("Asia/Shanghai")


# --- resident ID -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "11010519491231002X",  # the GB 11643 example
        "440306199003071232",
        "33010220000229004X",  # born on a leap day
        "810000199408230021",  # Hong Kong residence permit
        "911034197602030065",  # 2023 foreign permanent residence ID
    ],
)
def test_valid_resident_ids_pass(value):
    result = check_ric(value)
    assert result.valid, result.reason
    assert result.reason == "有效"
    assert result.normalized == value


def test_lower_case_x_and_spaces_are_normalised():
    result = check_ric(" 110105 19491231 002x ")
    assert result.valid
    assert result.normalized == "11010519491231002X"


def test_birth_date_is_read_from_the_number():
    assert ric_birth_date("440306199003071232").isoformat() == "1990-03-07"
    assert ric_birth_date("440306199003071233") is None


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "身份证号码不能为空"),
        ("11010519491231002", "长度应为18位，实际为17位"),
        ("11010519491231002X1", "长度应为18位，实际为19位"),
        ("110105491231002", "15位一代身份证号码已停止使用，请使用18位二代居民身份证号码"),
        ("1101051949123100AX", "前17位只能是数字"),
        ("11010519491231002Y", "第18位校验码只能是数字或X"),
        ("110105194912310021", "校验码错误，应为X"),
        ("440306199003071230", "校验码错误，应为2"),
        ("000000199003071232", "地址码前两位“00”不是有效的省级行政区划代码"),
        ("990306199003071232", "外国人永久居留身份证的受理地代码“90”无效"),
        ("811000199408230021", "港澳台居民居住证的地址码应为810000"),
        ("440306199002301232", "出生日期无效：19900230"),
        ("440306199013071232", "出生日期无效：19901307"),
        ("33010219000229004X", "出生日期无效：19000229"),  # 1900 was not a leap year
    ],
)
def test_invalid_resident_ids_name_the_reason(value, reason):
    result = check_ric(value)
    assert not result.valid
    assert result.reason == reason
    assert result.birth_date is None


@time_machine.travel(datetime(2026, 3, 1, 12, 0, tzinfo=SHANGHAI), tick=False)
def test_birth_date_in_the_future_is_rejected():
    assert check_ric("110105202603010012").valid  # born today
    result = check_ric("110105202603020018")  # born tomorrow
    assert not result.valid
    assert result.reason == "出生日期晚于今天"


@time_machine.travel(datetime(2026, 3, 1, 17, 0, tzinfo=ZoneInfo("UTC")), tick=False)
def test_today_is_the_date_in_china_not_in_utc():
    # 17:00 UTC on 1 March is already 01:00 on 2 March in Beijing.
    assert check_ric("110105202603020018").valid


@time_machine.travel(datetime(2026, 3, 1, 12, 0, tzinfo=SHANGHAI), tick=False)
def test_absurdly_old_birth_date_is_rejected():
    result = check_ric("110105189001010011")
    assert not result.valid
    assert result.reason == "出生日期早于1896年，不合理"


# --- unified social credit code --------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "9144030071526726XG",  # an enterprise in Shenzhen
        "91350100M000100Y43",
        "91110000600037341L",
        "12100000400000624D",  # a public institution registered at national level
        "521100005000015400",  # a private non-enterprise unit
        "Y1110105MA01C6UQ06",  # letter-led: other registration department
        "N2110105MA0000000E",  # letter-led: rural collective economic organisation
        "A1100000MA0000000C",  # letter-led: military public institution
        "31110000400834282L",  # a law firm
    ],
)
def test_valid_credit_codes_pass(value):
    result = check_uscc(value)
    assert result.valid, result.reason
    assert result.normalized == value


def test_lower_case_credit_code_is_normalised():
    result = check_uscc("9144030071526726xg")
    assert result.valid
    assert result.normalized == "9144030071526726XG"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "统一社会信用代码不能为空"),
        ("9144030071526726X", "长度应为18位，实际为17位"),
        ("9144030071526726XI", "含有非法字符“I”（代码只用数字和除I、O、Z、S、V以外的大写字母）"),
        ("91440300O1526726XG", "含有非法字符“O”（代码只用数字和除I、O、Z、S、V以外的大写字母）"),
        ("0144030071526726XG", "第1位登记管理部门代码“0”无效"),
        ("B144030071526726XG", "第1位登记管理部门代码“B”无效"),
        ("9444030071526726XG", "第2位机构类别代码“4”对登记管理部门“工商”无效，应为1、2、3之一"),
        ("5444030071526726XG", "第2位机构类别代码“4”对登记管理部门“民政”无效，应为1、2、3、9之一"),
        ("Y244030071526726XG", "第2位机构类别代码“2”对登记管理部门“其他”无效，应为1之一"),
        ("91A4030071526726XG", "第3至8位登记管理机关行政区划码应为6位数字"),
        ("91990300715267260G", "第3至8位登记管理机关行政区划码“990300”无效"),
        ("9144030071526726XH", "校验码错误，应为G"),
    ],
)
def test_invalid_credit_codes_name_the_reason(value, reason):
    result = check_uscc(value)
    assert not result.valid
    assert result.reason == reason


# --- mobile numbers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "13812345678",
        "+8613812345678",
        "+86 138 1234 5678",
        "86-138-1234-5678",
        "008613812345678",
        "138-1234-5678",
    ],
)
def test_mobile_spellings_normalise_to_eleven_digits(value):
    result = check_mobile(value)
    assert result.valid, result.reason
    assert result.normalized == "13812345678"


@pytest.mark.parametrize("value", ["19912345678", "16612345678", "17012345678", "14512345678", "15012345678"])
def test_allocated_mobile_blocks_pass(value):
    assert check_mobile(value).valid


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "手机号码不能为空"),
        ("1381234567", "手机号码应为11位数字，实际为10位"),
        ("138123456789", "手机号码应为11位数字，实际为12位"),
        ("1381234567a", "手机号码只能包含数字"),
        ("23812345678", "手机号码应以1开头"),
        ("12012345678", "号段“1201”不是已分配的手机号段"),
        ("14012345678", "号段“1401”不是已分配的手机号段"),
        ("+1 202 555 0100", "仅支持中国大陆手机号码（+86）"),
        ("+852 9123 4567", "仅支持中国大陆手机号码（+86）"),
        ("01012345678", "手机号码应以1开头"),  # a Beijing landline
    ],
)
def test_invalid_mobiles_name_the_reason(value, reason):
    result = check_mobile(value)
    assert not result.valid
    assert result.reason == reason


def test_full_width_input_from_chinese_keyboards_is_normalised():
    assert check_ric("１１０１０５１９４９１２３１００２ｘ").normalized == "11010519491231002X"
    assert check_uscc("９１３５０１００Ｍ０００１００Ｙ４３").normalized == "91350100M000100Y43"
    assert check_mobile("（＋８６）１３８－１２３４－５６７８").normalized == "13812345678"


@pytest.mark.parametrize("value", ["٤٤٠٣٠٦١٩٩٠٠٣٠٧١٢٣٢", "44030619900307123²"])
def test_digits_of_other_scripts_are_not_digits(value):
    assert not check_ric(value).valid
