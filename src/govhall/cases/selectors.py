"""Reads of the cases context."""

from django.db.models import F, Prefetch, Q, QuerySet

from govhall.cases.models import Case, CaseCopy, CaseEvent, CaseStep, StepTask
from govhall.cases.states import CaseState, StepState, TaskState
from govhall.core.crypto import constant_time_equal, sm3_hex


def case_get(*, number: str) -> Case | None:
    return Case.objects.select_related("item", "site", "window").filter(number=number).first()


def case_timeline(*, case: Case) -> list[CaseEvent]:
    return list(CaseEvent.objects.filter(case=case).select_related("actor").order_by("at", "id"))


def case_check_password(*, case: Case, password: str) -> bool:
    """Public lookup (RULES.md "Cases"): case number + query password."""
    return constant_time_equal(case.query_password_digest, password_digest(case.number, password))


def password_digest(number: str, password: str) -> str:
    """What a case stores for its query password (SM3 of the number and the password)."""
    return sm3_hex(f"{number}:{password}")


def cases_due_for_deemed_acceptance(*, now) -> list[int]:
    return list(
        Case.objects.filter(state=CaseState.SUBMITTED, acceptance_deadline__lte=now).values_list(
            "pk", flat=True
        )
    )


# --- processing (helper A) ------------------------------------------------------------------------


def tasks_for(*, user) -> QuerySet[StepTask]:
    """The pending tasks ``user`` may work now, the least time left first ("my tasks").

    Assigned to the user, or unclaimed (assignee NULL) in the user's department with the step's
    role. Only tasks of active rounds of accepted cases: a paused case's tasks wait.
    """
    from govhall.org.access import staff_of

    staff = staff_of(user)
    if staff is None:
        return StepTask.objects.none()
    mine = Q(assignee_id=user.pk) | Q(
        assignee__isnull=True, department_id=staff.department_id, step__role=staff.role
    )
    return (
        StepTask.objects.filter(
            mine, state=TaskState.PENDING, step__state=StepState.ACTIVE, case__state=CaseState.ACCEPTED
        )
        .select_related("step", "case", "case__item", "department")
        .order_by(F("step__due_at").asc(nulls_last=True), "id")
    )


def case_steps(*, case: Case) -> list[CaseStep]:
    """Every round of the case with its tasks (two queries), for the case page."""
    tasks = StepTask.objects.select_related("department", "assignee", "done_by").order_by("seq", "id")
    return list(
        CaseStep.objects.filter(case=case)
        .select_related("department")
        .prefetch_related(Prefetch("tasks", queryset=tasks))
        .order_by("round")
    )


def copies_for(*, user, unread_only: bool = False) -> QuerySet[CaseCopy]:
    """Cases copied (抄送) to the user, newest first."""
    qs = CaseCopy.objects.filter(to_user_id=user.pk).select_related("case", "case__item", "step", "by")
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-sent_at", "-id")
