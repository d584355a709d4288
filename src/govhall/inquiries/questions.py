"""Consultation services: ask, take from the duty queue, release, answer, close, promote to an FAQ,
and the sweep that flags questions left unanswered past their deadline.

A take is a conditional UPDATE (state open, or taken with a lapsed lease): of two duty staff taking
the same question at once exactly one row count is 1, on SQLite and PostgreSQL alike, and only the
holder may answer (the answer re-checks the holder under a row lock). Every write is audited in its
transaction.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from govhall.catalog.models import ItemStatus, ServiceItem
from govhall.catalog.services import item_update
from govhall.core import audit, crypto, outbox
from govhall.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from govhall.inquiries import policy
from govhall.inquiries.models import (
    QUESTION_TRANSITIONS,
    QUEUE_STATES,
    Answer,
    Question,
    QuestionAction,
    QuestionState,
)
from govhall.org.access import require_role, staff_of
from govhall.org.models import Role

FAQ_QUESTION_MAX = 200  # catalog.Faq.question


def _next(question: Question, action: str) -> str:
    return policy.next_state(
        QUESTION_TRANSITIONS, question.state, action, labels=QuestionState, actions=QuestionAction,
        code="inquiries.question_state",
    )  # fmt: skip


def _snapshot(q: Question) -> dict:
    return {"state": q.state, "taken_by": q.taken_by_id, "due_at": q.due_at}


def _record(action: str, q: Question, actor, before: dict | None, **detail) -> None:
    audit.record(action=f"inquiries.question_{action}", actor=actor, obj=q, before=before,
                 after=_snapshot(q), detail=detail)  # fmt: skip


def _locked(question: Question) -> Question:
    return Question.objects.select_for_update(of=("self",)).select_related("asker").get(pk=question.pk)


def may_answer(user, question: Question) -> bool:
    """Duty staff answer general questions and those on their units' items; centre-wide roles all."""
    if not policy.has_role(user, *policy.DUTY_ROLES):
        return False
    units = policy.unit_ids(user)
    return units is None or question.department_id is None or question.department_id in units


def _require_duty(user, question: Question) -> None:
    if not may_answer(user, question):
        raise PermissionDenied(_("只有负责该事项的值班工作人员可以解答此咨询。"), code="inquiries.not_duty")


@transaction.atomic(durable=True)
def question_ask(*, text: str, actor, item: ServiceItem | None = None) -> Question:
    """A logged-in applicant asks on an item (its department answers) or in general."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("请先登录再提问。"), code="inquiries.login_required")
    text = policy.text(text, field="text", limit=policy.QUESTION_MAX, required=_("请填写您要咨询的问题。"),
                       code="inquiries.question_required")  # fmt: skip
    if item is not None and item.status != ItemStatus.RETAINED:
        raise ValidationFailed(_("该事项已取消，请选择其他事项或直接提问。"), code="inquiries.item_cancelled",
                               field="item")  # fmt: skip
    now = timezone.now()
    question = Question.objects.create(
        asker=actor, item=item, department_id=item.department_id if item else None, text=text,
        asked_at=now, due_at=policy.question_due(now),
    )  # fmt: skip
    _record("ask", question, actor, None, item=item.code if item else None)
    return question


@transaction.atomic(durable=True)
def question_take(*, question: Question, actor) -> Question:
    """A duty staff member takes a question from the queue for ``policy.take_lease()``; exactly one
    of two concurrent takers wins (a conditional UPDATE), the other gets inquiries.question_taken."""
    _require_duty(actor, question)
    now = timezone.now()
    free = Q(state=QuestionState.OPEN) | Q(state=QuestionState.TAKEN, taken_until__lt=now)
    mine = Q(state=QuestionState.TAKEN, taken_by=actor)
    won = Question.objects.filter(free | mine, pk=question.pk).update(
        state=QuestionState.TAKEN, taken_by=actor, taken_until=now + policy.take_lease()
    )
    current = Question.objects.get(pk=question.pk)
    if not won:
        if current.state == QuestionState.TAKEN:
            raise Conflict(_("该咨询已由其他工作人员认领解答。"), code="inquiries.question_taken",
                           state=current.state)  # fmt: skip
        _next(current, QuestionAction.TAKE)  # names the state that forbids it
    _record("take", current, actor, {"state": question.state})
    return current


@transaction.atomic(durable=True)
def question_release(*, question: Question, actor) -> Question:
    """The holder puts a taken question back in the queue."""
    question = _locked(question)
    if question.state == QuestionState.TAKEN and question.taken_by_id != actor.pk:
        raise PermissionDenied(_("只有认领人可以放回该咨询。"), code="inquiries.not_holder")
    before = _snapshot(question)
    question.state = _next(question, QuestionAction.RELEASE)
    question.taken_by, question.taken_until = None, None
    question.save(update_fields=["state", "taken_by", "taken_until"])
    _record("release", question, actor, before)
    return question


@transaction.atomic(durable=True)
def question_answer(*, question: Question, text: str, actor) -> Answer:
    """The holder answers (an open question is taken and answered in one step by its first answerer)."""
    _require_duty(actor, question)
    text = policy.text(text, field="text", limit=policy.ANSWER_MAX, required=_("请填写解答内容。"),
                       code="inquiries.answer_required")  # fmt: skip
    question = _locked(question)
    now = timezone.now()
    held_by_other = (
        question.state == QuestionState.TAKEN
        and question.taken_by_id != actor.pk
        and question.taken_until > now
    )
    if held_by_other:
        raise Conflict(
            _("该咨询已由其他工作人员认领解答。"), code="inquiries.question_taken", state=question.state
        )
    before = _snapshot(question)
    if question.state == QuestionState.OPEN:
        _next(question, QuestionAction.TAKE)
        question.state = QuestionState.TAKEN
    question.state = _next(question, QuestionAction.ANSWER)
    answer = Answer.objects.create(question=question, text=text, answered_by=actor, answered_at=now)
    fields = ["state", "taken_by", "taken_until"]
    question.taken_by, question.taken_until = actor, None
    if question.first_answered_at is None:
        question.first_answered_at = now
        question.answer_seconds = max(int((now - question.asked_at).total_seconds()), 0)
        fields += ["first_answered_at", "answer_seconds"]
    question.save(update_fields=fields)
    _record("answer", question, actor, before, answer=answer.pk, late=now > question.due_at)
    _sms_asker(question)
    return answer


def _sms_asker(question: Question) -> None:
    """One SMS when a question is first answered (dedupe key), if the asker has a mobile."""
    asker = question.asker
    if asker.mobile_cipher:
        text = _("【%(c)s】您的咨询#%(n)s已有解答，请登录网上办事大厅“我的咨询”查看。") % {
            "c": settings.GOVHALL_CENTRE_NAME, "n": question.pk}  # fmt: skip
        outbox.enqueue(kind="sms", topic="question", payload={"mobile": crypto.decrypt(asker.mobile_cipher),
                       "text": text}, dedupe_key=f"question:{question.pk}:answered")  # fmt: skip


@transaction.atomic(durable=True)
def question_close(*, question: Question, actor) -> Question:
    """The asker closes their question (settled), or duty staff close one (e.g. a duplicate)."""
    if question.asker_id != getattr(actor, "pk", None):
        _require_duty(actor, question)
    question = _locked(question)
    before = _snapshot(question)
    question.state = _next(question, QuestionAction.CLOSE)
    question.closed_at = timezone.now()
    question.save(update_fields=["state", "closed_at"])
    _record("close", question, actor, before)
    return question


def _may_promote(user, question: Question) -> bool:
    if policy.has_role(user, Role.MANAGER):
        return True
    staff = staff_of(user)
    return staff is not None and staff.role == Role.CHIEF and staff.department_id == question.department_id


@transaction.atomic(durable=True)
def question_promote(*, question: Question, actor, faq_question: str = "", faq_answer: str = "") -> Question:
    """Publish an answered question on an item as an FAQ of the item's guide (a new item version,
    through catalog.services.item_update); a centre manager or the item department's chief."""
    if not _may_promote(actor, question):
        raise PermissionDenied(_("只有中心管理员或本部门首席代表可以将解答收录为常见问题。"),
                               code="inquiries.promote_forbidden")  # fmt: skip
    question = _locked(question)
    if question.item_id is None:
        raise ValidationFailed(_("只有针对具体事项的咨询可以收录为事项的常见问题。"),
                               code="inquiries.promote_no_item", field="item")  # fmt: skip
    answer = question.answers.order_by("-answered_at", "-id").first()
    if answer is None:
        raise Conflict(_("该咨询尚未解答，不能收录为常见问题。"), code="inquiries.promote_unanswered",
                       state=question.state)  # fmt: skip
    if question.promoted_at is not None:
        raise Conflict(_("该咨询已收录为常见问题。"), code="inquiries.already_promoted", state=question.state)
    faq_q = policy.text(faq_question or question.text, field="faq_question", limit=FAQ_QUESTION_MAX,
                        required=_("请填写常见问题。"), code="inquiries.faq_required")  # fmt: skip
    faq_a = policy.text(faq_answer or answer.text, field="faq_answer", limit=policy.ANSWER_MAX,
                        required=_("请填写常见问题的解答。"), code="inquiries.faq_required")  # fmt: skip
    item = ServiceItem.objects.get(pk=question.item_id)
    faqs = list(item.faqs.order_by("sort", "id").values("question", "answer"))
    if any(f["question"] == faq_q for f in faqs):
        raise Conflict(_("该事项已有相同的常见问题。"), code="inquiries.faq_exists", state=question.state)
    item_update(item=item, changes={"faqs": [*faqs, {"question": faq_q, "answer": faq_a}]}, actor=actor,
                note=_("咨询 #%(n)s 收录为常见问题") % {"n": question.pk})  # fmt: skip
    before = _snapshot(question)
    question.promoted_at, question.promoted_by = timezone.now(), actor
    question.faq_question, question.faq_answer = faq_q, faq_a
    question.save(update_fields=["promoted_at", "promoted_by", "faq_question", "faq_answer"])
    _record("promote", question, actor, before, item=item.code)
    return question


@transaction.atomic(durable=True)
def questions_flag_overdue(*, now=None) -> int:
    """Flag once every question still waiting for its answer past its deadline (one indexed range
    scan and one UPDATE); supervisors see them on the duty page and in the API."""
    now = now or timezone.now()
    due = Question.objects.filter(state__in=QUEUE_STATES, due_at__lte=now, overdue_at__isnull=True)
    ids = list(due.values_list("pk", flat=True)[:10_000])
    if not ids:
        return 0
    count = Question.objects.filter(pk__in=ids, overdue_at__isnull=True).update(overdue_at=now)
    audit.record(action="inquiries.questions_overdue", object_type="inquiries.question", object_id="",
                 detail={"count": count, "ids": ids[:100]})  # fmt: skip
    return count


def question_get(*, user, question_id) -> Question:
    """A question the user may see: their own, or (staff) one they may answer or supervise."""
    try:
        question = Question.objects.select_related("item", "department", "asker").get(pk=int(question_id))
    except (Question.DoesNotExist, TypeError, ValueError):
        raise NotFound(_("咨询不存在。"), code="inquiries.question_not_found") from None
    if question.asker_id == getattr(user, "pk", None) or may_answer(user, question):
        return question
    if policy.has_role(user, Role.SUPERVISOR):
        return question
    raise NotFound(_("咨询不存在。"), code="inquiries.question_not_found")


def require_duty_staff(user) -> None:
    require_role(user, *policy.DUTY_ROLES, Role.SUPERVISOR)
