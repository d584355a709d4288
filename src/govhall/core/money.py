"""Money in yuan: Decimal only, two places, and the uppercase amount printed on receipts.

Floats are refused: 0.1 + 0.2 is not 0.3 in binary, and a fee schedule must add up to the fen.
The uppercase amount (人民币大写) follows the People's Bank rules for filling in bills
(《支付结算办法》附件一《正确填写票据和结算凭证的基本规定》):
- 壹贰叁肆伍陆柒捌玖 with units 拾佰仟万亿; a leading ten is written 壹拾;
- one 零 for a run of zeros between non-zero digits; a zero run that ends a 万/亿 section is not
  written when the next section starts with a non-zero digit (the rules allow either form);
- "整" after 元 or 角 when there is no 分; 元 followed by 零 when 角 is 0 and 分 is not;
- when 元 is 0 only 角/分 are written (伍角整, 伍分); zero itself is 零元整.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _

from govhall.core.errors import ValidationFailed

FEN = Decimal("0.01")
WORDS_LIMIT = Decimal(10) ** 16  # 16 integer digits: up to 玖仟玖佰…万亿

_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ("", "拾", "佰", "仟")


class InvalidAmount(ValidationFailed, ValueError):
    """A value that is not a finite amount of money; also a ValueError for plain Python callers."""

    code = "money.invalid"


def to_yuan(value: Decimal | int | str) -> Decimal:
    """Return ``value`` as a Decimal rounded half-up to the fen (0.01).

    Accepts Decimal, int and numeric strings; a float raises TypeError, NaN/infinity and
    non-numeric text raise InvalidAmount.
    """
    if isinstance(value, float):
        raise TypeError(_("金额不能使用浮点数（float），请传入 Decimal 或字符串。"))
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise TypeError(_("金额须为 Decimal、整数或字符串，收到 %(t)s。") % {"t": type(value).__name__})
    try:
        # Decimal() also reads full-width and other Unicode digits; amounts on bills are ASCII.
        if isinstance(value, str) and not value.isascii():
            raise InvalidOperation
        amount = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise InvalidAmount(_("“%(v)s”不是有效的金额。") % {"v": value}, field="amount") from None
    if not amount.is_finite():
        raise InvalidAmount(_("金额必须是有限数值，不能为 NaN 或无穷大。"), field="amount")
    try:
        return amount.quantize(FEN, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        raise InvalidAmount(_("金额过大，无法精确到分。"), field="amount") from None


def format_yuan(value: Decimal | int | str) -> str:
    """``¥1,234.50``; negative amounts as ``-¥1,234.50``."""
    amount = to_yuan(value)
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{abs(amount):,.2f}"


def _section_unit(position: int) -> str:
    """Unit written after the digit at ``position`` (0 = 元) when its section is not all zero."""
    if position == 8:
        return "亿"
    if position % 4 == 0 and position > 0:
        return "万"  # positions 4 and 12 (12 reads 万 + the 亿 written at position 8)
    return ""


def _integer_words(number: int) -> str:
    """Uppercase words for a non-negative integer below 10**16, without 元."""
    digits = str(number)
    length = len(digits)
    out: list[str] = []
    zero_pending = False
    for index, char in enumerate(digits):
        position = length - 1 - index
        digit = int(char)
        if digit == 0:
            zero_pending = bool(out)
        else:
            if zero_pending:
                out.append("零")
            out.append(_DIGITS[digit] + _SMALL_UNITS[position % 4])
            zero_pending = False
        unit = _section_unit(position)
        # 亿 covers positions 8..15, 万 covers its own four digits.
        span = digits[: length - position] if unit == "亿" else digits[max(0, index - 3) : index + 1]
        if unit and span.strip("0"):
            out.append(unit)
            zero_pending = False  # a section's trailing zeros are not read (四位分节)
    return "".join(out)


def _fraction_words(jiao: int, fen: int, *, has_yuan: bool) -> str:
    if jiao == 0 and fen == 0:
        return "整"
    if fen == 0:
        return _DIGITS[jiao] + "角整"
    if jiao == 0:
        return ("零" if has_yuan else "") + _DIGITS[fen] + "分"
    return _DIGITS[jiao] + "角" + _DIGITS[fen] + "分"


def yuan_in_words(value: Decimal | int | str) -> str:
    """人民币大写 for a receipt: 1234.50 → 壹仟贰佰叁拾肆元伍角整; negative → 负….

    Amounts are rounded half-up to the fen first; at most 16 integer digits.
    """
    amount = to_yuan(value)
    if abs(amount) >= WORDS_LIMIT:
        raise InvalidAmount(
            _("金额超出大写金额的范围（须小于 1 亿亿元）。"), code="money.out_of_range", field="amount"
        )
    cents = int(abs(amount) * 100)
    yuan, rest = divmod(cents, 100)
    jiao, fen = divmod(rest, 10)
    if cents == 0:
        return "零元整"
    head = _integer_words(yuan) + "元" if yuan else ""
    words = head + _fraction_words(jiao, fen, has_yuan=bool(yuan))
    return ("负" if amount < 0 else "") + words
