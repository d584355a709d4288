"""Reads of the cases context."""

from govhall.cases.models import Case, CaseEvent
from govhall.cases.states import CaseState
from govhall.core.crypto import constant_time_equal, sm3_hex


def case_get(*, number: str) -> Case | None:
    return Case.objects.select_related("item", "site", "window").filter(number=number).first()


def case_timeline(*, case: Case) -> list[CaseEvent]:
    return list(CaseEvent.objects.filter(case=case).select_related("actor").order_by("at", "id"))


def case_check_password(*, case: Case, password: str) -> bool:
    """Public lookup (RULES.md "Cases"): case number + query password."""
    return constant_time_equal(case.query_password_digest, sm3_hex(f"{case.number}:{password}"))


def cases_due_for_deemed_acceptance(*, now) -> list[int]:
    return list(
        Case.objects.filter(state=CaseState.SUBMITTED, acceptance_deadline__lte=now).values_list(
            "pk", flat=True
        )
    )
