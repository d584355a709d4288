"""The appointments sweep (``govhall hall_sweep``, huey every 5 minutes): idempotent phases.

1. slots: sync the dated slots of the bookable days with the templates (schedule.slots_sync);
2. no-shows: an appointment still booked when its slot has ended becomes a no-show; an applicant
   reaching GOVHALL_HALL_NO_SHOW_LIMIT no-shows within GOVHALL_HALL_NO_SHOW_WINDOW_DAYS (counted
   since their previous block) is blocked from booking for GOVHALL_HALL_BLOCK_DAYS, and told by SMS;
3. reminders: the day before (from GOVHALL_HALL_REMINDER_HOUR) each booked appointment gets one
   reminder SMS, unless it was booked after that hour (its confirmation said the same).
Each row moves in its own short transaction through a conditional UPDATE, so two sweeps running at
once never mark, block or remind twice (the outbox dedupe keys back this up).
"""

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from govhall.core import audit
from govhall.core.workdays import CalendarOutOfRange
from govhall.hall import notices
from govhall.hall.conf import rules
from govhall.hall.models import Appointment, AppointmentState, BookingBlock
from govhall.hall.schedule import SyncReport, slots_sync
from govhall.hall.services import active_block

logger = logging.getLogger(__name__)
BATCH = 500


@dataclass
class SweepReport:
    slots: SyncReport = field(default_factory=SyncReport)
    no_shows: int = 0
    blocks: int = 0
    reminders: int = 0
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        s = self.slots
        return [
            f"预约时段：新增 {s.created}，更新 {s.updated}，关闭 {s.closed}（取消其预约 {s.cancelled}）",
            f"爽约：{self.no_shows}；暂停预约：{self.blocks}",
            f"提醒短信：{self.reminders}",
            *self.notes,
        ]

    def as_dict(self) -> dict:
        return {
            "slots_created": self.slots.created, "slots_updated": self.slots.updated,
            "slots_closed": self.slots.closed, "slots_cancelled": self.slots.cancelled, "no_shows": self.no_shows, "blocks": self.blocks,
            "reminders": self.reminders, "notes": self.notes,
        }  # fmt: skip


def _related(qs):
    return qs.select_related("applicant", "item", "window__site")


# --- no-shows and blocks ------------------------------------------------------------------------------


def _maybe_block(appointment: Appointment, now: dt.datetime) -> bool:
    r = rules()
    user = appointment.applicant
    if active_block(user, now) is not None:
        return False
    no_shows = Appointment.objects.filter(
        applicant=user, state=AppointmentState.NO_SHOW,
        day__gte=timezone.localdate(now) - dt.timedelta(days=r.no_show_window_days),
    )  # fmt: skip
    previous = BookingBlock.objects.filter(applicant=user).order_by("-blocked_at").first()
    if previous is not None:
        no_shows = no_shows.filter(no_show_at__gt=previous.blocked_at)  # a served block starts afresh
    count = no_shows.count()
    if count < r.no_show_limit:
        return False
    block = BookingBlock.objects.create(
        applicant=user, trigger=appointment, no_shows=count, blocked_at=now,
        until=now + dt.timedelta(days=r.block_days),
    )  # fmt: skip
    audit.record(
        action="hall.block", obj=block, after={"applicant": user.pk, "no_shows": count, "until": block.until}
    )
    notices.sms(appointment, "blocked", until=f"{timezone.localtime(block.until):%Y-%m-%d}")
    return True


@transaction.atomic(durable=True)
def _mark_no_show(pk: int, now: dt.datetime) -> tuple[int, int]:
    marked = Appointment.objects.filter(pk=pk, state=AppointmentState.BOOKED, ends_at__lte=now).update(
        state=AppointmentState.NO_SHOW, no_show_at=now
    )
    if not marked:
        return 0, 0  # checked in, cancelled or marked by another sweep meanwhile
    appointment = _related(Appointment.objects).get(pk=pk)
    audit.record(action="hall.appointment_no_show", obj=appointment,
                 before={"state": AppointmentState.BOOKED}, after={"state": appointment.state})  # fmt: skip
    return 1, int(_maybe_block(appointment, now))


def _no_shows(now: dt.datetime, report: SweepReport) -> None:
    due = Appointment.objects.filter(state=AppointmentState.BOOKED, ends_at__lte=now).order_by(
        "ends_at", "pk"
    )
    for pk in list(due.values_list("pk", flat=True)[:BATCH]):
        marked, blocked = _mark_no_show(pk, now)
        report.no_shows += marked
        report.blocks += blocked


# --- reminders -----------------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def _remind(pk: int, now: dt.datetime) -> int:
    claimed = Appointment.objects.filter(
        pk=pk, state=AppointmentState.BOOKED, reminded_at__isnull=True
    ).update(reminded_at=now)
    if not claimed:
        return 0
    return int(notices.sms(_related(Appointment.objects).get(pk=pk), "reminder"))


def _reminders(now: dt.datetime, report: SweepReport) -> None:
    due = Appointment.objects.filter(
        state=AppointmentState.BOOKED, reminded_at__isnull=True, remind_at__lte=now, starts_at__gt=now,
        booked_at__lt=F("remind_at"),
    ).order_by("remind_at", "pk")  # fmt: skip
    for pk in list(due.values_list("pk", flat=True)[:BATCH]):
        report.reminders += _remind(pk, now)


def sweep_run(*, now: dt.datetime | None = None) -> SweepReport:
    """One pass of every phase; call it outside a transaction."""
    now = now or timezone.now()
    report = SweepReport()
    try:
        report.slots = slots_sync()
    except CalendarOutOfRange as exc:  # the bookings still get their no-shows and reminders
        logger.warning("hall sweep: slots not synced: %s", exc.message)
        report.notes.append(f"预约时段未更新：{exc.message}")
    _no_shows(now, report)
    _reminders(now, report)
    return report
