"""A logging filter that masks ID numbers, credit codes and mobiles in every log line.

Wire it into ``LOGGING`` as a filter on the handlers (``"()": "govhall.core.logmask.MaskingFilter"``).
It errs towards masking: any token shaped like an ID number or mobile is masked, valid or not,
because a mistyped ID number is still personal data (个人信息保护法 Art. 4).
"""

import logging
import re

from govhall.core.masking import mask_id_number, mask_mobile, mask_uscc

_EDGE_START = r"(?<![0-9A-Za-z])"
_EDGE_END = r"(?![0-9A-Za-z])"
# 18-character second-generation IDs (17 digits + digit/X) and 15-digit first-generation IDs.
_RIC = re.compile(_EDGE_START + r"(?:\d{17}[\dXx]|\d{15})" + _EDGE_END)
# Credit codes: department char, type char, 6-digit region, 10 code characters (GB 32100).
_USCC = re.compile(_EDGE_START + r"[1-9ANY][1-9]\d{6}[0-9A-HJ-NP-RTUW-Y]{10}" + _EDGE_END)
# Mainland mobiles, optionally +86/86 and split by spaces or dashes (138 1234 5678).
_MOBILE = re.compile(r"(?<![0-9])(?:(?:\+|00)?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?![0-9])")


def mask_text(text: str) -> str:
    """Mask every personal number found in free text."""
    text = _RIC.sub(lambda m: mask_id_number(m.group()), text)
    text = _USCC.sub(lambda m: mask_uscc(m.group()), text)
    return _MOBILE.sub(lambda m: mask_mobile(m.group()), text)


class MaskingFilter(logging.Filter):
    """Rewrites the record's message (and traceback text) with personal numbers masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            # A broken format string: let the handler report it as logging normally does.
            return True
        record.msg, record.args = mask_text(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        return True


# Short alias so the LOGGING configuration can say ``govhall.core.logmask.Filter``.
Filter = MaskingFilter
