"""Cases (办件): one application for one item, its timeline and its one-time supplement notice."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from govhall.cases.states import CaseState
from govhall.catalog.models import ItemVersion, ServiceItem
from govhall.org.models import Site, Window


class Channel(models.TextChoices):
    WINDOW = "window", _("窗口")
    ONLINE = "online", _("网上")
    AGENCY = "agency", _("代办")
    POST = "post", _("邮寄")


class ApplicantKind(models.TextChoices):
    PERSON = "person", _("自然人")
    ENTERPRISE = "enterprise", _("法人")


class Case(models.Model):
    number = models.CharField(_("办件编号"), max_length=32, unique=True)
    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="cases")
    item_version = models.ForeignKey(ItemVersion, on_delete=models.PROTECT, related_name="+")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="cases")
    window = models.ForeignKey(Window, on_delete=models.PROTECT, null=True, blank=True, related_name="cases")
    channel = models.CharField(_("渠道"), max_length=8, choices=Channel.choices)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="cases"
    )
    applicant_name = models.CharField(_("申请人"), max_length=128)
    applicant_id_digest = models.CharField(max_length=64, db_index=True)  # keyed digest of RIC/USCC
    applicant_kind = models.CharField(_("申请人类型"), max_length=16, choices=ApplicantKind.choices)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    consent_recorded_at = models.DateTimeField(null=True, blank=True)  # agency filings only
    idempotency_key = models.CharField(max_length=64, unique=True, null=True, blank=True)
    query_password_digest = models.CharField(max_length=64)  # SM3 of number + 6-digit password
    state = models.CharField(_("状态"), max_length=24, choices=CaseState.choices, default=CaseState.SUBMITTED)
    report_status = models.PositiveSmallIntegerField(_("上报状态"), default=1)  # RULES.md 1–15, latest
    received_at = models.DateTimeField(_("收件时间"))
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    # 行政许可法 Art. 32: no decision or notice by this instant → deemed accepted from receipt.
    acceptance_deadline = models.DateTimeField(null=True, blank=True, db_index=True)
    # The running clocks (DESIGN.md mechanism 1): derived columns, recomputed by clocks.refresh().
    clock_pauses = models.JSONField(default=list, blank=True)  # [{"reason", "start", "end"}]
    clock_paused_at = models.DateTimeField(null=True, blank=True)
    legal_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    promised_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    warn_at = models.DateTimeField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("办件")
        verbose_name_plural = _("办件")
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["state", "acceptance_deadline"], name="case_state_accdl_idx")]

    def __str__(self) -> str:
        return self.number


class CaseEvent(models.Model):
    """One row per transition: the case's timeline."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField()
    from_state = models.CharField(max_length=24, blank=True)
    to_state = models.CharField(max_length=24)
    report_status = models.PositiveSmallIntegerField()
    clock_effect = models.JSONField(default=dict, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["case", "at", "id"]


class SupplementNotice(models.Model):
    """The one-time notice (一次性告知); one per case, enforced by the database as well."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="supplement_notice")
    items = models.JSONField()  # names of every missing material
    issued_at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
