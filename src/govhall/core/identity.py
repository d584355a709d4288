"""Checks for the identity numbers the centre accepts: resident ID, credit code, mobile number.

Each check returns a ``CheckResult``: ``valid``, a specific Chinese ``reason`` and the
``normalized`` form to store (upper-case ``X``, no spaces, 11-digit mobiles). Decisions are
recorded in docs/adr/0004-personal-data.md.
"""

import re
from dataclasses import dataclass
from datetime import date

import phonenumbers
from django.utils import timezone
from django.utils.translation import gettext as _

VALID = "有效"

# GB/T 2260 province-level codes; 71 Taiwan; 81/82/83 the HK/Macao/Taiwan residence permits.
PROVINCE_CODES = frozenset(
    {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46}
    | {50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83}
)
MAINLAND_PROVINCE_CODES = frozenset(c for c in PROVINCE_CODES if c < 70)
# 国办发〔2018〕81号: residence permits carry the fixed address codes 810000 / 820000 / 830000.
RESIDENCE_PERMIT_PREFIXES = ("81", "82", "83")
# Older than this is taken as a typing error, not a living applicant.
MAX_AGE_YEARS = 130

# GB 11643-1999 §7.2: weight of position i (1-based from the left) is 2^(18-i) mod 11.
_RIC_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_RIC_CHECK_CHARS = "10X98765432"  # indexed by (sum of products) mod 11

# GB 32100-2015: the 31 code characters (no I, O, Z, S, V) and weights 3^(i-1) mod 31.
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE = {ch: i for i, ch in enumerate(USCC_CHARSET)}
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))

# GB 32100-2015 table 1 and its amendments: registration department → allowed organisation types.
USCC_DEPARTMENTS: dict[str, tuple[str, dict[str, str]]] = {
    "1": ("机构编制", {"1": "机关", "2": "事业单位", "3": "中央编办直接管理机构编制的群众团体", "9": "其他"}),
    "2": ("外交", {"1": "外国常驻新闻机构", "9": "其他"}),
    "3": (
        "司法行政",
        {
            "1": "律师执业机构",
            "2": "公证处",
            "3": "基层法律服务所",
            "4": "司法鉴定机构",
            "5": "仲裁委员会",
            "9": "其他",
        },
    ),
    "4": ("文化", {"1": "外国在华文化中心", "9": "其他"}),
    "5": ("民政", {"1": "社会团体", "2": "民办非企业单位", "3": "基金会", "9": "其他"}),
    "6": (
        "旅游",
        {"1": "外国旅游部门常驻代表机构", "2": "港澳台地区旅游部门常驻内地（大陆）代表机构", "9": "其他"},
    ),
    "7": ("宗教", {"1": "宗教活动场所", "2": "宗教院校", "9": "其他"}),
    "8": ("工会", {"1": "基层工会", "9": "其他"}),
    "9": ("工商", {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"}),
    "A": ("中央军委改革和编制办公室", {"1": "军队事业单位", "9": "其他"}),
    "N": ("农业", {"1": "组级集体经济组织", "2": "村级集体经济组织", "3": "乡镇级集体经济组织", "9": "其他"}),
    "Y": ("其他", {"1": "其他"}),
}
# Bodies registered at national level carry the region code 100000.
USCC_NATIONAL_REGION = "100000"

_SPACES = re.compile(r"\s+")
_SEPARATORS = re.compile(r"[\s\-()]+")
_ASCII_DIGITS = re.compile(r"[0-9]+")
# Full-width forms (１１０１０５…, ＋８６, common from Chinese input methods) → ASCII; nothing else.
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def _clean(value: object, separators: re.Pattern = _SPACES) -> str:
    text = str(value or "").translate(_FULL_WIDTH)
    return separators.sub("", text).upper()


def _digits(text: str) -> bool:
    return bool(_ASCII_DIGITS.fullmatch(text))


@dataclass(frozen=True)
class CheckResult:
    valid: bool
    reason: str
    normalized: str
    birth_date: date | None = None  # resident IDs only

    def __bool__(self) -> bool:
        return self.valid


def _invalid(reason: str, normalized: str = "") -> CheckResult:
    return CheckResult(valid=False, reason=reason, normalized=normalized)


def ric_check_char(body17: str) -> str:
    """The MOD 11-2 check character for the first 17 digits of a resident ID."""
    total = sum(int(ch) * w for ch, w in zip(body17, _RIC_WEIGHTS, strict=True))
    return _RIC_CHECK_CHARS[total % 11]


def uscc_check_char(body17: str) -> str:
    """The MOD 31 check character for the first 17 characters of a credit code."""
    total = sum(_USCC_VALUE[ch] * w for ch, w in zip(body17, _USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


# --- Resident identity card number (GB 11643-1999) -------------------------------------------


def check_ric(value: object) -> CheckResult:
    """Resident ID, HK/Macao/Taiwan residence permit (81/82/83) or 2023 foreign permanent residence ID (9)."""
    text = _clean(value)
    if not text:
        return _invalid(_("身份证号码不能为空"))
    if len(text) == 15 and _digits(text):
        # First-generation IDs lack a check digit and a 4-digit year; the cards stopped being
        # valid on 2013-01-01 (公安部 announcement), so the 18-digit number is asked for, not guessed.
        return _invalid(_("15位一代身份证号码已停止使用，请使用18位二代居民身份证号码"), text)
    if len(text) != 18:
        return _invalid(_("长度应为18位，实际为%(n)d位") % {"n": len(text)}, text)
    if not _digits(text[:17]):
        return _invalid(_("前17位只能是数字"), text)
    if not (_digits(text[17]) or text[17] == "X"):
        return _invalid(_("第18位校验码只能是数字或X"), text)
    region_error = _ric_region_error(text)
    if region_error:
        return _invalid(region_error, text)
    birth, birth_error = _ric_birth_date(text[6:14])
    if birth_error:
        return _invalid(birth_error, text)
    expected = ric_check_char(text[:17])
    if text[17] != expected:
        return _invalid(_("校验码错误，应为%(c)s") % {"c": expected}, text)
    return CheckResult(valid=True, reason=VALID, normalized=text, birth_date=birth)


def _ric_region_error(text: str) -> str:
    if text[0] == "9":
        # Foreign permanent residence ID (2023): 9 + issuing province + 3-digit nationality code.
        if int(text[1:3]) not in MAINLAND_PROVINCE_CODES:
            return _("外国人永久居留身份证的受理地代码“%(c)s”无效") % {"c": text[1:3]}
        return ""
    if int(text[:2]) not in PROVINCE_CODES:
        return _("地址码前两位“%(c)s”不是有效的省级行政区划代码") % {"c": text[:2]}
    if text[:2] in RESIDENCE_PERMIT_PREFIXES and text[2:6] != "0000":
        return _("港澳台居民居住证的地址码应为%(c)s0000") % {"c": text[:2]}
    return ""


def _ric_birth_date(digits: str) -> tuple[date | None, str]:
    try:
        birth = date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None, _("出生日期无效：%(d)s") % {"d": digits}
    today = timezone.localdate()
    if birth > today:
        return None, _("出生日期晚于今天")
    if today.year - birth.year > MAX_AGE_YEARS:
        return None, _("出生日期早于%(y)d年，不合理") % {"y": today.year - MAX_AGE_YEARS}
    return birth, ""


def ric_birth_date(value: object) -> date | None:
    """Birth date of a valid resident ID (e.g. for the 60+ queue priority), else None."""
    return check_ric(value).birth_date


# --- Unified social credit code (GB 32100-2015) ----------------------------------------------


def check_uscc(value: object) -> CheckResult:
    """Unified social credit code: 18 characters, department/type table, region, MOD 31 check."""
    text = _clean(value)
    if not text:
        return _invalid(_("统一社会信用代码不能为空"))
    if len(text) != 18:
        return _invalid(_("长度应为18位，实际为%(n)d位") % {"n": len(text)}, text)
    bad = [ch for ch in text if ch not in _USCC_VALUE]
    if bad:
        return _invalid(
            _("含有非法字符“%(c)s”（代码只用数字和除I、O、Z、S、V以外的大写字母）") % {"c": bad[0]}, text
        )
    structure_error = _uscc_structure_error(text)
    if structure_error:
        return _invalid(structure_error, text)
    expected = uscc_check_char(text[:17])
    if text[17] != expected:
        return _invalid(_("校验码错误，应为%(c)s") % {"c": expected}, text)
    return CheckResult(valid=True, reason=VALID, normalized=text)


def _uscc_structure_error(text: str) -> str:
    department = USCC_DEPARTMENTS.get(text[0])
    if department is None:
        return _("第1位登记管理部门代码“%(c)s”无效") % {"c": text[0]}
    name, types = department
    if text[1] not in types:
        allowed = "、".join(types)
        return _("第2位机构类别代码“%(c)s”对登记管理部门“%(d)s”无效，应为%(a)s之一") % {
            "c": text[1],
            "d": name,
            "a": allowed,
        }
    region = text[2:8]
    if not _digits(region):
        return _("第3至8位登记管理机关行政区划码应为6位数字")
    if region != USCC_NATIONAL_REGION and int(region[:2]) not in MAINLAND_PROVINCE_CODES:
        return _("第3至8位登记管理机关行政区划码“%(c)s”无效") % {"c": region}
    return ""


# --- Mobile numbers (allocated blocks through phonenumbers) ----------------------------------


def _strip_country_code(text: str) -> tuple[str, str]:
    """Digits of the national number, or an error when another country's code is given."""
    if text.startswith("+"):
        if not text.startswith("+86"):
            return "", _("仅支持中国大陆手机号码（+86）")
        return text[3:], ""
    if text.startswith("0086"):
        return text[4:], ""
    if text.startswith("86") and len(text) == 13:
        return text[2:], ""
    return text, ""


def check_mobile(value: object) -> CheckResult:
    """China mainland mobile: "+86"/"86"/spaces/dashes accepted, normalised to 11 digits."""
    text = _clean(value, _SEPARATORS)
    if not text:
        return _invalid(_("手机号码不能为空"))
    digits, error = _strip_country_code(text)
    if error:
        return _invalid(error, text)
    if not _digits(digits):
        return _invalid(_("手机号码只能包含数字"), text)
    if len(digits) != 11:
        return _invalid(_("手机号码应为11位数字，实际为%(n)d位") % {"n": len(digits)}, digits)
    if digits[0] != "1":
        return _invalid(_("手机号码应以1开头"), digits)
    number = phonenumbers.parse(digits, "CN")
    if not phonenumbers.is_valid_number(number) or (
        phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE
    ):
        return _invalid(_("号段“%(p)s”不是已分配的手机号段") % {"p": digits[:4]}, digits)
    return CheckResult(valid=True, reason=VALID, normalized=digits)


CHECKS = {"ric": check_ric, "uscc": check_uscc, "mobile": check_mobile}
