"""Appointments (预约): the slot schedule of each window, bookings, no-show blocks (RULES.md "Hall").

A window's ``SlotTemplate`` rows are the bookable periods of one of its working days (09:00–10:00,
4 places …); the sweep turns them into dated ``Slot`` rows for the next working days on which the
window's site opens (core.workdays, org.selectors.site_open_on), skipping days the centre closed
(``DayClosure``). A slot's ``booked`` counter moves only through a conditional UPDATE and a check
constraint keeps it within ``capacity``, so two people racing for the last place get exactly one
booking on every database (ADR 0015). Queue tickets live in the nested app ``hall.queue``.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from govhall.org.models import Window


class SlotTemplate(models.Model):
    """One bookable period of a working day at a window; edited by the centre manager."""

    window = models.ForeignKey(
        Window, on_delete=models.CASCADE, related_name="slot_templates", verbose_name=_("窗口")
    )
    start = models.TimeField(_("开始时间"))
    end = models.TimeField(_("结束时间"))
    capacity = models.PositiveSmallIntegerField(_("可预约人数"))

    class Meta:
        verbose_name = _("预约时段模板")
        verbose_name_plural = _("预约时段模板")
        ordering = ["window_id", "start"]
        constraints = [
            models.UniqueConstraint(fields=["window", "start"], name="hall_template_window_start_uniq"),
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="hall_template_period_ok"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="hall_template_capacity_ok"),
        ]

    def __str__(self) -> str:
        return f"{self.window} {self.start:%H:%M}-{self.end:%H:%M}（{self.capacity}人）"


class DayClosure(models.Model):
    """A day on which one window (or, with no window, every window) takes no appointments."""

    day = models.DateField(_("日期"))
    window = models.ForeignKey(
        Window, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("窗口")
    )
    reason = models.CharField(_("原因"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("停止预约日")
        verbose_name_plural = _("停止预约日")
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["day", "window"], name="hall_closure_day_window_uniq"),
            models.UniqueConstraint(
                fields=["day"], condition=Q(window__isnull=True), name="hall_closure_day_all_uniq"
            ),
        ]


class Slot(models.Model):
    """A dated bookable period of a window with its capacity and the places taken."""

    window = models.ForeignKey(Window, on_delete=models.PROTECT, related_name="slots", verbose_name=_("窗口"))
    day = models.DateField(_("日期"))
    start = models.TimeField(_("开始时间"))
    end = models.TimeField(_("结束时间"))
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    capacity = models.PositiveSmallIntegerField(_("可预约人数"))
    booked = models.PositiveSmallIntegerField(_("已预约"), default=0)
    closed = models.BooleanField(_("停止预约"), default=False)

    class Meta:
        verbose_name = _("预约时段")
        verbose_name_plural = _("预约时段")
        ordering = ["day", "start", "window_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["window", "day", "start"], name="hall_slot_window_day_start_uniq"
            ),
            # The last place goes to exactly one of two racing bookings (ADR 0015).
            models.CheckConstraint(condition=Q(booked__lte=F("capacity")), name="hall_slot_within_capacity"),
            models.CheckConstraint(condition=Q(booked__gte=0), name="hall_slot_booked_nonneg"),
        ]
        indexes = [models.Index(fields=["day", "window"], name="hall_slot_day_window_idx")]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.start:%H:%M}-{self.end:%H:%M}"

    @property
    def free(self) -> int:
        return 0 if self.closed else max(self.capacity - self.booked, 0)


class AppointmentState(models.TextChoices):
    BOOKED = "booked", _("已预约")  # a place is held; the applicant is expected in the slot
    CHECKED_IN = "checked_in", _("已签到")  # arrived; the kiosk gave a priority ticket
    CANCELLED = "cancelled", _("已取消")  # by the applicant (≥ 2 h ahead) or the centre (day closed)
    NO_SHOW = "no_show", _("爽约")  # not checked in by the end of the slot (the sweep marks it)


class AppointmentAction(models.TextChoices):
    CHECK_IN = "check_in", _("签到")
    CANCEL = "cancel", _("取消预约")
    NO_SHOW = "no_show", _("标记爽约")


# Only services move a state, and only along these edges.
APPOINTMENT_TRANSITIONS: dict[tuple[str, str], str] = {
    (AppointmentState.BOOKED, AppointmentAction.CHECK_IN): AppointmentState.CHECKED_IN,
    (AppointmentState.BOOKED, AppointmentAction.CANCEL): AppointmentState.CANCELLED,
    (AppointmentState.BOOKED, AppointmentAction.NO_SHOW): AppointmentState.NO_SHOW,
}
# States that hold a place and count for "one appointment per day per person".
HOLDING_STATES = (AppointmentState.BOOKED, AppointmentState.CHECKED_IN)


class Appointment(models.Model):
    """A real-name booking of one slot for one item; ``code`` is shown at the kiosk to check in."""

    code = models.CharField(_("签到码"), max_length=8)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="hall_appointments"
    )
    applicant_name = models.CharField(_("预约人"), max_length=64)
    id_number_digest = models.CharField(max_length=64, blank=True, db_index=True)
    org_credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    item = models.ForeignKey(
        "catalog.ServiceItem", on_delete=models.PROTECT, related_name="+", verbose_name=_("事项")
    )
    window = models.ForeignKey(Window, on_delete=models.PROTECT, related_name="+", verbose_name=_("窗口"))
    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="appointments")
    day = models.DateField(_("预约日期"))
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    state = models.CharField(
        _("状态"), max_length=16, choices=AppointmentState.choices, default=AppointmentState.BOOKED
    )
    booked_at = models.DateTimeField(_("预约时间"))
    remind_at = models.DateTimeField(_("提醒时间"))  # the day before, at GOVHALL_HALL_REMINDER_HOUR
    reminded_at = models.DateTimeField(null=True, blank=True)
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    on_time = models.BooleanField(_("按时到达"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True)
    no_show_at = models.DateTimeField(_("爽约标记时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("预约")
        verbose_name_plural = _("预约")
        ordering = ["-day", "starts_at"]
        constraints = [
            # RULES.md: one appointment per day per person, even when two bookings race.
            models.UniqueConstraint(
                fields=["applicant", "day"],
                condition=Q(state__in=["booked", "checked_in"]),
                name="hall_appointment_one_per_day",
            ),
            models.UniqueConstraint(fields=["day", "code"], name="hall_appointment_day_code_uniq"),
        ]
        indexes = [
            models.Index(fields=["state", "ends_at"], name="hall_appt_state_ends_idx"),
            models.Index(fields=["state", "remind_at"], name="hall_appt_state_remind_idx"),
            models.Index(fields=["window", "day"], name="hall_appt_window_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.code}"


class BookingBlock(models.Model):
    """Booking refused until ``until`` after repeated no-shows (RULES.md "Hall")."""

    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The no-show that reached the limit: one block per trigger, however many sweeps run.
    trigger = models.OneToOneField(Appointment, on_delete=models.PROTECT, related_name="+")
    no_shows = models.PositiveSmallIntegerField(_("爽约次数"))
    blocked_at = models.DateTimeField(_("开始时间"))
    until = models.DateTimeField(_("截止时间"))
    lifted_at = models.DateTimeField(_("解除时间"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    lift_reason = models.CharField(_("解除原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("预约限制")
        verbose_name_plural = _("预约限制")
        ordering = ["-blocked_at"]
        indexes = [models.Index(fields=["applicant", "until"], name="hall_block_applicant_until_idx")]
