"""Supervision in the admin: read only (cards are removed, anomalies decided and orders worked
through the services and the dashboard, each audited)."""

from django.contrib import admin

from govhall.core.admin_audit import ReadOnlyAdmin
from govhall.supervision.models import Anomaly, AnomalyRule, SupervisionOrder, SweepRun, Warning


@admin.register(Warning)
class WarningAdmin(ReadOnlyAdmin):
    list_display = ["case", "level", "rule", "department", "raised_at", "cleared_at", "clear_kind"]
    list_filter = ["level", "rule", "clear_kind"]
    search_fields = ["case__number"]
    list_select_related = ["case", "department"]


@admin.register(Anomaly)
class AnomalyAdmin(ReadOnlyAdmin):
    list_display = ["rule", "case", "department", "severity", "state", "detected_at"]
    list_filter = ["state", "severity", "rule"]
    search_fields = ["case__number"]
    list_select_related = ["rule", "case", "department"]


@admin.register(AnomalyRule)
class AnomalyRuleAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "kind", "severity", "enabled"]
    list_filter = ["kind", "enabled"]


@admin.register(SupervisionOrder)
class SupervisionOrderAdmin(ReadOnlyAdmin):
    list_display = ["unit", "kind", "state", "reply_due_at", "escalated_at"]
    list_filter = ["state", "kind"]


@admin.register(SweepRun)
class SweepRunAdmin(ReadOnlyAdmin):
    list_display = ["id", "now", "started_at", "finished_at"]
