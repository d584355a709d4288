"""Anomalies (异常): rules kept as data, the anomalies they raise, and the scan cursor of the sweep.

A rule is builtin (every anomaly RULES.md "Supervision" lists, seeded by migration; its evaluator
is code in ``supervision.sweep_anomalies``), or configured by the centre without code: an
``event`` rule (a timeline action plus conditions over the event's fields) or a ``rate`` rule (a
ratio from a fixed menu per department over N days, above a threshold). See supervision.anomalies.

An anomaly names the rule, the case (none for a rate rule), the responsible department and its
evidence: the ids of the timeline rows (cases.CaseEvent) that show it, of the audit events
(core.AuditEvent) that show it on their own, and for a rate rule of the cases counted; the selector
``supervision.anomalies.anomaly_evidence`` returns those rows with the audit event each timeline
row's service wrote. ``key`` names the fact inside the case (0: the case itself; a step, a special procedure,
a timeline row; for a rate rule the period), so the sweep's inserts are idempotent: one anomaly
per (rule, case, key) ever, and at most one open anomaly per (rule, case).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from govhall.cases.models import Case
from govhall.org.models import Department


class Severity(models.TextChoices):
    LOW = "low", _("一般")
    MEDIUM = "medium", _("较重")
    HIGH = "high", _("严重")


class RuleKind(models.TextChoices):
    BUILTIN = "builtin", _("内置规则")  # evaluated by code (sweep_anomalies), seeded by migration
    EVENT = "event", _("事件规则")  # a timeline action + conditions over its fields, set up by the centre
    RATE = "rate", _("比率规则")  # a ratio from the fixed menu per department, above a threshold


class AnomalyRule(models.Model):
    code = models.SlugField(_("规则编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    description = models.TextField(_("说明"), blank=True)
    severity = models.CharField(
        _("严重程度"), max_length=8, choices=Severity.choices, default=Severity.MEDIUM
    )
    enabled = models.BooleanField(_("启用"), default=True)
    kind = models.CharField(_("类型"), max_length=8, choices=RuleKind.choices)
    # Event rules: the CaseEvent action and [{"field", "op", "value"}, …], all of which must hold.
    event_action = models.CharField(_("事件"), max_length=32, blank=True)
    conditions = models.JSONField(_("条件"), default=list, blank=True)
    # Rate rules: numerator / denominator from supervision.anomalies.RATE_METRICS.
    rate_metric = models.CharField(_("比率指标"), max_length=24, blank=True)
    rate_window_days = models.PositiveSmallIntegerField(_("统计天数"), null=True, blank=True)
    rate_threshold = models.DecimalField(_("阈值"), max_digits=5, decimal_places=4, null=True, blank=True)
    rate_min_cases = models.PositiveIntegerField(_("最少办件数"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("异常规则")
        verbose_name_plural = _("异常规则")
        ordering = ["kind", "code"]

    def __str__(self) -> str:
        return self.name


class AnomalyState(models.TextChoices):
    OPEN = "open", _("待处理")  # raised by the sweep, not yet looked at
    CONFIRMED = "confirmed", _("已确认")  # a supervisor confirmed it (it counts against the unit)
    DISMISSED = "dismissed", _("已排除")  # a supervisor dismissed it, with a reason


class Anomaly(models.Model):
    id = models.BigAutoField(primary_key=True)
    # Written in bulk by the sweep from rows the same statement read: no per-row foreign-key check
    # (a deferred check per row and key, and a FOR KEY SHARE lock on each case; ADR 0010). PROTECT
    # is enforced by Django, and cases, rules and departments are never deleted under an anomaly.
    rule = models.ForeignKey(
        AnomalyRule, on_delete=models.PROTECT, related_name="anomalies", db_constraint=False
    )
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_constraint=False
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("责任部门"),
        db_constraint=False,
    )
    key = models.BigIntegerField(default=0)  # the fact inside the case (module docstring)
    severity = models.CharField(
        _("严重程度"), max_length=8, choices=Severity.choices
    )  # the rule's, when raised
    summary = models.CharField(_("摘要"), max_length=200)
    evidence = models.JSONField(
        default=dict, blank=True
    )  # {"case_events": [ids], "audit_events": [ids], "cases": [ids]}
    measure = models.JSONField(default=dict, blank=True)  # rate rules: numerator, denominator, rate, period
    detected_at = models.DateTimeField(_("发现时间"))
    run = models.BigIntegerField(null=True, blank=True)  # the SweepRun that raised it
    state = models.CharField(
        _("状态"), max_length=12, choices=AnomalyState.choices, default=AnomalyState.OPEN
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_note = models.CharField(_("处理说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("异常")
        verbose_name_plural = _("异常")
        ordering = ["-detected_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "case", "key"], condition=Q(case__isnull=False), name="anomaly_case_fact_uniq"
            ),
            models.UniqueConstraint(
                fields=["rule", "department", "key"], condition=Q(case__isnull=True), name="anomaly_unit_fact_uniq"
            ),
            models.UniqueConstraint(
                fields=["rule", "case"], condition=Q(state="open", case__isnull=False), name="anomaly_open_case_uniq"
            ),
            models.UniqueConstraint(
                fields=["rule", "department"], condition=Q(state="open", case__isnull=True),
                name="anomaly_open_unit_uniq",
            ),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["state", "detected_at"], name="anomaly_state_idx"),
            models.Index(fields=["department", "state"], name="anomaly_dept_idx"),
        ]

    def __str__(self) -> str:
        return self.summary


class AnomalyScan(models.Model):
    """One committed anomaly phase: where the next run's incremental scan starts (cf. SweepPhase).

    ``event_high`` / ``audit_high``: the highest CaseEvent / AuditEvent id when the phase began.
    """

    id = models.BigAutoField(primary_key=True)
    run = models.BigIntegerField(null=True, blank=True)
    now = models.DateTimeField(db_index=True)
    full = models.BooleanField()
    event_high = models.BigIntegerField()
    audit_high = models.BigIntegerField()
    report = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("异常扫描")
        verbose_name_plural = _("异常扫描")
