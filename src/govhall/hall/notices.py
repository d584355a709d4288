"""SMS about an appointment, queued to the outbox in the caller's transaction (exactly once each:
the dedupe key names the appointment and the event, so a retried service or sweep queues nothing)."""

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from govhall.core import crypto, outbox
from govhall.hall.models import Appointment

EVENTS = ("booked", "reminder", "cancelled", "closed", "blocked")


def _when(appointment: Appointment) -> str:
    start = timezone.localtime(appointment.starts_at)
    end = timezone.localtime(appointment.ends_at)
    return f"{start:%Y-%m-%d} {start:%H:%M}-{end:%H:%M}"


def _place(appointment: Appointment) -> str:
    window = appointment.window
    return f"{window.site.name}{window.number}号窗口"


def text(appointment: Appointment, event: str, **extra) -> str:
    centre = getattr(settings, "GOVHALL_CENTRE_NAME", "")
    facts = {
        "item": appointment.item.name, "when": _when(appointment), "place": _place(appointment),
        "code": appointment.code, "centre": centre, **extra,
    }  # fmt: skip
    templates = {
        "booked": _("【%(centre)s】您已预约%(when)s在%(place)s办理“%(item)s”，签到码%(code)s。请携带身份证件"
                    "按时到大厅取号机签到；如需取消，请至少提前2小时。"),
        "reminder": _("【%(centre)s】提醒：您预约了%(when)s在%(place)s办理“%(item)s”，签到码%(code)s。"
                      "请按时到达，不能前来请提前取消。"),
        "cancelled": _("【%(centre)s】您%(when)s办理“%(item)s”的预约已取消。"),
        "closed": _("【%(centre)s】因%(reason)s，%(when)s停止办理预约，您办理“%(item)s”的预约已取消，"
                    "敬请谅解并重新预约。"),
        "blocked": _("【%(centre)s】您近期多次预约未到，%(until)s前暂停网上预约；如有疑问请致电12345。"),
    }  # fmt: skip
    return templates[event] % facts


def sms(appointment: Appointment, event: str, **extra) -> bool:
    """Queue one SMS to the applicant's mobile; False when there is no mobile or it was queued before."""
    assert event in EVENTS, event
    user = appointment.applicant
    if not user.mobile_cipher:
        return False
    row = outbox.enqueue(
        kind="sms",
        topic="hall_appointment",
        payload={"mobile": crypto.decrypt(user.mobile_cipher), "text": text(appointment, event, **extra)},
        dedupe_key=f"hall:appointment:{appointment.pk}:{event}",
    )
    return row is not None
