"""The cases API (CONTRACTS.md "API"): filing, the caller's cases, every case action and step
operation, notices as PDF, and the public lookup by case number + query password.

A case the caller may not see answers 404 ``cases.not_found`` exactly like an unknown number, so
the API never confirms that a number exists (RULES.md "Cases": personal data). An action the
case's state or the caller's role does not allow answers 409 with the current state and the
actions the caller may take; a missing permission 403; in every case nothing changes.
"""

from datetime import date, datetime
from decimal import Decimal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from govhall.cases import actions, present, scopes, services
from govhall.cases.models import ApplicantKind, Case, Channel, Notice, StepTask
from govhall.cases.scopes import CaseNotFound, case_not_found, is_staff
from govhall.cases.states import CaseState
from govhall.catalog.models import ServiceItem
from govhall.core.api import api_actor, bearer
from govhall.core.errors import Conflict, NotFound, ValidationFailed
from govhall.core.middleware import client_ip
from govhall.core.models.users import UserKind
from govhall.org.access import remember_for_request, staff_of
from govhall.org.models import Role, Site

router = Router(tags=["办件"])
public_router = Router(tags=["办件查询"])

MAX_LIMIT = 100
# What a caller may ask for; deemed acceptance, decision and expiry are the system's own moves.
API_ACTIONS = tuple(actions.CASE_ACTIONS) + tuple(actions.CASE_STEP_OPS)
__all__ = ["API_ACTIONS", "CaseNotFound", "case_not_found", "public_router", "router"]


# --- schemas -------------------------------------------------------------------------------------


class SubmitIn(Schema):
    item: str
    site: str
    applicant_name: str = ""
    applicant_id_number: str = ""
    applicant_kind: str = ApplicantKind.PERSON
    channel: str = ""  # staff intake: window (default) or post
    consent: bool = False  # agency filings: the applicant's consent has been recorded


class ActionIn(Schema):
    """Input of a case action; each action reads the fields it needs (see the action's summary)."""

    reason: str = ""
    note: str = ""
    materials: list[str] = []  # request_supplement: every missing material at once
    owed: list[str] = []  # accept_tolerant: materials owed under the undertaking
    undertaking_text: str = ""
    deadline_workdays: Decimal | None = None
    passed: bool | None = None  # pre_review
    reasons: str = ""  # pre_review / pre_review_return
    form_data: dict | None = None  # resubmit
    kind: str = ""  # special_start: hearing, tender, … (SpecialProcedure.Kind)
    announced_workdays: Decimal | None = None
    workdays: int | None = None  # extend: 10 or 15
    approver: str = ""  # extend: the approving head's username
    result_code: int | None = None  # conclude: 0–6
    certificate_no: str = ""
    certificate_valid_until: date | None = None
    method: str = ""  # deliver: window / post
    recipient_name: str = ""
    tracking_no: str = ""
    truthful: bool | None = None  # commitment_verify
    to_users: list[str] = []  # copy (usernames)
    inspector: str = ""  # inspection_add (username)


class StepOpIn(Schema):
    """Input of a step operation; each operation reads the fields it needs."""

    opinion: str = ""  # complete: approve / reject
    comment: str = ""
    to_flow_order: int | None = None  # return
    reason: str = ""
    branch_department: str = ""  # return one countersign branch (department code)
    to_user: str = ""  # transfer / delegate (username)
    to_department: str = ""  # transfer (department code)
    note: str = ""
    users: list[str] = []  # add_signers (usernames)
    departments: list[str] = []  # add_signers (department codes)
    position: str = ""  # add_signers: before / after
    findings: str = ""  # inspection_report
    photos: list[int] = []  # inspection_report: ids of the case's uploaded files


class EventOut(Schema):
    action: str
    action_label: str
    at: datetime
    from_state: str
    to_state: str
    note: str
    actor: str
    clock_effect: dict = {}


class CaseOut(Schema):
    number: str
    state: str
    state_label: str
    report_status: int
    item_code: str
    item_name: str
    site_code: str
    channel: str
    applicant_name: str
    received_at: datetime
    accepted_at: datetime | None
    acceptance_deadline: datetime | None
    legal_due_at: datetime | None
    promised_due_at: datetime | None
    allowed_actions: list[str]


class CaseCreatedOut(CaseOut):
    query_password: str | None = None


class TaskOut(Schema):
    id: int
    kind: str
    seq: int
    department: str
    holder: str
    relation: str
    state: str
    state_label: str
    opinion: str
    comment: str
    opened_at: datetime | None
    done_at: datetime | None
    urge_count: int


class StepOut(Schema):
    round: int
    flow_order: int
    name: str
    role: str
    department: str
    mode: str
    state: str
    outcome: str
    started_at: datetime
    finished_at: datetime | None
    due_at: datetime | None
    status: str
    tasks: list[TaskOut]


class ClocksOut(Schema):
    status: str
    status_label: str
    due_at: datetime | None = None
    legal_due_at: datetime | None = None
    used: Decimal | None = None
    left: Decimal | None = None
    limit: Decimal | None = None
    unit: str = ""


class NoticeOut(Schema):
    number: str
    kind: str
    kind_label: str
    issued_at: datetime
    url: str


class CaseDetailOut(CaseOut):
    acceptance_mode: str
    decision: str
    result_code: int | None
    certificate_no: str
    clocks: ClocksOut
    steps: list[StepOut]
    notices: list[NoticeOut]
    timeline: list[EventOut]


class PublicCaseOut(Schema):
    number: str
    state: str
    state_label: str
    item_name: str
    received_at: datetime
    accepted_at: datetime | None
    legal_due_at: datetime | None
    promised_due_at: datetime | None
    timeline: list[EventOut]
    notices: list[NoticeOut] = []


# --- access --------------------------------------------------------------------------------------


def _caller(request: HttpRequest):
    user = api_actor(request)
    remember_for_request(user)  # one staff and scope lookup per request
    return user


def _visible_case(user, number: str) -> Case:
    return scopes.case_visible(user=user, number=number)


def _label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _case_data(case: Case, user, allowed: list[str] | None = None, *, masked: bool = False) -> dict:
    """One case as the API gives it; ``masked``: a list, which does not need a person's name whole."""
    return {
        "number": case.number, "state": case.state, "state_label": _label(CaseState, case.state),
        "report_status": case.report_status, "item_code": case.item.code, "item_name": case.item.name,
        "site_code": case.site.code, "channel": case.channel,
        "applicant_name": case.applicant_masked if masked else case.applicant_name,
        "received_at": case.received_at, "accepted_at": case.accepted_at,
        "acceptance_deadline": case.acceptance_deadline, "legal_due_at": case.legal_due_at,
        "promised_due_at": case.promised_due_at,
        "allowed_actions": present.case_allowed(case, user) if allowed is None else allowed,
    }  # fmt: skip


def _notices(case: Case, url) -> list[dict]:
    return [
        {
            "number": n.number,
            "kind": n.kind,
            "kind_label": n.get_kind_display(),
            "issued_at": n.issued_at,
            "url": url(n),
        }  # fmt: skip
        for n in Notice.objects.filter(case=case).order_by("issued_at", "id")
    ]


def _steps(case: Case, viewer_is_staff: bool) -> list[dict]:
    out = []
    for row in present.case_steps(case, now=timezone.now(), viewer_is_staff=viewer_is_staff):
        step = row["step"]
        out.append({
            "round": step.round, "flow_order": step.flow_order, "name": step.name, "role": step.role,
            "department": step.department.name if step.department else "", "mode": step.mode,
            "state": step.state, "outcome": step.outcome, "started_at": step.started_at,
            "finished_at": step.finished_at, "due_at": step.due_at, "status": row["status"],
            "tasks": [_task(t) for t in row["tasks"]],
        })  # fmt: skip
    return out


def _task(row: dict) -> dict:
    t = row["task"]
    return {
        "id": t.pk, "kind": t.kind, "seq": t.seq, "department": t.department.name if t.department else "",
        "holder": row["holder"], "relation": t.relation, "state": t.state, "state_label": row["state_label"],
        "opinion": t.opinion, "comment": row["comment"], "opened_at": t.opened_at, "done_at": t.done_at,
        "urge_count": t.urge_count,
    }  # fmt: skip


def _clocks(case: Case) -> dict:
    data = present.case_clocks(case, timezone.now())
    keys = ("status", "status_label", "due_at", "legal_due_at", "used", "left", "limit", "unit")
    return {k: data[k] for k in keys if data.get(k) is not None}


# --- filing --------------------------------------------------------------------------------------


def _lookup_item_site(payload: SubmitIn):
    item = ServiceItem.objects.filter(code=payload.item.strip()).first()
    if item is None:
        raise ValidationFailed(
            _("事项编码“%(c)s”不存在。") % {"c": payload.item}, code="cases.item_unknown", field="item"
        )
    site = Site.objects.filter(code=payload.site.strip()).first()
    if site is None:
        raise ValidationFailed(
            _("服务场所编码“%(c)s”不存在。") % {"c": payload.site}, code="cases.site_unknown", field="site"
        )
    return item, site


def _submit_kwargs(user, payload: SubmitIn) -> dict:
    """Who files decides the channel: staff at the window, an agent by agency, anyone else online."""
    staff = staff_of(user)
    fields = {"applicant_name": payload.applicant_name, "applicant_id_number": payload.applicant_id_number,
              "applicant_kind": payload.applicant_kind}  # fmt: skip
    if staff is not None and staff.role == Role.AGENT:
        consent_at = timezone.now() if payload.consent else None
        return fields | {"channel": Channel.AGENCY, "agent": user, "consent_recorded_at": consent_at}
    if staff is not None or user.is_superuser:
        return fields | {"channel": payload.channel or Channel.WINDOW}
    if user.kind == UserKind.PERSON:
        from govhall.core.personal import user_id_number

        # A person files for themself: name and ID number come from the real-name account.
        fields = {"applicant_name": user.real_name, "applicant_id_number": user_id_number(user),
                  "applicant_kind": ApplicantKind.PERSON}  # fmt: skip
    return fields | {"channel": Channel.ONLINE, "applicant": user}


@router.post(
    "",
    response={200: CaseCreatedOut, 201: CaseCreatedOut},
    auth=bearer,
    summary="提交申请（网上申请、代办或窗口收件）",
)
def case_create(request: HttpRequest, payload: SubmitIn):
    user = _caller(request)
    item, site = _lookup_item_site(payload)
    key = (request.headers.get("Idempotency-Key") or "").strip() or None
    if key and len(key) > 64:
        raise ValidationFailed(
            _("Idempotency-Key 不能超过64个字符。"), code="cases.idempotency_key", field="Idempotency-Key"
        )
    case = services.case_submit(
        item=item, site=site, idempotency_key=key, actor=user, **_submit_kwargs(user, payload)
    )
    password = getattr(case, "query_password", None)
    if password is None:
        # A replayed key: the same case, the password is never shown twice.
        case = _visible_case(user, case.number)
        return Status(200, _case_data(case, user) | {"query_password": None})
    case = Case.objects.select_related("item", "site").get(pk=case.pk)
    return Status(201, _case_data(case, user) | {"query_password": password})


# --- reads ---------------------------------------------------------------------------------------


class ListParams(Schema):
    limit: int = 20
    offset: int = 0


@router.get(
    "",
    response=list[CaseOut],
    auth=bearer,
    summary="我的办件（申请人：本人；代办员：经办；工作人员：权限范围内）",
)
def case_list(request: HttpRequest, params: Query[ListParams]):
    if not 1 <= params.limit <= MAX_LIMIT:
        raise ValidationFailed(
            _("limit须在1至%(m)d之间。") % {"m": MAX_LIMIT}, code="cases.bad_limit", field="limit"
        )
    if params.offset < 0:
        raise ValidationFailed(_("offset不能为负数。"), code="cases.bad_offset", field="offset")
    user = _caller(request)
    qs = (
        Case.objects.filter(scopes.cases_visible_q(user))
        .select_related("item", "site")
        .order_by("-received_at", "-id")
    )
    cases = list(qs[params.offset : params.offset + params.limit])
    allowed = present.cases_allowed(cases, user)
    return [_case_data(c, user, allowed[c.pk], masked=True) for c in cases]


def _notice_url(case: Case):
    return lambda n: f"/api/v1/cases/{case.number}/notices/{n.number}.pdf"


@router.get(
    "/{number}", response=CaseDetailOut, auth=bearer, summary="办件详情：环节与任务、时限、文书、办理过程"
)
def case_detail(request: HttpRequest, number: str):
    user = _caller(request)
    case = _visible_case(user, number)
    staff = is_staff(user)
    return _case_data(case, user) | {
        "acceptance_mode": case.acceptance_mode, "decision": case.decision, "result_code": case.result_code,
        "certificate_no": case.certificate_no, "clocks": _clocks(case), "steps": _steps(case, staff),
        "notices": _notices(case, _notice_url(case)),
        "timeline": present.case_timeline(case, viewer_is_staff=staff),
    }  # fmt: skip


@router.get(
    "/{number}/notices/{notice_number}.pdf",
    auth=bearer,
    summary="下载文书（PDF）",
    response={200: None},
    openapi_extra={"responses": {"200": {"content": {"application/pdf": {}}}}},
)
def case_notice_pdf(request: HttpRequest, number: str, notice_number: str):
    user = _caller(request)
    case = _visible_case(user, number)
    return present.notice_pdf_response(present.notice_of(case, notice_number), public=False)


# --- actions -------------------------------------------------------------------------------------


def _conflict_body(exc: Conflict, case: Case, user) -> Conflict:
    """A 409 names the case's current state and what this caller may do instead."""
    fresh = Case.objects.select_related("item", "site").get(pk=case.pk)
    exc.extra = {**exc.extra, "state": fresh.state, "allowed_actions": present.case_allowed(fresh, user)}
    return exc


def _done(case: Case, user) -> dict:
    return _case_data(Case.objects.select_related("item", "site").get(pk=case.pk), user)


@router.post(
    "/{number}/actions/{action}",
    response=CaseOut,
    auth=bearer,
    summary="办理操作：受理、容缺受理、告知承诺受理、不予受理、补正、预审、特别程序、延期、办结、送达、撤回、撤销等",
)
def case_action(request: HttpRequest, number: str, action: str, body: ActionIn | None = None):
    if action not in API_ACTIONS:
        raise actions.unknown_action(action, API_ACTIONS)
    user = _caller(request)
    case = _visible_case(user, number)
    data = (body or ActionIn()).model_dump()
    try:
        actions.case_action_run(case=case, action=action, data=data, actor=user)
    except Conflict as exc:
        raise _conflict_body(exc, case, user) from None
    return _done(case, user)


def _task_of(case: Case, task_id: int) -> StepTask:
    task = StepTask.objects.select_related("step", "case").filter(case=case, pk=task_id).first()
    if task is None:
        raise NotFound(_("办理任务不存在。"), code="cases.task_not_found")
    return task


@router.post(
    "/{number}/tasks/{task_id}/actions/{op}",
    response=CaseOut,
    auth=bearer,
    summary="环节操作：办理完成、退回、撤回、转办、委派、加签、减签、催办、踏勘结果",
)
def task_action(request: HttpRequest, number: str, task_id: int, op: str, body: StepOpIn | None = None):
    if op not in actions.STEP_OPS:
        raise actions.unknown_action(op, actions.STEP_OPS)
    user = _caller(request)
    case = _visible_case(user, number)
    task = _task_of(case, task_id)
    try:
        actions.task_op_run(task=task, op=op, data=(body or StepOpIn()).model_dump(), actor=user)
    except Conflict as exc:
        raise _conflict_body(exc, case, user) from None
    return _done(case, user)


# --- public lookup -------------------------------------------------------------------------------


def _public_url(case: Case):
    return lambda n: f"/api/v1/public/cases/{case.number}/notices/{n.number}.pdf"


@public_router.get("/{number}", response=PublicCaseOut, summary="凭办件编号和查询密码查询办理进度")
def case_public(request: HttpRequest, number: str, password: str = ""):
    # Same answer for an unknown number and a wrong password: no oracle for guessing numbers.
    case = scopes.public_case(number=number, password=password, ip=client_ip(request))
    return {
        "number": case.number, "state": case.state, "state_label": _label(CaseState, case.state),
        "item_name": case.item.name, "received_at": case.received_at, "accepted_at": case.accepted_at,
        "legal_due_at": case.legal_due_at, "promised_due_at": case.promised_due_at,
        "timeline": present.case_timeline(case, viewer_is_staff=False, public=True),
        "notices": _notices(case, _public_url(case)),
    }  # fmt: skip


@public_router.get(
    "/{number}/notices/{notice_number}.pdf",
    summary="凭查询密码下载文书（PDF，个人信息已脱敏）",
    response={200: None},
    openapi_extra={"responses": {"200": {"content": {"application/pdf": {}}}}},
)
def case_public_notice_pdf(request: HttpRequest, number: str, notice_number: str, password: str = ""):
    case = scopes.public_case(number=number, password=password, ip=client_ip(request))
    return present.notice_pdf_response(present.notice_of(case, notice_number), public=True)
