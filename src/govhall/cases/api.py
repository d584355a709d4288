"""The cases API (CONTRACTS.md "API"): filing, the caller's cases, intake actions and the public
lookup by case number + query password.

A case the caller may not see answers 404 ``cases.not_found`` exactly like an unknown number, so
the API never confirms that a number exists (RULES.md "Cases": personal data).
"""

from datetime import datetime

from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from govhall.cases import selectors, services
from govhall.cases.models import ApplicantKind, Case, Channel
from govhall.cases.states import Action, CaseState, allowed_actions
from govhall.catalog.models import ServiceItem
from govhall.core.api import api_actor, bearer
from govhall.core.errors import NotFound, ValidationFailed
from govhall.core.masking import mask_name
from govhall.core.models.users import UserKind
from govhall.org.access import scope_of, staff_of
from govhall.org.models import Role, Site

router = Router(tags=["办件"])
public_router = Router(tags=["办件查询"])

MAX_LIMIT = 100
# What a caller may ask for; deemed acceptance is the system's own move (行政许可法 Art. 32).
API_ACTIONS = (
    Action.ACCEPT,
    Action.REFUSE,
    Action.REQUEST_SUPPLEMENT,
    Action.SUPPLEMENT_RECEIVED,
    Action.WITHDRAW,
)


class CaseNotFound(NotFound):
    code = "cases.not_found"


def _not_found() -> CaseNotFound:
    return CaseNotFound(_("办件不存在，或您无权查看。"))


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
    reason: str = ""
    materials: list[str] = []
    note: str = ""


class EventOut(Schema):
    action: str
    action_label: str
    at: datetime
    from_state: str
    to_state: str
    note: str
    actor: str


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


class CaseDetailOut(CaseOut):
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


# --- access --------------------------------------------------------------------------------------


def _is_staff(user) -> bool:
    return bool(getattr(user, "is_superuser", False)) or staff_of(user) is not None


def _visible_q(user) -> Q:
    """Cases the user may see: own applications, own agency filings, and the staff scope."""
    q = Q(applicant_id=user.pk) | Q(agent_id=user.pk)
    if _is_staff(user):
        scope = scope_of(user)
        if scope.everything:
            return Q()
        q |= Q(site_id__in=scope.site_ids) | Q(item__department_id__in=scope.department_ids)
    return q


def _visible_case(user, number: str) -> Case:
    case = Case.objects.select_related("item", "site").filter(_visible_q(user), number=number).first()
    if case is None:
        raise _not_found()
    return case


def _label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _case_data(case: Case) -> dict:
    return {
        "number": case.number, "state": case.state, "state_label": _label(CaseState, case.state),
        "report_status": case.report_status, "item_code": case.item.code, "item_name": case.item.name,
        "site_code": case.site.code, "channel": case.channel, "applicant_name": case.applicant_name,
        "received_at": case.received_at, "accepted_at": case.accepted_at,
        "acceptance_deadline": case.acceptance_deadline, "legal_due_at": case.legal_due_at,
        "promised_due_at": case.promised_due_at, "allowed_actions": [a for a in allowed_actions(case.state) if a in API_ACTIONS],
    }  # fmt: skip


def _actor_name(event, *, viewer_is_staff: bool, public: bool) -> str:
    if event.actor is None:
        return _("系统")
    if public:
        return _("工作人员")  # the public lookup never names staff
    name = event.actor.real_name or event.actor.username
    return name if viewer_is_staff else mask_name(name)


def _timeline(case: Case, *, viewer_is_staff: bool, public: bool = False) -> list[dict]:
    return [
        {
            "action": e.action,
            "action_label": _label(Action, e.action),
            "at": e.at,
            "from_state": e.from_state,
            "to_state": e.to_state,
            "note": e.note,
            "actor": _actor_name(e, viewer_is_staff=viewer_is_staff, public=public),
        }  # fmt: skip
        for e in selectors.case_timeline(case=case)
    ]


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
    user = api_actor(request)
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
        return Status(200, _case_data(case) | {"query_password": None})
    return Status(201, _case_data(case) | {"query_password": password})


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
    user = api_actor(request)
    qs = Case.objects.filter(_visible_q(user)).select_related("item", "site").order_by("-received_at", "-id")
    return [_case_data(c) for c in qs[params.offset : params.offset + params.limit]]


@router.get("/{number}", response=CaseDetailOut, auth=bearer, summary="办件详情与办理过程")
def case_detail(request: HttpRequest, number: str):
    user = api_actor(request)
    case = _visible_case(user, number)
    return _case_data(case) | {"timeline": _timeline(case, viewer_is_staff=_is_staff(user))}


# --- actions -------------------------------------------------------------------------------------


def _run(action: str, case: Case, body: ActionIn, user) -> Case:
    if action == Action.ACCEPT:
        return services.case_accept(case=case, actor=user, note=body.note)
    if action == Action.REFUSE:
        return services.case_refuse(case=case, reason=body.reason, actor=user)
    if action == Action.REQUEST_SUPPLEMENT:
        return services.case_request_supplement(case=case, materials=body.materials, actor=user)
    if action == Action.SUPPLEMENT_RECEIVED:
        return services.case_supplement_received(case=case, actor=user, note=body.note)
    return services.case_withdraw(case=case, actor=user, reason=body.reason)


@router.post(
    "/{number}/actions/{action}",
    response=CaseOut,
    auth=bearer,
    summary="办理操作（受理、不予受理、补正、撤回）",
)
def case_action(request: HttpRequest, number: str, action: str, body: ActionIn | None = None):
    if action not in API_ACTIONS:
        names = "、".join(API_ACTIONS)
        raise NotFound(
            _("未知的操作“%(a)s”；可用操作：%(n)s。") % {"a": action, "n": names}, code="cases.unknown_action"
        )
    user = api_actor(request)
    case = _visible_case(user, number)
    case = _run(action, case, body or ActionIn(), user)
    return _case_data(Case.objects.select_related("item", "site").get(pk=case.pk))


# --- public lookup -------------------------------------------------------------------------------


@public_router.get("/{number}", response=PublicCaseOut, summary="凭办件编号和查询密码查询办理进度")
def case_public(request: HttpRequest, number: str, password: str = ""):
    case = selectors.case_get(number=number)
    # Same answer for an unknown number and a wrong password: no oracle for guessing numbers.
    if case is None or not password or not selectors.case_check_password(case=case, password=password):
        raise _not_found()
    return {
        "number": case.number, "state": case.state, "state_label": _label(CaseState, case.state),
        "item_name": case.item.name, "received_at": case.received_at, "accepted_at": case.accepted_at,
        "legal_due_at": case.legal_due_at, "promised_due_at": case.promised_due_at,
        "timeline": _timeline(case, viewer_is_staff=False, public=True),
    }  # fmt: skip
