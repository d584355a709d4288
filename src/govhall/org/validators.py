"""Checks of organisation input. Each failure is a ValidationFailed naming the field, in Chinese."""

from __future__ import annotations

import re
from datetime import date

from django.utils.translation import gettext as _

from govhall.core.errors import ValidationFailed

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
PHONE_RE = re.compile(r"^[0-9][0-9\-]{2,31}$")
WINDOW_NUMBER_RE = re.compile(r"^[A-Za-z0-9-]{1,16}$")
TICKET_PREFIX_RE = re.compile(r"^[A-Z]{1,2}$")
USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@+-]{3,150}$")
MOBILE_FALLBACK_RE = re.compile(r"^1[3-9][0-9]{9}$")


def fail(message: str, code: str, field: str | None = None) -> ValidationFailed:
    return ValidationFailed(message, code=f"org.{code}", field=field)


def clean_code(value: str, field: str = "code") -> str:
    value = (value or "").strip()
    if not CODE_RE.match(value):
        raise fail(
            _("编码须为1至32位字母、数字、下划线或连字符，且以字母或数字开头。"), "invalid_code", field
        )
    return value


def clean_name(value: str, field: str = "name", max_length: int = 64) -> str:
    value = (value or "").strip()
    if not value:
        raise fail(_("名称不能为空。"), "name_required", field)
    if len(value) > max_length:
        raise fail(_("名称不能超过%(n)d个字。") % {"n": max_length}, "name_too_long", field)
    return value


def clean_phone(value: str, field: str = "phone") -> str:
    value = (value or "").strip()
    if value and not PHONE_RE.match(value):
        raise fail(_("电话号码只能包含数字和连字符，例如 0838-1234567。"), "invalid_phone", field)
    return value


def clean_choice(value: str, choices, code: str, field: str, label: str) -> str:
    if value not in {c for c, _label in choices}:
        raise fail(_("%(label)s无效：%(value)s。") % {"label": label, "value": value}, code, field)
    return value


def clean_digits(value: str, allowed: str, code: str, field: str, message: str) -> str:
    """A set of distinct digits drawn from ``allowed``, returned sorted ("741" → "147")."""
    value = (value or "").strip()
    if not value or any(ch not in allowed for ch in value) or len(set(value)) != len(value):
        raise fail(message, code, field)
    return "".join(sorted(value))


def clean_market_days(value: str) -> str:
    # 逢场日: the last digit of the day of month, e.g. 逢一四七 → "147" (days 1, 4, 7, 11, 14, 17 …).
    return clean_digits(
        value,
        "0123456789",
        "market_days_invalid",
        "market_day_digits",
        _("逢场日须为0至9的不重复数字，例如“147”表示逢一、四、七。"),
    )


def clean_weekdays(value: str) -> str:
    return clean_digits(
        value,
        "1234567",
        "open_weekdays_invalid",
        "open_weekdays",
        _("开放星期须为1至7的不重复数字（1为星期一），例如“12345”。"),
    )


def clean_mobile(value: str) -> tuple[str, str]:
    """Validate a mobile number; returns (normalized, masked). Uses core.identity when present."""
    value = (value or "").strip()
    try:
        from govhall.core.identity import check_mobile
    except ImportError:  # the identity module is optional for this context
        check_mobile = None
    if check_mobile is not None:
        result = check_mobile(value)
        if not result.valid:
            raise fail(_("手机号码无效：%(reason)s") % {"reason": result.reason}, "mobile_invalid", "mobile")
        value = result.normalized
    elif not MOBILE_FALLBACK_RE.match(value):
        raise fail(_("手机号码无效：须为11位中国大陆手机号码。"), "mobile_invalid", "mobile")
    return value, mask_mobile(value)


def mask_mobile(value: str) -> str:
    try:
        from govhall.core.masking import mask_mobile as core_mask
    except ImportError:
        core_mask = None
    if core_mask is not None:
        return core_mask(value)
    return f"{value[:3]}****{value[-4:]}" if len(value) >= 7 else "*" * len(value)


def clean_period(valid_from: date | None, valid_to: date | None) -> None:
    if valid_from is None:
        raise fail(_("请填写生效日期。"), "period_invalid", "valid_from")
    if valid_to is None:
        raise fail(_("请填写失效日期。"), "period_invalid", "valid_to")
    if valid_to < valid_from:
        raise fail(_("失效日期不能早于生效日期。"), "period_invalid", "valid_to")
