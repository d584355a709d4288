from django import template

from govhall.org.selectors import market_days_label

register = template.Library()

WEEKDAY_NAMES = "一二三四五六日"


@register.filter
def market_days(digits: str) -> str:
    """ "147" → "逢一、四、七"."""
    return market_days_label(digits or "")


@register.filter
def weekdays(digits: str) -> str:
    """ "12345" → "周一、二、三、四、五"."""
    names = [WEEKDAY_NAMES[int(d) - 1] for d in (digits or "") if d in "1234567"]
    return ("周" + "、".join(names)) if names else ""
