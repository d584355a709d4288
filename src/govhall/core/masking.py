"""Masking of personal data for pages, exports and logs that do not need it whole (个人信息保护法 Art. 51).

Rules (docs/adr/0004-personal-data.md): names keep the surname (张* / 欧阳**); ID numbers keep the
first 6 and last 4 (110105********002X); mobiles keep 3 + 4 (138****1234); credit codes keep 4 + 4;
e-mail keeps the first character of the mailbox and the domain. A value too short to hide at least
``MIN_HIDDEN`` characters between the kept ends is masked entirely.
"""

import re

MASK = "*"
# A mobile hides exactly four digits (138****1234); hiding fewer would make guessing trivial.
MIN_HIDDEN = 4

# Two-character surnames (复姓) kept whole when the name is long enough to mask the given name.
COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 令狐 澹台 端木 "
    "轩辕 呼延 南宫 西门 独孤 申屠 公羊 闻人 万俟 钟离 宗政 濮阳 淳于 单于 太叔 赫连 "
    "百里 东郭 拓跋 司空 第五 左丘 谷梁 梁丘".split()
)


def mask_middle(value: str, keep_start: int, keep_end: int) -> str:
    """Keep ``keep_start`` leading and ``keep_end`` trailing characters; star the rest.

    When fewer than ``MIN_HIDDEN`` characters would be hidden, everything is starred: showing
    both ends of a short (probably mistyped) value would reveal most of it.
    """
    value = "" if value is None else str(value)
    if len(value) < keep_start + keep_end + MIN_HIDDEN:
        return MASK * len(value)
    hidden = len(value) - keep_start - keep_end
    return value[:keep_start] + MASK * hidden + (value[-keep_end:] if keep_end else "")


def mask_name(name: str) -> str:
    """张三 → 张*; 张三丰 → 张**; 欧阳娜娜 → 欧阳**. The given name is never shown."""
    name = "" if name is None else str(name).strip()
    if len(name) <= 1:
        return MASK * len(name)
    keep = 2 if name[:2] in COMPOUND_SURNAMES and len(name) >= 3 else 1
    return name[:keep] + MASK * (len(name) - keep)


def mask_id_number(value: str) -> str:
    """110105194912310021 → 110105********0021 (resident IDs and residence permits)."""
    return mask_middle(_compact(value).upper(), 6, 4)


def mask_mobile(value: str) -> str:
    """13812345678, +86 138-1234-5678 → 138****5678."""
    digits = _compact(value)
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix) and len(digits) - len(prefix) == 11:  # a country code, not digits
            digits = digits[len(prefix) :]
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return mask_middle(digits, 3, 4)


def mask_uscc(value: str) -> str:
    """91350100M000100Y43 → 9135**********0Y43: department, type and province stay readable."""
    return mask_middle(_compact(value).upper(), 4, 4)


def mask_email(value: str) -> str:
    """zhangsan@example.cn → z***@example.cn (fixed three stars: the length is not revealed)."""
    value = "" if value is None else str(value).strip()
    local, at, domain = value.rpartition("@")
    if not at or not local:
        return MASK * 3 if value else ""
    return f"{local[0]}{MASK * 3}@{domain}"


def _compact(value: str) -> str:
    return re.sub(r"[\s\-]+", "", "" if value is None else str(value))
