"""/api/v1/inquiries — consultations, complaints and the first-inquiry log (bearer auth).

Applicants see only their own questions and complaints (another's answers 404 like an unknown
one); staff see the questions they may answer and the complaints of their units; a staff member
acting on another unit's complaint gets 403 ``inquiries.not_your_unit``. Writes are the services'
(inquiries.services), which check permission first; errors leave as ``{code, message}``.
"""

from __future__ import annotations

from datetime import date, datetime

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from govhall.cases.models import Case
from govhall.catalog.models import ItemStatus, ServiceItem
from govhall.core.api import api_actor, bearer
from govhall.core.errors import PermissionDenied, ValidationFailed
from govhall.inquiries import policy, selectors, services
from govhall.inquiries.models import Complaint, ComplaintState, FirstInquiry, InquiryOutcome, Question
from govhall.org.access import remember_for_request
from govhall.org.models import Department, Role, Staff, Window

router = Router(tags=["咨询投诉"])
MAX_LIMIT = 100


def _caller(request: HttpRequest):
    user = api_actor(request)
    remember_for_request(user)
    return user


# --- schemas ---------------------------------------------------------------------------------------


class Page(Schema):
    limit: int = 20
    offset: int = 0


class AskIn(Schema):
    text: str = ""
    item: str = ""  # item code; empty: a general question


class TextIn(Schema):
    text: str = ""


class PromoteIn(Schema):
    faq_question: str = ""
    faq_answer: str = ""


class AnswerOut(Schema):
    id: int
    text: str
    answered_at: datetime


class QuestionOut(Schema):
    id: int
    text: str
    item_code: str | None
    item_name: str | None
    state: str
    state_label: str
    asked_at: datetime
    due_at: datetime
    overdue: bool
    taken_by_me: bool
    first_answered_at: datetime | None
    answer_seconds: int | None
    promoted: bool
    answers: list[AnswerOut]


class ComplaintIn(Schema):
    content: str = ""
    channel: str = "online"
    subject: str = "general"
    department: str = ""  # department code
    window: int | None = None  # window id
    staff: str = ""  # employee number (工号, shown on every window)
    case: str = ""  # case number
    complainant_name: str = ""
    complainant_mobile: str = ""


class ComplaintFilters(Page):
    state: str = ""


class ReplyIn(Schema):
    text: str = ""
    upheld: bool | None = None


class RateIn(Schema):
    satisfied: bool | None = None
    note: str = ""


class UnitIn(Schema):
    unit: str = ""  # department code
    reason: str = ""


class NoteIn(Schema):
    note: str = ""


class ComplaintOut(Schema):
    number: str
    channel: str
    subject: str
    department: str | None
    window: str | None
    case_number: str | None
    content: str
    complainant_name: str  # masked
    complainant_mobile: str  # masked
    state: str
    state_label: str
    unit: str | None
    unit_name: str | None
    filed_at: datetime
    reply_due_at: datetime | None
    overdue: bool
    reply_text: str
    replied_at: datetime | None
    upheld: bool | None
    satisfaction: str
    reopen_count: int
    escalated_at: datetime | None
    closed_at: datetime | None


class FirstIn(Schema):
    question: str = ""
    outcome: str = ""
    guided_to: str = ""
    asker_name: str = ""
    asker_mobile: str = ""
    window: int | None = None


class FirstFilters(Page):
    start: date | None = None
    end: date | None = None
    outcome: str = ""


class FirstOut(Schema):
    id: int
    asked_at: datetime
    staff: str
    window: str | None
    asker_name: str  # masked
    asker_mobile: str  # masked
    question: str
    outcome: str
    guided_to: str


def _page(qs, page: Page):
    limit = max(1, min(page.limit, MAX_LIMIT))
    return qs[max(page.offset, 0) : max(page.offset, 0) + limit]


# --- questions -----------------------------------------------------------------------------------------


def _question_data(q: Question, user) -> dict:
    return {
        "id": q.pk, "text": q.text, "item_code": q.item.code if q.item_id else None,
        "item_name": q.item.name if q.item_id else None, "state": q.state, "state_label": q.get_state_display(),
        "asked_at": q.asked_at, "due_at": q.due_at, "overdue": q.overdue_at is not None,
        "taken_by_me": q.taken_by_id == user.pk, "first_answered_at": q.first_answered_at,
        "answer_seconds": q.answer_seconds, "promoted": q.promoted_at is not None,
        "answers": [{"id": a.pk, "text": a.text, "answered_at": a.answered_at} for a in q.answers.all()],
    }  # fmt: skip


def _question(user, question_id: int) -> Question:
    return selectors.question_get(user=user, question_id=question_id)


@router.post("/questions", response={201: QuestionOut}, auth=bearer, summary="提出咨询（一般或针对事项）")
def question_create(request: HttpRequest, payload: AskIn):
    user = _caller(request)
    item = None
    if payload.item.strip():
        item = ServiceItem.objects.filter(code=payload.item.strip(), status=ItemStatus.RETAINED).first()
        if item is None:
            raise ValidationFailed(_("事项不存在或已取消。"), code="inquiries.item_not_found", field="item")
    question = services.question_ask(text=payload.text, item=item, actor=user)
    return Status(201, _question_data(_question(user, question.pk), user))


@router.get("/questions", response=list[QuestionOut], auth=bearer, summary="我的咨询")
def question_list(request: HttpRequest, page: Query[Page]):
    user = _caller(request)
    return [_question_data(q, user) for q in _page(selectors.questions_of(user), page)]


@router.get("/questions/queue", response=list[QuestionOut], auth=bearer, summary="值班咨询队列（工作人员）")
def question_queue(request: HttpRequest, page: Query[Page]):
    user = _caller(request)
    if not policy.has_role(user, *policy.DUTY_ROLES, Role.SUPERVISOR):
        raise PermissionDenied(_("值班咨询台仅限值班工作人员和监察员使用。"), code="inquiries.duty_only")
    rows = _page(selectors.duty_queue(user).prefetch_related("answers"), page)
    return [_question_data(q, user) for q in rows]


@router.get("/questions/{question_id}", response=QuestionOut, auth=bearer, summary="咨询详情")
def question_detail(request: HttpRequest, question_id: int):
    user = _caller(request)
    return _question_data(_question(user, question_id), user)


@router.post(
    "/questions/{question_id}/take", response=QuestionOut, auth=bearer, summary="认领咨询（值班人员）"
)
def question_take(request: HttpRequest, question_id: int):
    user = _caller(request)
    services.question_take(question=_question(user, question_id), actor=user)
    return _question_data(_question(user, question_id), user)


@router.post(
    "/questions/{question_id}/answer", response=QuestionOut, auth=bearer, summary="解答咨询（值班人员）"
)
def question_answer(request: HttpRequest, question_id: int, payload: TextIn):
    user = _caller(request)
    services.question_answer(question=_question(user, question_id), text=payload.text, actor=user)
    return _question_data(_question(user, question_id), user)


@router.post("/questions/{question_id}/release", response=QuestionOut, auth=bearer, summary="放回队列")
def question_release(request: HttpRequest, question_id: int):
    user = _caller(request)
    services.question_release(question=_question(user, question_id), actor=user)
    return _question_data(_question(user, question_id), user)


@router.post("/questions/{question_id}/close", response=QuestionOut, auth=bearer, summary="关闭咨询")
def question_close(request: HttpRequest, question_id: int):
    user = _caller(request)
    services.question_close(question=_question(user, question_id), actor=user)
    return _question_data(_question(user, question_id), user)


@router.post(
    "/questions/{question_id}/promote", response=QuestionOut, auth=bearer, summary="收录为事项常见问题"
)
def question_promote(request: HttpRequest, question_id: int, payload: PromoteIn):
    user = _caller(request)
    services.question_promote(question=_question(user, question_id), actor=user,
                              faq_question=payload.faq_question, faq_answer=payload.faq_answer)  # fmt: skip
    return _question_data(_question(user, question_id), user)


# --- complaints -----------------------------------------------------------------------------------------


def _complaint_data(c: Complaint, now=None) -> dict:
    return {
        "number": c.number, "channel": c.channel, "subject": c.subject,
        "department": c.department.code if c.department_id else None,
        "window": c.window.number if c.window_id else None, "case_number": c.case.number if c.case_id else None,
        "content": c.content, "complainant_name": c.complainant_masked if c.complainant_name else "",
        "complainant_mobile": c.complainant_mobile_masked, "state": c.state, "state_label": c.get_state_display(),
        "unit": c.unit.code if c.unit_id else None, "unit_name": c.unit.name if c.unit_id else None,
        "filed_at": c.filed_at, "reply_due_at": c.reply_due_at, "overdue": c.overdue_at is not None,
        "reply_text": c.reply_text, "replied_at": c.replied_at, "upheld": c.upheld, "satisfaction": c.satisfaction,
        "reopen_count": c.reopen_count, "escalated_at": c.escalated_at, "closed_at": c.closed_at,
    }  # fmt: skip


def _complaint(user, number: str) -> Complaint:
    pk = Complaint.objects.filter(number=number).values_list("pk", flat=True).first()
    return selectors.complaint_get(user=user, complaint_id=pk if pk is not None else -1)


def _department(code: str, field: str) -> Department | None:
    code = (code or "").strip()
    if not code:
        return None
    department = Department.objects.filter(code=code, active=True).first()
    if department is None:
        raise ValidationFailed(_("部门不存在或已撤出。"), code="inquiries.department_not_found", field=field)
    return department


def _refs(payload: ComplaintIn, user) -> dict:
    refs = {
        "department": _department(payload.department, "department"),
        "window": None,
        "staff": None,
        "case": None,
    }
    if payload.window is not None:
        refs["window"] = Window.objects.filter(pk=payload.window, active=True).first()
        if refs["window"] is None:
            raise ValidationFailed(_("窗口不存在。"), code="inquiries.window_not_found", field="window")
    if payload.staff.strip():
        refs["staff"] = Staff.objects.filter(employee_no=payload.staff.strip()).first()
        if refs["staff"] is None:
            raise ValidationFailed(_("工号不存在。"), code="inquiries.staff_not_found", field="staff")
    if payload.case.strip():
        refs["case"] = (
            Case.objects.select_related("item__department", "window")
            .filter(number=payload.case.strip())
            .first()
        )
        if refs["case"] is None:
            raise ValidationFailed(_("办件编号不存在。"), code="inquiries.case_not_found", field="case")
    return refs


@router.post(
    "/complaints", response={201: ComplaintOut}, auth=bearer, summary="提交投诉（网上）或登记投诉（工作人员）"
)
def complaint_create(request: HttpRequest, payload: ComplaintIn):
    user = _caller(request)
    complaint = services.complaint_file(
        content=payload.content, actor=user, channel=payload.channel, subject=payload.subject,
        complainant_name=payload.complainant_name, complainant_mobile=payload.complainant_mobile,
        **_refs(payload, user),
    )  # fmt: skip
    return Status(201, _complaint_data(_complaint(user, complaint.number)))


@router.get("/complaints", response=list[ComplaintOut], auth=bearer, summary="投诉列表（本人或本单位）")
def complaint_list(request: HttpRequest, filters: Query[ComplaintFilters]):
    user = _caller(request)
    state = filters.state if filters.state in ComplaintState.values else ""
    if filters.state and not state:
        raise ValidationFailed(_("状态无效。"), code="inquiries.state_invalid", field="state")
    if policy.is_staff(user):
        qs = selectors.complaints_for_staff(user, state=state)
    else:
        qs = selectors.complaints_of(user).filter(state=state) if state else selectors.complaints_of(user)
    return [_complaint_data(c) for c in _page(qs, filters)]


@router.get("/complaints/{number}", response=ComplaintOut, auth=bearer, summary="投诉详情")
def complaint_detail(request: HttpRequest, number: str):
    return _complaint_data(_complaint(_caller(request), number))


@router.post("/complaints/{number}/reply", response=ComplaintOut, auth=bearer, summary="答复投诉（承办单位）")
def complaint_reply(request: HttpRequest, number: str, payload: ReplyIn):
    user = _caller(request)
    services.complaint_reply(
        complaint=_complaint(user, number), text=payload.text, upheld=payload.upheld, actor=user
    )
    return _complaint_data(_complaint(user, number))


@router.post("/complaints/{number}/rate", response=ComplaintOut, auth=bearer, summary="评价答复（投诉人）")
def complaint_rate(request: HttpRequest, number: str, payload: RateIn):
    user = _caller(request)
    services.complaint_rate(complaint=_complaint(user, number), satisfied=payload.satisfied, note=payload.note,
                            actor=user)  # fmt: skip
    return _complaint_data(_complaint(user, number))


@router.post(
    "/complaints/{number}/assign", response=ComplaintOut, auth=bearer, summary="派单（投诉受理中心）"
)
def complaint_assign(request: HttpRequest, number: str, payload: UnitIn):
    user = _caller(request)
    complaint = _complaint(user, number)
    services.complaint_assign(complaint=complaint, unit=_department(payload.unit, "unit"), actor=user)
    return _complaint_data(_complaint(user, number))


@router.post(
    "/complaints/{number}/reassign", response=ComplaintOut, auth=bearer, summary="改派（投诉受理中心）"
)
def complaint_reassign(request: HttpRequest, number: str, payload: UnitIn):
    user = _caller(request)
    complaint = _complaint(user, number)
    services.complaint_reassign(complaint=complaint, unit=_department(payload.unit, "unit"), reason=payload.reason,
                                actor=user)  # fmt: skip
    return _complaint_data(_complaint(user, number))


@router.post("/complaints/{number}/close", response=ComplaintOut, auth=bearer, summary="办结（投诉受理中心）")
def complaint_close(request: HttpRequest, number: str, payload: NoteIn):
    user = _caller(request)
    services.complaint_close(complaint=_complaint(user, number), note=payload.note, actor=user)
    return _complaint_data(_complaint(user, number))


# --- first inquiries ------------------------------------------------------------------------------------


def _first_data(r: FirstInquiry) -> dict:
    return {
        "id": r.pk, "asked_at": r.asked_at, "staff": r.staff.name, "window": r.window.number if r.window_id else None,
        "asker_name": r.asker_masked if r.asker_name else "", "asker_mobile": r.asker_mobile_masked,
        "question": r.question, "outcome": r.outcome, "guided_to": r.guided_to,
    }  # fmt: skip


@router.post("/first-inquiries", response={201: FirstOut}, auth=bearer, summary="首问登记（工作人员）")
def first_create(request: HttpRequest, payload: FirstIn):
    user = _caller(request)
    window = None
    if payload.window is not None:
        window = Window.objects.filter(pk=payload.window).first()
        if window is None:
            raise ValidationFailed(_("窗口不存在。"), code="inquiries.window_not_found", field="window")
    row = services.first_inquiry_record(
        actor=user, window=window, asker_name=payload.asker_name, asker_mobile=payload.asker_mobile,
        question=payload.question, outcome=payload.outcome, guided_to=payload.guided_to,
    )  # fmt: skip
    return Status(201, _first_data(FirstInquiry.objects.select_related("staff", "window").get(pk=row.pk)))


@router.get("/first-inquiries", response=list[FirstOut], auth=bearer, summary="首问记录（工作人员）")
def first_list(request: HttpRequest, filters: Query[FirstFilters]):
    user = _caller(request)
    if filters.outcome and filters.outcome not in InquiryOutcome.values:
        raise ValidationFailed(_("处理结果无效。"), code="inquiries.outcome_invalid", field="outcome")
    qs = selectors.first_inquiries(user, start=filters.start, end=filters.end, outcome=filters.outcome)
    return [_first_data(r) for r in _page(qs, filters)]
