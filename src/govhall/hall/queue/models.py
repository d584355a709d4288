"""Queue businesses (业务类别), the windows serving them, window desks and tickets (RULES.md "Hall")."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from govhall.cases.models import Case
from govhall.catalog.models import ServiceItem
from govhall.core.masking import mask_name
from govhall.hall.queue.states import ACTIVE_STATES, CALLABLE_STATES, CURRENT_STATES, Lane, TicketState
from govhall.org.models import Site, Staff, Window

MAX_DAILY_CAP = 999  # three digits per prefix and day (core.serials.TICKET_SERIAL_DIGITS)


class Business(models.Model):
    """A queue business at a site: its own ticket prefix, daily cap and the items it covers."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="queue_businesses")
    code = models.CharField(_("编码"), max_length=16)
    name = models.CharField(_("业务名称"), max_length=64)
    prefix = models.CharField(_("号票前缀"), max_length=2)  # one or two capital letters
    daily_cap = models.PositiveSmallIntegerField(_("每日限号"), default=300)
    warn_length = models.PositiveSmallIntegerField(_("排队预警人数"), default=30)
    minutes_per_ticket = models.PositiveSmallIntegerField(_("平均办理分钟"), default=8)
    items = models.ManyToManyField(ServiceItem, blank=True, related_name="queue_businesses")
    sort = models.PositiveSmallIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("排队业务")
        verbose_name_plural = _("排队业务")
        ordering = ["site_id", "sort", "code"]
        constraints = [
            models.UniqueConstraint(fields=["site", "code"], name="queue_business_site_code_uniq"),
            # The prefix names the serial counter: two businesses of one hall never share it.
            models.UniqueConstraint(fields=["site", "prefix"], name="queue_business_site_prefix_uniq"),
            models.CheckConstraint(
                condition=Q(daily_cap__gte=1, daily_cap__lte=MAX_DAILY_CAP), name="queue_business_cap_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prefix} {self.name}"


class WindowBusiness(models.Model):
    """A window serves a business with a priority: 1 is called before 2 (FIFO inside each)."""

    window = models.ForeignKey(Window, on_delete=models.CASCADE, related_name="queue_businesses")
    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="windows")
    priority = models.PositiveSmallIntegerField(_("优先级"), default=1)

    class Meta:
        verbose_name = _("窗口业务")
        verbose_name_plural = _("窗口业务")
        ordering = ["window_id", "priority", "business_id"]
        constraints = [
            models.UniqueConstraint(fields=["window", "business"], name="queue_window_business_uniq"),
        ]


class DeskState(models.TextChoices):
    OPEN = "open", _("开放")  # a clerk assigned to the window is calling
    CLOSED = "closed", _("暂停服务")  # nobody may call here


class WindowDesk(models.Model):
    """The calling state of one window: open or closed, by whom, and silent (SMS) calling."""

    window = models.OneToOneField(Window, on_delete=models.CASCADE, primary_key=True, related_name="desk")
    state = models.CharField(_("状态"), max_length=8, choices=DeskState.choices, default=DeskState.CLOSED)
    staff = models.ForeignKey(Staff, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    opened_at = models.DateTimeField(null=True, blank=True)
    # Silent calling: no voice; the screen shows the masked name and the holder gets an SMS.
    silent = models.BooleanField(_("静音叫号"), default=False)

    class Meta:
        verbose_name = _("窗口叫号状态")
        verbose_name_plural = _("窗口叫号状态")


class Ticket(models.Model):
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    business = models.ForeignKey(Business, on_delete=models.PROTECT, related_name="tickets")
    day = models.DateField(_("日期"))
    number = models.CharField(_("号码"), max_length=5)  # prefix + 3 digits, e.g. A001
    lane = models.PositiveSmallIntegerField(_("通道"), choices=Lane.choices, default=Lane.ORDINARY)
    state = models.CharField(
        _("状态"), max_length=12, choices=TicketState.choices, default=TicketState.WAITING
    )
    holder_name = models.CharField(_("姓名"), max_length=64, blank=True)
    id_number_cipher = models.TextField(blank=True)  # SM4, core.crypto
    id_number_digest = models.CharField(max_length=64)  # keyed SM3 of the normalised ID number
    mobile_cipher = models.TextField(blank=True)
    appointment_ref = models.PositiveIntegerField(null=True, blank=True)  # hall.Appointment id
    issued_at = models.DateTimeField(_("取号时间"))
    # Transfer to a window: only that window calls it; to a business: its windows do.
    target_window = models.ForeignKey(
        Window, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    window = models.ForeignKey(Window, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    called_at = models.DateTimeField(_("叫号时间"), null=True, blank=True)
    first_called_at = models.DateTimeField(null=True, blank=True)
    serving_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    recall_count = models.PositiveSmallIntegerField(default=0)
    transfer_count = models.PositiveSmallIntegerField(default=0)
    rating_pending = models.BooleanField(default=False)  # the pad may still ask for a rating
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("号票")
        verbose_name_plural = _("号票")
        ordering = ["-day", "-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["site", "day", "number"], name="queue_ticket_number_uniq"),
            # RULES.md "Hall": one ticket in the queue per ID number per business and day.
            models.UniqueConstraint(
                fields=["business", "day", "id_number_digest"],
                condition=Q(state__in=ACTIVE_STATES),
                name="queue_ticket_one_active_per_id",
            ),
            # A window calls or serves one person at a time (also decides a double click's race).
            models.UniqueConstraint(
                fields=["window"],
                condition=Q(state__in=CURRENT_STATES),
                name="queue_ticket_one_current_per_window",
            ),
        ]
        indexes = [
            # The calling path's index scan: each business's callable tickets in lane, issue order.
            models.Index(
                fields=["business", "day", "lane", "issued_at", "id"],
                condition=Q(state__in=CALLABLE_STATES, target_window__isnull=True),
                name="queue_ticket_heads_idx",
            ),
            models.Index(fields=["day", "state", "business"], name="queue_ticket_day_state_idx"),
            models.Index(fields=["window", "state"], name="queue_ticket_window_idx"),
            models.Index(fields=["finished_at"], name="queue_ticket_finished_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def masked_name(self) -> str:
        return mask_name(self.holder_name)


class TicketCase(models.Model):
    """A case created at the sitting that served the ticket (for 好差评 and the window's figures)."""

    class Source(models.TextChoices):
        MATCHED = "matched", _("按身份证号自动关联")
        TYPED = "typed", _("窗口人员录入")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="case_links")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=8, choices=Source.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ticket", "case"], name="queue_ticket_case_uniq")]


class TicketEvent(models.Model):
    """The ticket's timeline, one append-only row per move, written in the move's transaction.

    Window moves (call, recall, serve, no-show, suspend, resume) are recorded here only; issue,
    transfer, finish and the window desks also go to the audit chain (docs/adr/0016)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=12)
    from_state = models.CharField(max_length=12)
    to_state = models.CharField(max_length=12)
    window = models.ForeignKey(Window, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["ticket", "at"], name="queue_ticketevent_ticket_idx")]
