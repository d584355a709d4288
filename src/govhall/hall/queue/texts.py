"""What the screen shows, what the voice announcer reads and what a silent call's SMS says."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from govhall.core.masking import mask_name

_SPOKEN_DIGITS = "零一二三四五六七八九"


def spoken(text: str) -> str:
    """Digits read one by one, as halls announce them: A001 → A零零一, 03 → 零三."""
    return "".join(_SPOKEN_DIGITS[int(ch)] if ch.isdigit() else ch for ch in str(text))


def window_label(window) -> str:
    return _("%(n)s号窗口") % {"n": window.number}


def call_texts(ticket, window, *, silent: bool) -> dict[str, str]:
    """``display`` for the screens, ``voice`` for the announcer (empty when silent: no names are
    ever spoken), ``sms`` for silent calling. Names appear masked only (张*)."""
    masked = mask_name(ticket.holder_name)
    who = f"{ticket.number} {masked}".strip() if silent else ticket.number
    display = _("请 %(who)s 到 %(w)s 办理") % {"who": who, "w": window_label(window)}
    voice = (
        ""
        if silent
        else _("请%(n)s号到%(w)s号窗口办理") % {"n": spoken(ticket.number), "w": spoken(window.number)}
    )
    centre = getattr(settings, "GOVHALL_CENTRE_NAME", "") or _("政务服务中心")
    sms = _("【%(c)s】%(who)s，请持%(n)s号票到%(w)s办理。") % {
        "c": centre,
        "who": masked or _("您好"),
        "n": ticket.number,
        "w": window_label(window),
    }
    return {"display": display, "voice": voice, "sms": sms}
