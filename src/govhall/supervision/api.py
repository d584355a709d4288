"""/api/v1/supervision: warnings (黄牌 / 红牌), anomalies, supervision orders and anomaly rules.

Bearer auth. Supervisors and the centre-wide roles see everything; other staff see the warnings
and orders of their units (org.access scope) — an object outside the caller's scope answers 404
like an unknown id. Anomalies and rules are the centre's (centre-wide roles only). Writes are the
services' (supervision.services, anomalies, orders), which check the role; errors leave as
``{code, message}`` (api.api).
"""

from datetime import datetime

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from govhall.core.api import api_actor, bearer
from govhall.core.errors import NotFound, PermissionDenied, ValidationFailed
from govhall.org.access import remember_for_request, require_role, scope_of
from govhall.org.models import Department, Role
from govhall.supervision import anomalies, orders
from govhall.supervision.api_schemas import (
    MAX_LIMIT,
    AnomalyDetailOut,
    AnomalyFilters,
    AnomalyOut,
    NoteIn,
    OrderFilters,
    OrderIn,
    OrderOut,
    Page,
    ReasonIn,
    ReplyIn,
    RuleIn,
    RuleOut,
    VerifyIn,
    WarningFilters,
    WarningOut,
)
from govhall.supervision.models import (
    AWAITING_REPLY,
    Anomaly,
    AnomalyRule,
    AnomalyState,
    Level,
    OrderKind,
    OrderState,
    Severity,
    SupervisionOrder,
    Warning,
)
from govhall.supervision.services import warning_remove

router = Router(tags=["电子监察"])


# --- access ------------------------------------------------------------------------------------------


def _caller(request: HttpRequest):
    user = api_actor(request)
    remember_for_request(user)  # one staff and scope lookup per request
    return user


def _in_units(qs: QuerySet, user, field: str) -> QuerySet:
    """Everything for the centre-wide roles, else the rows of the departments in the caller's scope
    (PermissionDenied for anyone who is not staff)."""
    scope = scope_of(user)
    return qs if scope.everything else qs.filter(**{f"{field}__in": scope.department_ids})


def _centre_wide(user) -> None:
    if not scope_of(user).everything:
        raise PermissionDenied(_("只有监察员和中心领导可以查看异常及规则。"), code="supervision.forbidden")


def _page(qs: QuerySet, page: Page) -> QuerySet:
    if not 1 <= page.limit <= MAX_LIMIT:
        raise ValidationFailed(_("limit须在1至%(m)d之间。") % {"m": MAX_LIMIT}, code="supervision.bad_limit",
                               field="limit")  # fmt: skip
    if page.offset < 0:
        raise ValidationFailed(_("offset不能为负数。"), code="supervision.bad_offset", field="offset")
    return qs[page.offset : page.offset + page.limit]


def _choice(value: str, choices, field: str) -> str:
    if value and value not in choices:
        raise ValidationFailed(
            _("%(f)s取值“%(v)s”无效；可选：%(c)s。") % {"f": field, "v": value, "c": "、".join(choices)},
            code="supervision.bad_filter", field=field,
        )  # fmt: skip
    return value


def _department(code: str, field: str = "department") -> Department:
    department = Department.objects.filter(code=(code or "").strip()).first()
    if department is None:
        raise ValidationFailed(_("部门编码“%(c)s”不存在。") % {"c": code}, code="supervision.department_unknown",
                               field=field)  # fmt: skip
    return department


def _name(user) -> str:
    if user is None:
        return ""
    staff = getattr(user, "staff", None)
    return staff.name if staff is not None else user.get_username()


# --- warnings --------------------------------------------------------------------------------------------


def _warning_data(w: Warning) -> dict:
    return {
        "id": w.pk, "level": w.level, "level_label": w.get_level_display(), "rule": w.rule,
        "rule_label": w.get_rule_display(), "case_number": w.case.number,
        "step": f"{w.step.name}（第{w.step.round}轮）" if w.step_id else "",
        "department": w.department.code if w.department_id else "",
        "department_name": w.department.name if w.department_id else "", "person": _name(w.person),
        "leader": _name(w.leader), "due_at": w.due_at, "raised_at": w.raised_at, "open": w.cleared_at is None,
        "cleared_at": w.cleared_at, "clear_kind": w.clear_kind, "clear_reason": w.clear_reason,
    }  # fmt: skip


def _warnings(user) -> QuerySet:
    qs = Warning.objects.select_related("case", "step", "department", "person__staff", "leader__staff")
    return _in_units(qs, user, "department_id")


@router.get("/warnings", response=list[WarningOut], auth=bearer, summary="预警（黄牌/红牌）列表")
def warning_list(request: HttpRequest, filters: Query[WarningFilters]):
    user = _caller(request)
    qs = _warnings(user)
    if _choice(filters.level, [Level.YELLOW, Level.RED], "level"):
        qs = qs.filter(level=filters.level)
    if filters.department:
        qs = qs.filter(department=_department(filters.department))
    if filters.open is not None:
        qs = qs.filter(cleared_at__isnull=filters.open)
    return [_warning_data(w) for w in _page(qs.order_by("-raised_at", "-id"), filters)]


@router.post(
    "/warnings/{warning_id}/remove", response=WarningOut, auth=bearer, summary="摘牌（监察员，须说明理由）"
)
def warning_remove_api(request: HttpRequest, warning_id: int, body: ReasonIn):
    user = _caller(request)
    warning = _warnings(user).filter(pk=warning_id).first()
    if warning is None:
        raise NotFound(_("预警不存在。"), code="supervision.warning_not_found")
    warning_remove(warning=warning, reason=body.reason, actor=user)
    return _warning_data(_warnings(user).get(pk=warning_id))


# --- anomalies -----------------------------------------------------------------------------------------


def _anomaly_data(a: Anomaly) -> dict:
    return {
        "id": a.pk, "rule": a.rule.code, "rule_name": a.rule.name, "severity": a.severity, "state": a.state,
        "state_label": a.get_state_display(), "case_number": a.case.number if a.case_id else None,
        "department": a.department.code if a.department_id else "",
        "department_name": a.department.name if a.department_id else "", "summary": a.summary,
        "measure": a.measure, "detected_at": a.detected_at, "decided_at": a.decided_at,
        "decision_note": a.decision_note,
    }  # fmt: skip


def _anomalies(user) -> QuerySet:
    _centre_wide(user)
    return Anomaly.objects.select_related("rule", "case", "department")


def _anomaly(user, anomaly_id: int) -> Anomaly:
    anomaly = _anomalies(user).filter(pk=anomaly_id).first()
    if anomaly is None:
        raise NotFound(_("异常不存在。"), code="supervision.anomaly_not_found")
    return anomaly


@router.get("/anomalies", response=list[AnomalyOut], auth=bearer, summary="异常列表（监察员）")
def anomaly_list(request: HttpRequest, filters: Query[AnomalyFilters]):
    qs = _anomalies(_caller(request))
    if _choice(filters.state, AnomalyState.values, "state"):
        qs = qs.filter(state=filters.state)
    if _choice(filters.severity, Severity.values, "severity"):
        qs = qs.filter(severity=filters.severity)
    if filters.rule:
        qs = qs.filter(rule=anomalies.anomaly_rule_get(filters.rule))
    if filters.department:
        qs = qs.filter(department=_department(filters.department))
    return [_anomaly_data(a) for a in _page(qs.order_by("-detected_at", "-id"), filters)]


@router.get("/anomalies/{anomaly_id}", response=AnomalyDetailOut, auth=bearer, summary="异常详情与证据")
def anomaly_detail(request: HttpRequest, anomaly_id: int):
    anomaly = _anomaly(_caller(request), anomaly_id)
    evidence = anomalies.anomaly_evidence(anomaly)
    events = [
        {"id": e.pk, "case_number": e.case.number, "action": e.action, "at": e.at, "from_state": e.from_state,
         "to_state": e.to_state, "note": e.note}
        for e in evidence["case_events"].select_related("case")
    ]  # fmt: skip
    audits = [
        {"id": e.pk, "action": e.action, "occurred_at": e.occurred_at, "actor_name": e.actor_name,
         "object_type": e.object_type, "object_id": e.object_id}
        for e in evidence["audit_events"]
    ]  # fmt: skip
    cases = list(evidence["cases"].values_list("number", flat=True))
    return _anomaly_data(anomaly) | {"case_events": events, "audit_events": audits, "cases": cases}


@router.post(
    "/anomalies/{anomaly_id}/confirm", response=AnomalyOut, auth=bearer, summary="确认异常（监察员）"
)
def anomaly_confirm_api(request: HttpRequest, anomaly_id: int, body: NoteIn):
    user = _caller(request)
    anomalies.anomaly_confirm(anomaly=_anomaly(user, anomaly_id), note=body.note, actor=user)
    return _anomaly_data(_anomaly(user, anomaly_id))


@router.post(
    "/anomalies/{anomaly_id}/dismiss",
    response=AnomalyOut,
    auth=bearer,
    summary="排除异常（监察员，须说明理由）",
)
def anomaly_dismiss_api(request: HttpRequest, anomaly_id: int, body: ReasonIn):
    user = _caller(request)
    anomalies.anomaly_dismiss(anomaly=_anomaly(user, anomaly_id), reason=body.reason, actor=user)
    return _anomaly_data(_anomaly(user, anomaly_id))


# --- orders ------------------------------------------------------------------------------------------------


def _order_data(o: SupervisionOrder, now: datetime) -> dict:
    return {
        "id": o.pk, "kind": o.kind, "kind_label": o.get_kind_display(), "unit": o.unit.code,
        "unit_name": o.unit.name, "content": o.content, "level": o.level, "level_label": o.get_level_display(),
        "state": o.state, "state_label": o.get_state_display(), "case_number": o.case.number if o.case_id else None,
        "anomaly": o.anomaly_id, "warning": o.warning_id, "rule": o.rule.code if o.rule_id else None,
        "reply_workdays": o.reply_workdays, "reply_due_at": o.reply_due_at,
        "overdue": o.state in AWAITING_REPLY and o.reply_due_at <= now, "issued_at": o.issued_at,
        "reply_text": o.reply_text, "replied_at": o.replied_at, "verify_note": o.verify_note,
        "verified_at": o.verified_at, "returned_count": o.returned_count, "escalated_at": o.escalated_at,
        "closed_at": o.closed_at, "close_note": o.close_note,
    }  # fmt: skip


def _orders(user) -> QuerySet:
    return _in_units(SupervisionOrder.objects.select_related("unit", "case", "rule"), user, "unit_id")


def _order(user, order_id: int) -> SupervisionOrder:
    order = _orders(user).filter(pk=order_id).first()
    if order is None:
        raise NotFound(_("督办单不存在。"), code="supervision.order_not_found")
    return order


@router.get("/orders", response=list[OrderOut], auth=bearer, summary="督办单列表（本单位或全部）")
def order_list(request: HttpRequest, filters: Query[OrderFilters]):
    qs = _orders(_caller(request))
    now = timezone.now()
    if _choice(filters.state, OrderState.values, "state"):
        qs = qs.filter(state=filters.state)
    if _choice(filters.kind, OrderKind.values, "kind"):
        qs = qs.filter(kind=filters.kind)
    if filters.department:
        qs = qs.filter(unit=_department(filters.department))
    if filters.overdue is not None:
        late = Q(state__in=AWAITING_REPLY, reply_due_at__lte=now)
        qs = qs.filter(late) if filters.overdue else qs.exclude(late)
    return [_order_data(o, now) for o in _page(qs.order_by("-issued_at", "-id"), filters)]


@router.get("/orders/{order_id}", response=OrderOut, auth=bearer, summary="督办单详情")
def order_detail(request: HttpRequest, order_id: int):
    return _order_data(_order(_caller(request), order_id), timezone.now())


def _sources(payload: OrderIn) -> dict:
    found = {}
    if payload.anomaly is not None:
        found["anomaly"] = Anomaly.objects.filter(pk=payload.anomaly).first()
    if payload.warning is not None:
        found["warning"] = Warning.objects.filter(pk=payload.warning).first()
    if payload.rule:
        found["rule"] = AnomalyRule.objects.filter(code=payload.rule.strip()).first()
    labels = {"anomaly": _("异常"), "warning": _("预警"), "rule": _("异常规则")}
    for name, value in found.items():
        if value is None:
            raise ValidationFailed(
                _("所引用的%(n)s不存在。") % {"n": labels[name]},
                code="supervision.source_unknown",
                field=name,
            )
    return found


@router.post("/orders", response={201: OrderOut}, auth=bearer, summary="下达督办单（监察员）")
def order_create(request: HttpRequest, payload: OrderIn):
    user = _caller(request)
    require_role(user, Role.SUPERVISOR)  # before any lookup tells what exists
    order = orders.order_issue(
        unit=_department(payload.unit, "unit"), kind=payload.kind, content=payload.content,
        reply_workdays=payload.reply_workdays, actor=user, **_sources(payload),
    )  # fmt: skip
    return Status(201, _order_data(_order(user, order.pk), timezone.now()))


@router.post("/orders/{order_id}/reply", response=OrderOut, auth=bearer, summary="回复督办单（责任单位）")
def order_reply_api(request: HttpRequest, order_id: int, body: ReplyIn):
    user = _caller(request)
    orders.order_reply(order=_order(user, order_id), text=body.text, actor=user)
    return _order_data(_order(user, order_id), timezone.now())


@router.post(
    "/orders/{order_id}/verify", response=OrderOut, auth=bearer, summary="核实回复：通过或退回整改（监察员）"
)
def order_verify_api(request: HttpRequest, order_id: int, body: VerifyIn):
    user = _caller(request)
    orders.order_verify(order=_order(user, order_id), accepted=body.accepted, note=body.note, actor=user)
    return _order_data(_order(user, order_id), timezone.now())


@router.post("/orders/{order_id}/close", response=OrderOut, auth=bearer, summary="督办办结（监察员）")
def order_close_api(request: HttpRequest, order_id: int, body: NoteIn):
    user = _caller(request)
    orders.order_close(order=_order(user, order_id), note=body.note, actor=user)
    return _order_data(_order(user, order_id), timezone.now())


# --- rules -----------------------------------------------------------------------------------------------


def _rule_data(rule: AnomalyRule) -> dict:
    keys = ("code", "name", "description", "severity", "kind", "enabled", "event_action", "conditions",
            "rate_metric", "rate_window_days", "rate_threshold", "rate_min_cases")  # fmt: skip
    return {k: getattr(rule, k) for k in keys}


@router.get("/rules", response=list[RuleOut], auth=bearer, summary="异常规则（内置与自定义）")
def rule_list(request: HttpRequest):
    _centre_wide(_caller(request))
    return [_rule_data(r) for r in AnomalyRule.objects.order_by("kind", "code")]


@router.post(
    "/rules", response={201: RuleOut}, auth=bearer, summary="新增异常规则（事件规则或比率规则，无需编程）"
)
def rule_create(request: HttpRequest, payload: RuleIn):
    user = _caller(request)
    rule = anomalies.anomaly_rule_create(data=payload.model_dump(), actor=user)
    return Status(201, _rule_data(rule))


@router.post(
    "/rules/{code}/{action}", response=RuleOut, auth=bearer, summary="启用（enable）或停用（disable）规则"
)
def rule_toggle(request: HttpRequest, code: str, action: str):
    user = _caller(request)
    if action not in ("enable", "disable"):
        raise NotFound(_("不支持的操作。"), code="supervision.unknown_action")
    _centre_wide(user)
    rule = anomalies.anomaly_rule_set_enabled(
        rule=anomalies.anomaly_rule_get(code), enabled=action == "enable", actor=user
    )
    return _rule_data(rule)
