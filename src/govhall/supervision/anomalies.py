"""Anomaly rules as data (RULES.md "Supervision"), their evaluation helpers and the services around them.

Builtin rules are the anomalies RULES.md lists; they are seeded by migration 0002 (``rules_seed``)
and evaluated by ``supervision.sweep_anomalies``. A centre adds rules without code:

- an **event rule** names a timeline action (``CaseEvent.action``, e.g. ``refuse``, ``conclude``,
  ``step_complete``) and conditions ``[{"field", "op", "value"}, …]`` over the event's fields
  (``EVENT_FIELDS``; operators = != > >= < <= in contains), all of which must hold; each case
  with a matching new event raises one anomaly;
- a **rate rule** picks a ratio from ``RATE_METRICS`` (e.g. overdue concluded / concluded), a
  window of N days, a threshold and a minimum number of cases; each department above the threshold
  raises one anomaly per window.

Nothing a centre enters reaches SQL as text: fields map to fixed ORM lookups, operators to fixed
lookups, values are typed and bound.

Evaluation happens in the sweep (every minute), incrementally over the timeline rows written
since the last run: the cases context publishes no domain events (``core.events``), and every
change it makes writes a CaseEvent in the same transaction, so the timeline is the change feed
(docs/adr/0010-supervision-sweep.md). A handler registered with ``core.events.subscribe`` can
call the same evaluation once cases publishes events.
"""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay
from django.utils import timezone
from django.utils.translation import gettext as _

from govhall.cases.models import Case, CaseEvent
from govhall.cases.states import Action, CaseState
from govhall.core import audit
from govhall.core.errors import Conflict, NotFound, ValidationFailed
from govhall.core.models import AuditEvent
from govhall.org.access import require_role
from govhall.org.models import Role
from govhall.supervision.models import Anomaly, AnomalyRule, AnomalyState, RuleKind, Severity

NOTE_MAX = 200
EVIDENCE_MAX = 50  # ids kept per kind: enough to show what happened, bounded for a long timeline

# --- the builtin rules (RULES.md "Supervision") ----------------------------------------------------

OVERDUE, STEP_OVERDUE, REFUSED_NO_REASON = "overdue", "step_overdue", "refused_without_reason"
ACCEPTED_LATE, SUSPENSION_OVERRUN, MISSING_STEP = "accepted_late", "suspension_overrun", "missing_step"
FEE_OFF_SCHEDULE, OFFLINE_ONLY, EDITED_AFTER_CONCLUSION = (
    "fee_off_schedule",
    "offline_only",
    "edited_after_conclusion",
)

BUILTIN_RULES: tuple[dict, ...] = (
    {"code": OVERDUE, "name": "超期办理", "severity": Severity.HIGH,
     "description": "办件超过承诺办结时限仍未办结，或办结时间晚于承诺时限（暂停计时期间不计）。"},
    {"code": STEP_OVERDUE, "name": "环节超时", "severity": Severity.MEDIUM,
     "description": "审批环节超过该环节的办理时限仍未办完，或办完时间晚于环节时限。"},
    {"code": REFUSED_NO_REASON, "name": "不予受理未说明理由", "severity": Severity.HIGH,
     "description": "不予受理，或以不予许可、作废、删除、转报、退件、拒绝办结，却未说明理由（行政许可法第三十二条、第三十八条）。"},
    {"code": ACCEPTED_LATE, "name": "超期受理", "severity": Severity.MEDIUM,
     "description": "收件（或预审通过、补正材料收齐）后超过5个工作日才受理，或因逾期未作处理被视为受理（行政许可法第三十二条）。"},
    {"code": SUSPENSION_OVERRUN, "name": "特别程序超期", "severity": Severity.MEDIUM,
     "description": "听证、检验检测、专家评审等特别程序超过书面告知申请人的时长仍未结束（行政许可法第四十五条）。"},
    {"code": MISSING_STEP, "name": "缺少必经环节办结", "severity": Severity.HIGH,
     "description": "办件以出证办结，但其流程中的审批环节并未全部通过。"},
    {"code": FEE_OFF_SCHEDULE, "name": "收费不符", "severity": Severity.HIGH,
     "description": "收费项目不在收费目录内或高于收费标准。收费子系统尚未上线，本规则暂不产生异常；收费功能上线后据实收费记录判定。"},
    {"code": OFFLINE_ONLY, "name": "应网办未网办", "severity": Severity.LOW,
     "description": "事项可全程网办（网上办理、到现场零次），办件却经窗口或邮寄收件。"},
    {"code": EDITED_AFTER_CONCLUSION, "name": "办结后修改", "severity": Severity.HIGH,
     "description": "办件办结（或送达）后仍有办理操作或数据修改记录；送达、撤销、容缺补齐、告知承诺核查、抄送阅知除外。"},
)  # fmt: skip
BUILTIN_CODES = frozenset(rule["code"] for rule in BUILTIN_RULES)


def rules_seed(model=AnomalyRule) -> int:
    """Create the builtin rules that are missing (a centre's edits to existing ones are kept).

    ``model``: the historical model when called from a migration.
    """
    have = set(model.objects.filter(code__in=BUILTIN_CODES).values_list("code", flat=True))
    rows = [
        model(kind=RuleKind.BUILTIN, enabled=True, **rule)
        for rule in BUILTIN_RULES
        if rule["code"] not in have
    ]
    model.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


# --- event rules -------------------------------------------------------------------------------------

# field → (ORM lookup on CaseEvent, type, label). "hour" and "weekday" are annotations (local time).
EVENT_FIELDS: dict[str, tuple[str, type, str]] = {
    "from_state": ("from_state", str, "原状态"),
    "to_state": ("to_state", str, "新状态"),
    "report_status": ("report_status", int, "上报状态"),
    "note": ("note", str, "说明"),
    "step_name": ("step__name", str, "环节名称"),
    "step_role": ("step__role", str, "环节角色"),
    "actor_role": ("actor__staff__role", str, "操作人角色"),
    "hour": ("_hour", int, "操作时刻（时）"),
    "weekday": ("_weekday", int, "星期（1-7）"),
    "case.channel": ("case__channel", str, "办件渠道"),
    "case.result_code": ("case__result_code", int, "办结结果"),
    "case.acceptance_mode": ("case__acceptance_mode", str, "受理方式"),
    "case.applicant_kind": ("case__applicant_kind", str, "申请人类型"),
    "case.item": ("case__item__code", str, "事项编码"),
    "case.department": ("case__item__department__code", str, "部门编码"),
    "case.site": ("case__site__code", str, "场所编码"),
}
OPERATORS = {"=": "exact", "!=": "exact", ">": "gt", ">=": "gte", "<": "lt", "<=": "lte", "in": "in",
             "contains": "contains"}  # fmt: skip
CONDITIONS_MAX, IN_VALUES_MAX = 10, 50
# Timeline actions besides the state moves (states.Action): intake, undertakings, the processing
# engine's step operations (processing.record writes "step_<op>").
OTHER_EVENT_ACTIONS = frozenset(
    {"submit", "undertaking_fulfil", "commitment_verify", "step_start"}
    | {f"step_{op}" for op in ("open", "complete", "return", "withdraw", "transfer", "delegate", "add_signers",
                               "remove_signer", "copy", "copy_read", "urge", "inspection_add", "inspection_report")}
)  # fmt: skip
EVENT_ACTIONS = frozenset(Action.values) | OTHER_EVENT_ACTIONS


def _bad(message: str, code: str, field: str = "conditions") -> ValidationFailed:
    return ValidationFailed(message, code=code, field=field)


def _typed(value, kind: type, index: int):
    if kind is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if kind is str and isinstance(value, str) and len(value) <= 200:
        return value
    label = _("整数") if kind is int else _("不超过200字的文本")
    raise _bad(_("第%(i)s个条件的值须为%(t)s。") % {"i": index, "t": label}, "supervision.rule_value")


def _clause(raw, index: int) -> dict:
    if not isinstance(raw, dict) or set(raw) - {"field", "op", "value"}:
        raise _bad(
            _("第%(i)s个条件格式有误，应为{field, op, value}。") % {"i": index}, "supervision.rule_condition"
        )
    field, op, value = raw.get("field"), raw.get("op"), raw.get("value")
    if field not in EVENT_FIELDS:
        names = "、".join(EVENT_FIELDS)
        raise _bad(_("第%(i)s个条件的字段“%(f)s”无效；可选：%(n)s。") % {"i": index, "f": field, "n": names},
                   "supervision.rule_field")  # fmt: skip
    if op not in OPERATORS:
        raise _bad(_("第%(i)s个条件的运算符“%(o)s”无效；可选：%(n)s。") % {"i": index, "o": op, "n": " ".join(OPERATORS)},
                   "supervision.rule_op")  # fmt: skip
    kind = EVENT_FIELDS[field][1]
    if op == "in":
        if not isinstance(value, list) or not 0 < len(value) <= IN_VALUES_MAX:
            raise _bad(_("第%(i)s个条件的 in 须给出1至%(m)s个值的列表。") % {"i": index, "m": IN_VALUES_MAX},
                       "supervision.rule_value")  # fmt: skip
        value = [_typed(v, kind, index) for v in value]
    elif op == "contains" and kind is not str:
        raise _bad(_("第%(i)s个条件：contains 只能用于文本字段。") % {"i": index}, "supervision.rule_op")
    elif op in (">", ">=", "<", "<=") and kind is not int:
        raise _bad(_("第%(i)s个条件：大小比较只能用于数值字段。") % {"i": index}, "supervision.rule_op")
    else:
        value = _typed(value, kind, index)
    return {"field": field, "op": op, "value": value}


def conditions_clean(conditions) -> list[dict]:
    """Validate an event rule's conditions; returns them normalised (raises ValidationFailed)."""
    if conditions in (None, ""):
        return []
    if not isinstance(conditions, list) or len(conditions) > CONDITIONS_MAX:
        raise _bad(_("条件须为不超过%(m)s项的列表。") % {"m": CONDITIONS_MAX}, "supervision.rule_condition")
    return [_clause(raw, i) for i, raw in enumerate(conditions, start=1)]


def event_rule_events(rule: AnomalyRule, events: QuerySet) -> QuerySet:
    """The events of ``events`` (CaseEvent) that match ``rule``: its action and every condition."""
    fields = {c["field"] for c in rule.conditions}
    if "hour" in fields:
        events = events.annotate(_hour=ExtractHour("at", tzinfo=timezone.get_current_timezone()))
    if "weekday" in fields:
        events = events.annotate(_weekday=ExtractIsoWeekDay("at", tzinfo=timezone.get_current_timezone()))
    events = events.filter(action=rule.event_action)
    for c in rule.conditions:
        q = Q(**{f"{EVENT_FIELDS[c['field']][0]}__{OPERATORS[c['op']]}": c["value"]})
        events = events.exclude(q) if c["op"] == "!=" else events.filter(q)
    return events


# --- rate rules -----------------------------------------------------------------------------------

# metric → (label, cases counted in the denominator over the window, numerator condition among them).
# Windows use the instant the case was received or concluded; the department is the item's.
RATE_METRICS: dict[str, tuple[str, str, Q]] = {
    "overdue_concluded": ("超期办结率（超期办结件数 / 办结件数）", "concluded_at",
                          Q(promised_due_at__isnull=False, concluded_at__gt=F("promised_due_at"))),
    "not_permitted": ("不予许可率（不予许可件数 / 办结件数）", "concluded_at", Q(result_code=1)),
    "refused": ("不予受理率（不予受理件数 / 收件数）", "received_at", Q(state=CaseState.REFUSED)),
    "supplement": ("补正率（一次性告知补正件数 / 收件数）", "received_at", Q(supplement_notice__isnull=False)),
    "withdrawn": ("撤回率（撤回件数 / 收件数）", "received_at", Q(state=CaseState.WITHDRAWN)),
}  # fmt: skip
WINDOW_DAYS_MAX = 366


def rate_rows(rule: AnomalyRule, now: dt.datetime) -> list[dict]:
    """Departments above ``rule``'s threshold over its window: [{department, numerator, denominator}]."""
    _label, column, numerator = RATE_METRICS[rule.rate_metric]
    start = now - dt.timedelta(days=rule.rate_window_days)
    rows = (
        Case.objects.filter(**{f"{column}__gt": start, f"{column}__lte": now})
        .values(department=F("item__department_id"))
        .annotate(denominator=Count("id"), numerator=Count("id", filter=numerator))
        .order_by("department")
    )
    return [
        row for row in rows
        if row["denominator"] >= rule.rate_min_cases
        and Decimal(row["numerator"]) > rule.rate_threshold * row["denominator"]
    ]  # fmt: skip


def rate_cases(rule: AnomalyRule, department_id: int, now: dt.datetime) -> list[int]:
    """The numerator's cases of one department (the rate anomaly's evidence), newest first."""
    _label, column, numerator = RATE_METRICS[rule.rate_metric]
    start = now - dt.timedelta(days=rule.rate_window_days)
    rows = Case.objects.filter(numerator, item__department_id=department_id,
                               **{f"{column}__gt": start, f"{column}__lte": now})  # fmt: skip
    return list(rows.order_by("-id").values_list("id", flat=True)[:EVIDENCE_MAX])


# --- evidence ----------------------------------------------------------------------------------

_PAIR_BEFORE = dt.timedelta(seconds=1)
_PAIR_AFTER = dt.timedelta(hours=1)


def audit_pairs(event_ids: list[int]) -> dict[int, int]:
    """CaseEvent id → the id of the audit event its service wrote in the same transaction.

    The cases context writes a timeline row and an audit event (action ``cases.<action>``, object
    the case) together; the audit event is written just after, under the chain lock. Walking both
    lists of a (case, action) from the newest, a pair is an audit event at most an hour after the
    row's instant (and not before it): rows without an audit event (``step_start``, a raw write)
    stay unpaired, and pruned audit events (the retention prune drops the oldest) pair with none.
    """
    if not event_ids:
        return {}
    events = list(
        CaseEvent.objects.filter(pk__in=event_ids).order_by().values_list("id", "case_id", "action")
    )
    cases = {case_id for _id, case_id, _action in events}
    actions = {action for _id, _case, action in events}
    timeline = (
        CaseEvent.objects.filter(case_id__in=cases, action__in=actions)
        .order_by()
        .values_list("id", "case_id", "action", "at")
    )
    audits = AuditEvent.objects.filter(
        object_type="cases.case",
        object_id__in=[str(c) for c in cases],
        action__in=[f"cases.{a}" for a in actions],
    ).values_list("id", "object_id", "action", "occurred_at")
    rows: dict[tuple[int, str], list] = {}
    for pk, case_id, action, at in timeline:
        rows.setdefault((case_id, action), []).append((pk, at))
    logged: dict[tuple[int, str], list] = {}
    for pk, object_id, action, occurred in audits:
        logged.setdefault((int(object_id), action.removeprefix("cases.")), []).append((pk, occurred))
    pairs: dict[int, int] = {}
    for key, row_list in rows.items():
        pairs |= _walk(sorted(row_list, reverse=True), sorted(logged.get(key, []), reverse=True))
    wanted = set(event_ids)
    return {e: a for e, a in pairs.items() if e in wanted}


def _walk(rows: list, audits: list) -> dict[int, int]:
    pairs, i, j = {}, 0, 0
    while i < len(rows) and j < len(audits):
        (row, at), (audit_id, occurred) = rows[i], audits[j]
        if occurred > at + _PAIR_AFTER:
            j += 1  # an audit event with no row of its own this late: skip it
        elif occurred < at - _PAIR_BEFORE:
            i += 1  # the row has no audit event (written raw, or pruned)
        else:
            pairs[row] = audit_id
            i, j = i + 1, j + 1
    return pairs


def anomaly_evidence(anomaly: Anomaly) -> dict:
    """Selector: the rows an anomaly's evidence names (rows pruned since are simply absent).

    The sweep stores the timeline rows (and the audit events that are evidence on their own); the
    audit event each row's service wrote with it is found here (``audit_pairs``), when it is read:
    audit events are append-only, so the answer is the one the sweep would have stored, and the
    sweep does not pay for it on every anomaly raised.
    """
    evidence = anomaly.evidence or {}
    rows = evidence.get("case_events", [])
    audits = set(evidence.get("audit_events", [])) | set(audit_pairs(rows).values())
    return {
        "case_events": CaseEvent.objects.filter(pk__in=rows).order_by("id"),
        "audit_events": AuditEvent.objects.filter(pk__in=audits).order_by("id"),
        "cases": Case.objects.filter(pk__in=evidence.get("cases", [])).order_by("-id"),
    }


# --- services: anomalies -----------------------------------------------------------------------------


def _note(value, *, required: bool, field: str) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationFailed(_("排除异常须说明理由。"), code="supervision.reason_required", field=field)
    if len(text) > NOTE_MAX:
        raise ValidationFailed(_("说明不得超过%(n)s个字。") % {"n": NOTE_MAX}, code="supervision.note_too_long",
                               field=field)  # fmt: skip
    return text


def _decide(anomaly: Anomaly, state: str, note: str, actor) -> Anomaly:
    anomaly = Anomaly.objects.select_for_update().get(pk=anomaly.pk)
    if anomaly.state != AnomalyState.OPEN:
        raise Conflict(
            _("该异常已处理（%(s)s），不能再次处理。") % {"s": anomaly.get_state_display()},
            code="supervision.anomaly_closed", state=anomaly.state,
        )  # fmt: skip
    before = {"state": anomaly.state}
    anomaly.state, anomaly.decided_at, anomaly.decided_by, anomaly.decision_note = (
        state,
        timezone.now(),
        actor,
        note,
    )
    anomaly.save(update_fields=["state", "decided_at", "decided_by", "decision_note"])
    audit.record(action=f"supervision.anomaly_{'confirm' if state == AnomalyState.CONFIRMED else 'dismiss'}",
                 actor=actor, obj=anomaly, before=before, after={"state": state},
                 detail={"note": note, "rule": anomaly.rule.code, "case": anomaly.case_id})  # fmt: skip
    return anomaly


@transaction.atomic(durable=True)
def anomaly_confirm(*, anomaly: Anomaly, note: str = "", actor) -> Anomaly:
    """A supervisor confirms an open anomaly (it then counts against the unit)."""
    require_role(actor, Role.SUPERVISOR)
    return _decide(anomaly, AnomalyState.CONFIRMED, _note(note, required=False, field="note"), actor)


@transaction.atomic(durable=True)
def anomaly_dismiss(*, anomaly: Anomaly, reason: str, actor) -> Anomaly:
    """A supervisor dismisses an open anomaly, with a reason (the sweep never raises it again)."""
    require_role(actor, Role.SUPERVISOR)
    return _decide(anomaly, AnomalyState.DISMISSED, _note(reason, required=True, field="reason"), actor)


# --- services: configured rules ----------------------------------------------------------------------


def _text(value, *, field: str, label: str, limit: int, required: bool = True) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else None
    if text is None or (required and not text) or len(text) > limit:
        raise ValidationFailed(
            _("%(l)s须为不超过%(n)s个字的文本。") % {"l": label, "n": limit},
            code="supervision.rule_text",
            field=field,
        )
    return text


def _rate_fields(metric, window_days, threshold, min_cases) -> dict:
    if metric not in RATE_METRICS:
        names = "、".join(f"{k}（{v[0]}）" for k, v in RATE_METRICS.items())
        raise _bad(_("比率指标“%(m)s”无效；可选：%(n)s。") % {"m": metric, "n": names}, "supervision.rule_metric",
                   "rate_metric")  # fmt: skip
    if (
        not isinstance(window_days, int)
        or isinstance(window_days, bool)
        or not 1 <= window_days <= WINDOW_DAYS_MAX
    ):
        raise _bad(_("统计天数须为1至%(m)s的整数。") % {"m": WINDOW_DAYS_MAX}, "supervision.rule_window",
                   "rate_window_days")  # fmt: skip
    try:
        value = Decimal(str(threshold))
    except (InvalidOperation, ValueError):
        value = Decimal(-1)
    if not value.is_finite() or not Decimal(0) <= value < Decimal(1) or value != round(value, 4):
        raise _bad(_("阈值须为0至1之间的比率（最多4位小数），如0.1表示10%。"), "supervision.rule_threshold",
                   "rate_threshold")  # fmt: skip
    min_cases = 1 if min_cases is None else min_cases
    if not isinstance(min_cases, int) or isinstance(min_cases, bool) or not 1 <= min_cases <= 100000:
        raise _bad(_("最少办件数须为正整数。"), "supervision.rule_min_cases", "rate_min_cases")
    return {"rate_metric": metric, "rate_window_days": window_days, "rate_threshold": value.quantize(Decimal("0.0001")),
            "rate_min_cases": min_cases}  # fmt: skip


def _rule_fields(data: dict) -> dict:
    kind = data.get("kind")
    if kind not in (RuleKind.EVENT, RuleKind.RATE):
        raise _bad(
            _("规则类型须为事件规则（event）或比率规则（rate）；内置规则不能新增。"),
            "supervision.rule_kind",
            "kind",
        )
    code = _text(data.get("code"), field="code", label=_("规则编码"), limit=40)
    if (
        not code.replace("_", "").replace("-", "").isascii()
        or not code.replace("_", "").replace("-", "").isalnum()
    ):
        raise _bad(_("规则编码只能由字母、数字、下划线和连字符组成。"), "supervision.rule_code", "code")
    severity = data.get("severity") or Severity.MEDIUM
    if severity not in Severity.values:
        raise _bad(_("严重程度须为 low、medium 或 high。"), "supervision.rule_severity", "severity")
    fields = {
        "code": code, "kind": kind, "severity": severity,
        "name": _text(data.get("name"), field="name", label=_("规则名称"), limit=64),
        "description": _text(data.get("description"), field="description", label=_("说明"), limit=500,
                             required=False),
    }  # fmt: skip
    if kind == RuleKind.EVENT:
        action = data.get("event_action")
        if action not in EVENT_ACTIONS:
            raise _bad(_("事件“%(a)s”无效；可选：%(n)s。") % {"a": action, "n": "、".join(sorted(EVENT_ACTIONS))},
                       "supervision.rule_action", "event_action")  # fmt: skip
        return fields | {"event_action": action, "conditions": conditions_clean(data.get("conditions"))}
    return fields | _rate_fields(data.get("rate_metric"), data.get("rate_window_days"),
                                 data.get("rate_threshold"), data.get("rate_min_cases"))  # fmt: skip


def _rule_snapshot(rule: AnomalyRule) -> dict:
    keys = ("code", "name", "kind", "severity", "enabled", "event_action", "conditions", "rate_metric",
            "rate_window_days", "rate_threshold", "rate_min_cases")  # fmt: skip
    return {k: getattr(rule, k) for k in keys}


@transaction.atomic(durable=True)
def anomaly_rule_create(*, data: dict, actor) -> AnomalyRule:
    """A supervisor or the centre manager adds an event or rate rule (no code, no SQL)."""
    require_role(actor, Role.SUPERVISOR, Role.MANAGER)
    fields = _rule_fields(data)
    if AnomalyRule.objects.filter(code=fields["code"]).exists():
        raise Conflict(_("规则编码“%(c)s”已存在。") % {"c": fields["code"]}, code="supervision.rule_exists")
    rule = AnomalyRule.objects.create(enabled=True, created_by=actor, **fields)
    audit.record(action="supervision.rule_create", actor=actor, obj=rule, after=_rule_snapshot(rule))
    return rule


@transaction.atomic(durable=True)
def anomaly_rule_set_enabled(*, rule: AnomalyRule, enabled: bool, actor) -> AnomalyRule:
    """Turn a rule on or off (builtin ones too: a centre may not want one of them)."""
    require_role(actor, Role.SUPERVISOR, Role.MANAGER)
    rule = AnomalyRule.objects.select_for_update().get(pk=rule.pk)
    if rule.enabled == bool(enabled):
        return rule
    rule.enabled = bool(enabled)
    rule.save(update_fields=["enabled"])
    audit.record(action="supervision.rule_enable" if enabled else "supervision.rule_disable", actor=actor,
                 obj=rule, before={"enabled": not rule.enabled}, after={"enabled": rule.enabled})  # fmt: skip
    return rule


def anomaly_rule_get(code: str) -> AnomalyRule:
    rule = AnomalyRule.objects.filter(code=(code or "").strip()).first()
    if rule is None:
        raise NotFound(_("异常规则不存在。"), code="supervision.rule_not_found")
    return rule
