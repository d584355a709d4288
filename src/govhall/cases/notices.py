"""Documents issued on a case (告知书, 决定书, 回执): a frozen record now, a PDF on demand.

``notice_issue`` runs inside the service's transaction and only writes a row (cheap: no PDF work
in the action's transaction); ``notice_pdf`` renders the row's frozen facts whenever it is asked.
"""

from django.conf import settings
from django.utils import timezone

from govhall.cases.models import Case, Notice

KIND_CODES = {
    Notice.Kind.ACCEPTANCE: "SL",
    Notice.Kind.SUPPLEMENT: "BZ",
    Notice.Kind.REFUSAL: "BY",
    Notice.Kind.SPECIAL: "TB",
    Notice.Kind.EXTENSION: "YC",
    Notice.Kind.CONCLUSION: "BJ",
    Notice.Kind.DELIVERY: "SD",
}


def seal_text(department) -> str:
    return f"{department.name}行政审批专用章"


def lookup_url(case: Case) -> str:
    return f"{settings.GOVHALL_PUBLIC_BASE_URL.rstrip('/')}/cases/lookup/?number={case.number}"


def _base_facts(case: Case) -> dict:
    def iso(value):
        return value.isoformat() if value else None

    return {
        "case_number": case.number,
        "item_code": case.item.code,
        "item_name": case.item.name,
        "department": case.item.department.name,
        "applicant_name": case.applicant_name,
        "site": case.site.name,
        "received_at": iso(case.received_at),
        "accepted_at": iso(case.accepted_at),
        "legal_due_at": iso(case.legal_due_at),
        "promised_due_at": iso(case.promised_due_at),
        "state": case.state,
    }


def notice_issue(*, case: Case, kind: str, actor=None, data: dict | None = None, at=None) -> Notice:
    """Write the notice row for ``case`` (caller holds the case's row lock, so numbering is safe).

    ``data`` adds the kind's own facts (reasons, materials, durations, result, tracking number …)
    to the case's base facts; JSON types only.
    """
    at = at or timezone.now()
    department = case.item.department
    count = Notice.objects.filter(case=case, kind=kind).count()
    number = f"{case.number}-{KIND_CODES[kind]}{count + 1:02d}"
    facts = {**_base_facts(case), **(data or {}), "issued_by": getattr(actor, "pk", None)}
    return Notice.objects.create(
        case=case, kind=kind, number=number, issued_at=at, department=department,
        seal_text=seal_text(department), data=facts,
    )  # fmt: skip
