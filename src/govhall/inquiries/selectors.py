"""Every read the inquiries pages, API and reports need, with the scope applied here.

Applicants see only their own questions and complaints; staff see the questions they may answer and
the complaints assigned to their units (org.access scope); the complaint desk and the centre-wide
roles see everything. ``complaint_counts`` is one grouped query (set-based) for the reports of
staffing and supervision.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Avg, Count, F, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from govhall.core import workdays
from govhall.core.errors import NotFound, PermissionDenied
from govhall.inquiries import policy
from govhall.inquiries.models import (
    AWAITING_REPLY,
    QUEUE_STATES,
    Answer,
    Complaint,
    FirstInquiry,
    Question,
    QuestionState,
)
from govhall.inquiries.questions import question_get  # noqa: F401  (a selector; lives with its rule)
from govhall.org.access import scope_of
from govhall.org.models import Role

COUNT_KEYS = {"staff": "staff_id", "window": "window_id", "department": "department_id"}


@dataclass(frozen=True)
class ComplaintCount:
    count: int
    upheld: int


def complaint_counts(*, start: dt.date, end: dt.date, by: str) -> dict[int, ComplaintCount]:
    """Complaints filed on days start..end (inclusive, local time) about each staff member, window or
    department, and how many of them the unit found upheld (属实). One grouped query."""
    if by not in COUNT_KEYS:
        raise ValueError(f"by must be one of {sorted(COUNT_KEYS)}, not {by!r}")
    key = COUNT_KEYS[by]
    begin, stop = workdays.day_span(start, end)
    rows = (
        Complaint.objects.filter(filed_at__gte=begin, filed_at__lt=stop, **{f"{key}__isnull": False})
        .values(key)
        .annotate(n=Count("id"), up=Count("id", filter=Q(upheld=True)))
        .order_by()
    )
    return {row[key]: ComplaintCount(count=row["n"], upheld=row["up"]) for row in rows}


# --- questions ----------------------------------------------------------------------------------------


def _answers() -> Prefetch:
    return Prefetch(
        "answers", queryset=Answer.objects.select_related("answered_by").order_by("answered_at", "id")
    )


def questions_of(user) -> QuerySet:
    """The asker's own questions, newest first, answers prefetched."""
    return (
        Question.objects.filter(asker_id=user.pk)
        .select_related("item")
        .prefetch_related(_answers())
        .order_by("-asked_at", "-id")
    )


def duty_queue(user) -> QuerySet:
    """Questions waiting for an answer that ``user`` may answer (or, for a supervisor, every one),
    the most urgent first."""
    qs = Question.objects.filter(state__in=QUEUE_STATES).select_related("item", "taken_by", "asker")
    units = policy.unit_ids(user)
    if units is not None and not policy.has_role(user, Role.SUPERVISOR):
        qs = qs.filter(Q(department_id__isnull=True) | Q(department_id__in=units))
    return qs.order_by("due_at", "id")


def answered_recently(user, *, limit: int = 20) -> list[Question]:
    """The last questions answered by ``user`` (for the duty page's second list)."""
    qs = Question.objects.filter(answers__answered_by=user).distinct().select_related("item")
    return list(qs.prefetch_related(_answers()).order_by("-first_answered_at", "-id")[:limit])


@dataclass(frozen=True)
class QuestionStats:
    asked: int
    waiting: int
    overdue: int
    answered: int
    average_minutes: int | None


def question_stats(*, since: dt.datetime) -> QuestionStats:
    """Answer-time figures of the questions asked since ``since`` (one aggregate query)."""
    row = Question.objects.filter(asked_at__gte=since).aggregate(
        asked=Count("id"),
        waiting=Count("id", filter=Q(state__in=QUEUE_STATES)),
        overdue=Count("id", filter=Q(state__in=QUEUE_STATES, overdue_at__isnull=False)),
        answered=Count("id", filter=Q(first_answered_at__isnull=False)),
        average=Avg("answer_seconds"),
    )
    average = None if row["average"] is None else round(row["average"] / 60)
    return QuestionStats(row["asked"], row["waiting"], row["overdue"], row["answered"], average)


@dataclass(frozen=True)
class AnswerTime:
    answered: int
    late: int  # first answer after the deadline
    average_minutes: int | None


def answer_times(*, since: dt.datetime) -> dict[int, AnswerTime]:
    """Per answering user (the first answer's author): questions answered since ``since``, how many
    late, and the average minutes to the first answer. One grouped query."""
    rows = (
        Question.objects.filter(first_answered_at__gte=since, taken_by__isnull=False)
        .values("taken_by_id")
        .annotate(
            n=Count("id"),
            late=Count("id", filter=Q(first_answered_at__gt=F("due_at"))),
            avg=Avg("answer_seconds"),
        )
        .order_by()
    )
    return {
        r["taken_by_id"]: AnswerTime(r["n"], r["late"], None if r["avg"] is None else round(r["avg"] / 60))
        for r in rows
    }


def promoted_faqs(*, limit: int = 20) -> list[Question]:
    """Answers published as FAQs on item guides, newest first (public)."""
    qs = Question.objects.filter(promoted_at__isnull=False).select_related("item").order_by("-promoted_at")
    return list(qs[:limit])


def promotable(user, question: Question) -> bool:
    return question.item_id is not None and question.promoted_at is None and question.state in (
        QuestionState.ANSWERED, QuestionState.CLOSED
    ) and (policy.has_role(user, Role.MANAGER) or (
        policy.has_role(user, Role.CHIEF) and question.department_id in (policy.unit_ids(user) or ())
    ))  # fmt: skip


# --- complaints ---------------------------------------------------------------------------------------


def _complaints() -> QuerySet:
    return Complaint.objects.select_related("department", "window", "staff", "case", "unit")


def complaints_of(user) -> QuerySet:
    return _complaints().filter(complainant_id=user.pk).order_by("-filed_at", "-id")


def complaints_for_staff(user, *, state: str = "", overdue: bool | None = None, unit_id=None) -> QuerySet:
    """Complaints assigned to the caller's units; the desk and the centre-wide roles see all."""
    qs = _complaints()
    units = None if policy.has_role(user, *policy.DISPATCH_ROLES) else policy.unit_ids(user)
    if units is not None:
        qs = qs.filter(unit_id__in=units)
    if state:
        qs = qs.filter(state=state)
    if overdue is not None:
        late = Q(state__in=AWAITING_REPLY, reply_due_at__lte=timezone.now())
        qs = qs.filter(late) if overdue else qs.exclude(late)
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    return qs.order_by("-filed_at", "-id")


def complaint_get(*, user, complaint_id) -> Complaint:
    """A complaint the user may see. Not the caller's own (applicant) → 404; staff outside the
    assigned unit → 403 (staff know complaints exist; their content stays with the unit)."""
    not_found = NotFound(_("投诉不存在。"), code="inquiries.complaint_not_found")
    try:
        complaint = _complaints().get(pk=int(complaint_id))
    except (Complaint.DoesNotExist, TypeError, ValueError):
        raise not_found from None
    if complaint.complainant_id is not None and complaint.complainant_id == getattr(user, "pk", None):
        return complaint
    if not policy.is_staff(user):
        raise not_found
    if policy.has_role(user, *policy.DISPATCH_ROLES):
        return complaint
    units = policy.unit_ids(user)
    if units is None or complaint.unit_id in units or complaint.registered_by_id == user.pk:
        return complaint
    raise PermissionDenied(_("该投诉不由您的单位承办，您无权查看或答复。"), code="inquiries.not_your_unit")


# --- first inquiries ------------------------------------------------------------------------------------


def first_inquiries(user, *, start: dt.date | None = None, end: dt.date | None = None, outcome: str = "",
                    window_id=None, mine: bool = False) -> QuerySet:  # fmt: skip
    """The first-inquiry log the staff member may see (their scope's staff), newest first."""
    scope = scope_of(user)
    qs = FirstInquiry.objects.select_related("staff", "window")
    if not scope.everything:
        qs = qs.filter(staff__in=_scoped_staff(scope))
    if start:
        qs = qs.filter(asked_at__gte=workdays.midnight(start))
    if end:
        qs = qs.filter(asked_at__lt=workdays.day_span(end, end)[1])
    if outcome:
        qs = qs.filter(outcome=outcome)
    if window_id:
        qs = qs.filter(window_id=window_id)
    if mine:
        qs = qs.filter(staff__user_id=user.pk)
    return qs.order_by("-asked_at", "-id")


def _scoped_staff(scope):
    from govhall.org.models import Staff

    return Staff.objects.filter(scope.staff_q()).values("pk")
