"""Reads of the shared kernel that pages and APIs need."""

from govhall.core.models import CalendarYear


def calendar_alerts() -> list[str]:
    """Managers see one alert per provisional year until the State Council schedule is entered."""
    years = CalendarYear.objects.filter(provisional=True).values_list("year", flat=True)
    return [f"{year}年工作日历为暂定日历（未录入国务院放假安排），请尽快导入正式安排。" for year in years]


MESSAGE_KINDS = ("sms",)
HIDDEN_TOPIC_PREFIX = "sms_code."  # verification codes prove possession of the phone: never shown on a page


def user_messages(*, user, limit: int = 50) -> list:
    """ "My messages": the notifications sent (or queued) to the user's mobile, newest first.

    Read from the outbox rows addressed to the mobile of the account (no copy is kept elsewhere);
    verification codes are left out. On PostgreSQL an expression index on the SMS rows' mobile
    (core migration 0006) keeps this an index scan.
    """
    from govhall.core.models import OutboxMessage
    from govhall.core.personal import user_mobile

    if not getattr(user, "mobile_cipher", ""):
        return []
    mobile = user_mobile(user)
    rows = (
        OutboxMessage.objects.filter(kind__in=MESSAGE_KINDS, payload__mobile=mobile)
        .exclude(topic__startswith=HIDDEN_TOPIC_PREFIX)
        .only("id", "topic", "payload", "state", "created_at", "sent_at")
        .order_by("-id")
    )
    return list(rows[:limit])
