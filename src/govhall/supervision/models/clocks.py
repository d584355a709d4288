"""Electronic supervision (电子监察): clock colours, warnings (黄牌 / 红牌), alerts, sweep runs.

The colours are state (docs/adr/0010-supervision-sweep.md): a ClockWatch row exists only for a
clock that is yellow or red, so the sweep compares the clocks' indexed deadline columns with a
small table and writes only the transitions. A Warning is the card raised by a transition; it is
cleared when the clock leaves that colour, or removed (摘牌) by a supervisor with a reason, which
leaves the colour as it is (the sweep never re-raises a card for a colour it already saw).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from govhall.cases.models import Case, CaseStep
from govhall.org.models import Department


class Level(models.TextChoices):
    NORMAL = "normal", _("正常")  # never stored in a ClockWatch row: the absence of a row means normal
    YELLOW = "yellow", _("黄牌")  # remaining ≤ 20 % of the limit or ≤ 1 working day (RULES.md)
    RED = "red", _("红牌")  # past the deadline


class Rule(models.TextChoices):
    """The watched clocks; a warning names the clock whose colour raised it."""

    PROMISED = "promised_limit", _("承诺时限")  # the case's promised clock (yellow, red)
    LEGAL = "legal_limit", _("法定时限")  # the case's legal clock (red; see ADR 0010)
    STEP = "step_limit", _("环节时限")  # one active step's clock (yellow, red)


CASE_RULES = (Rule.PROMISED, Rule.LEGAL)
# Foreign keys of rows the sweep writes in bulk: no database constraint (a per-row check would
# double the cost of a full sweep; the rows come from rows the same statement read, and cases,
# steps, departments and users are never deleted) and no plain index (ADR 0010).
_SWEPT = {"db_constraint": False, "db_index": False}


class ClearKind(models.TextChoices):
    ESCALATED = "escalated", _("升级为红牌")  # the yellow clock turned red
    RESOLVED = "resolved", _("已解除")  # the clock left the colour: concluded, extended, step done …
    REMOVED = "removed", _("监察员摘牌")  # a supervisor removed the card, with a reason


class SweepRun(models.Model):
    """One run of the sweep: its instant, and what each phase changed (the command prints it)."""

    id = models.BigAutoField(primary_key=True)
    now = models.DateTimeField()  # the instant the clocks were compared with
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)  # None: still running, or killed
    report = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("监察扫描")
        verbose_name_plural = _("监察扫描")
        ordering = ["-id"]


class SweepPhase(models.Model):
    """A colour phase that committed: written in the phase's own transaction.

    The next run compares only the clocks that may have changed since (docs/adr/0010): deadlines
    that fell due after ``now``, and the cases whose timeline grew past ``event_high``.
    """

    id = models.BigAutoField(primary_key=True)
    run = models.ForeignKey(SweepRun, on_delete=models.CASCADE, related_name="phases")
    phase = models.CharField(max_length=16)  # "case_clocks" / "step_clocks"
    full = models.BooleanField()  # every clock compared (else only the changed ones)
    now = models.DateTimeField()
    event_high = models.BigIntegerField()  # the highest CaseEvent id when the phase began

    class Meta:
        indexes = [models.Index(fields=["phase", "now"], name="sweepphase_phase_now_idx")]


class ClockWatch(models.Model):
    """The colour of one watched clock that is not normal (yellow or red)."""

    id = models.BigAutoField(primary_key=True)
    rule = models.CharField(max_length=16, choices=Rule.choices)
    # No database constraint or plain index (ADR 0010): the unique constraints below index them.
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+", **_SWEPT)
    step = models.ForeignKey(
        CaseStep, on_delete=models.CASCADE, null=True, blank=True, related_name="+", **_SWEPT
    )
    level = models.CharField(max_length=8, choices=Level.choices)
    due_at = models.DateTimeField(null=True, blank=True)  # the deadline seen at the last transition
    changed_at = models.DateTimeField()  # the sweep instant of the last transition
    run = models.BigIntegerField(db_index=True)  # the SweepRun that made the last transition

    class Meta:
        verbose_name = _("时限状态")
        verbose_name_plural = _("时限状态")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "rule"], condition=Q(step__isnull=True), name="clockwatch_case_clock_uniq"
            ),
            models.UniqueConstraint(
                fields=["step"], condition=Q(step__isnull=False), name="clockwatch_step_clock_uniq"
            ),
        ]


class Warning(models.Model):
    """A yellow or red card on a case or a step, with who answers for it and how it ended."""

    id = models.BigAutoField(primary_key=True)
    level = models.CharField(_("级别"), max_length=8, choices=Level.choices)
    rule = models.CharField(_("规则"), max_length=16, choices=Rule.choices)
    # Written in bulk by the sweep from rows it just read: no per-row foreign-key check (ADR 0010).
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    step = models.ForeignKey(
        CaseStep, on_delete=models.CASCADE, null=True, blank=True, related_name="+", **_SWEPT
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("责任部门"),
        **_SWEPT,
    )  # fmt: skip
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("责任人"), **_SWEPT,
    )  # fmt: skip
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("责任领导"), **_SWEPT,
    )  # fmt: skip
    due_at = models.DateTimeField(_("期限"), null=True, blank=True)
    raised_at = models.DateTimeField(_("亮牌时间"))
    run = models.BigIntegerField(db_index=True)  # the SweepRun that raised it (its SMS are queued by it)
    cleared_at = models.DateTimeField(_("解除时间"), null=True, blank=True)
    clear_kind = models.CharField(max_length=12, choices=ClearKind.choices, blank=True)
    clear_reason = models.CharField(_("解除原因"), max_length=200, blank=True)
    # NULL when raised; no constraint, or every inserted card queues a deferred check.
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("摘牌人"), **_SWEPT,
    )  # fmt: skip

    class Meta:
        verbose_name = _("预警")
        verbose_name_plural = _("预警（黄牌/红牌）")
        ordering = ["-raised_at", "-id"]
        constraints = [
            # One open card per clock and colour: the sweep's insert is idempotent against it.
            # (clock, rule, level): the sweep looks an open card up by its clock first.
            models.UniqueConstraint(
                fields=["case", "rule", "level"],
                condition=Q(cleared_at__isnull=True, step__isnull=True),
                name="warning_open_case_uniq",
            ),
            models.UniqueConstraint(
                fields=["step", "rule", "level"],
                condition=Q(cleared_at__isnull=True, step__isnull=False),
                name="warning_open_step_uniq",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} {self.get_rule_display()} #{self.case_id}"


class Alert(models.Model):
    """A centre-wide supervision alert (not tied to a case), raised once per key."""

    class Kind(models.TextChoices):
        CALENDAR_PROVISIONAL = "calendar_provisional", _("工作日历未公布")

    kind = models.CharField(max_length=32, choices=Kind.choices)
    key = models.CharField(max_length=64, unique=True)  # e.g. calendar_provisional:2027
    year = models.PositiveIntegerField(null=True, blank=True)
    message = models.CharField(max_length=200)
    raised_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("监察提醒")
        verbose_name_plural = _("监察提醒")
        ordering = ["-raised_at"]

    def __str__(self) -> str:
        return self.message
