"""Request and response shapes of /api/v1/supervision (supervision.api)."""

from datetime import datetime
from decimal import Decimal

from ninja import Schema

from govhall.supervision import orders
from govhall.supervision.models import Severity

MAX_LIMIT = 100


class Page(Schema):
    limit: int = 20
    offset: int = 0


class WarningFilters(Page):
    level: str = ""  # yellow / red
    department: str = ""  # department code
    open: bool | None = None  # True: not cleared; False: cleared


class AnomalyFilters(Page):
    state: str = ""  # open / confirmed / dismissed
    rule: str = ""  # rule code
    severity: str = ""
    department: str = ""


class OrderFilters(Page):
    state: str = ""
    kind: str = ""
    department: str = ""
    overdue: bool | None = None  # awaiting a reply past the deadline


class WarningOut(Schema):
    id: int
    level: str
    level_label: str
    rule: str
    rule_label: str
    case_number: str
    step: str
    department: str
    department_name: str
    person: str
    leader: str
    due_at: datetime | None
    raised_at: datetime
    open: bool
    cleared_at: datetime | None
    clear_kind: str
    clear_reason: str


class ReasonIn(Schema):
    reason: str = ""


class NoteIn(Schema):
    note: str = ""


class AnomalyOut(Schema):
    id: int
    rule: str
    rule_name: str
    severity: str
    state: str
    state_label: str
    case_number: str | None
    department: str
    department_name: str
    summary: str
    measure: dict
    detected_at: datetime
    decided_at: datetime | None
    decision_note: str


class CaseEventOut(Schema):
    id: int
    case_number: str
    action: str
    at: datetime
    from_state: str
    to_state: str
    note: str


class AuditEventOut(Schema):
    id: int
    action: str
    occurred_at: datetime
    actor_name: str
    object_type: str
    object_id: str


class AnomalyDetailOut(AnomalyOut):
    case_events: list[CaseEventOut]
    audit_events: list[AuditEventOut]
    cases: list[str]


class OrderIn(Schema):
    kind: str
    unit: str  # department code
    content: str
    reply_workdays: Decimal = orders.REPLY_WORKDAYS_DEFAULT
    anomaly: int | None = None
    warning: int | None = None
    rule: str = ""


class ReplyIn(Schema):
    text: str = ""


class VerifyIn(Schema):
    accepted: bool
    note: str = ""


class OrderOut(Schema):
    id: int
    kind: str
    kind_label: str
    unit: str
    unit_name: str
    content: str
    level: int
    level_label: str
    state: str
    state_label: str
    case_number: str | None
    anomaly: int | None
    warning: int | None
    rule: str | None
    reply_workdays: Decimal
    reply_due_at: datetime
    overdue: bool
    issued_at: datetime
    reply_text: str
    replied_at: datetime | None
    verify_note: str
    verified_at: datetime | None
    returned_count: int
    escalated_at: datetime | None
    closed_at: datetime | None
    close_note: str


class RuleIn(Schema):
    code: str
    name: str
    kind: str  # event / rate
    description: str = ""
    severity: str = Severity.MEDIUM
    event_action: str = ""
    conditions: list[dict] = []
    rate_metric: str = ""
    rate_window_days: int | None = None
    rate_threshold: Decimal | None = None
    rate_min_cases: int | None = None


class RuleOut(Schema):
    code: str
    name: str
    description: str
    severity: str
    kind: str
    enabled: bool
    event_action: str
    conditions: list[dict]
    rate_metric: str
    rate_window_days: int | None
    rate_threshold: Decimal | None
    rate_min_cases: int | None
