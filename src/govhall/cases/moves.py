"""The one way a case changes state (DESIGN.md mechanism 2), shared by every service module.

``move`` looks the transition up, runs the clock step, writes the timeline row and the audit
event; the callers hold the row lock (``locked``) and check permissions first.
"""

from django.utils import timezone

from govhall.cases import clocks
from govhall.cases.models import Case, CaseEvent
from govhall.cases.states import REPORT_STATUS, next_state
from govhall.core import audit, outbox, prepared
from govhall.core.crypto import decrypt


def actor_or_none(actor):
    """The actor as the user row to store (None for the system: sweeps, deemed acceptance)."""
    return actor if getattr(actor, "pk", None) else None


def snapshot(case: Case) -> dict:
    return {"state": case.state, "report_status": case.report_status, "legal_due_at": case.legal_due_at}


def event(
    case: Case, *, action: str, actor, at, from_state: str, note: str, effect: dict | None = None,
    step=None, task=None,
):  # fmt: skip
    return prepared.insert(prepared.new(
        CaseEvent, case=case, step=step, task=task, action=action, actor=actor_or_none(actor), at=at,
        from_state=from_state, to_state=case.state, report_status=case.report_status,
        clock_effect={k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in (effect or {}).items()},
        note=note,
    ))  # fmt: skip


_CASE_WITH_ITEM_FOR_UPDATE = prepared.Select(
    # The item with its department and the site come along: every notice names them.
    lambda pk: (
        Case.objects.select_for_update(of=("self",)).select_related("item__department", "site").filter(pk=pk)
    ),
    track=True,
)


def locked(case: Case) -> Case:
    # Row lock, then the state is checked on the fresh row: two clerks at once → one wins.
    return _CASE_WITH_ITEM_FOR_UPDATE.one(case.pk)


def move(
    case: Case, *, action: str, actor, note: str = "", at=None, clock_step=None, report_status: int | None = None,
    step=None, task=None,
) -> Case:  # fmt: skip
    """Apply one transition: state, report status, clocks, timeline row and audit event.

    ``report_status`` overrides the table (conclusion: 11/12/13 by result); a None in the table
    keeps the current status.
    """
    at = at or timezone.now()
    before = snapshot(case)
    from_state = case.state
    new_state = next_state(from_state, action)
    paused_before = case.clock_paused_at
    if clock_step:
        clock_step(case, at)
    case.state = new_state
    table_status = REPORT_STATUS[(from_state, action)]
    case.report_status = report_status or (table_status if table_status is not None else case.report_status)
    effect = clocks.refresh(case)
    prepared.update_changed(case)  # the columns this move changed (all, for a case not read locked)
    if case.clock_paused_at != paused_before:
        clocks.refresh_steps(case)  # a pause or resume moves every active step's deadline too
    event(case, action=action, actor=actor, at=at, from_state=from_state, note=note, effect=effect,
           step=step, task=task)  # fmt: skip
    audit.record(action=f"cases.{action}", actor=actor, obj=case, before=before, after=snapshot(case),
                 detail={"note": note} if note else None)  # fmt: skip
    return case


def notify(case: Case, template: str, text: str) -> None:
    """Queue an SMS to the applicant in the business transaction (sent after commit, once).

    The dedupe key names this very move (the case's latest timeline row), so a second notice of
    the same kind — a second pre-review return, a second special procedure — is sent too, while
    a redelivered outbox row is still sent only once.
    """
    mobile = (
        decrypt(case.applicant.mobile_cipher) if case.applicant_id and case.applicant.mobile_cipher else ""
    )
    if mobile:
        outbox.enqueue(kind="sms", topic=template, payload={"mobile": mobile, "text": text},
                       dedupe_key=f"{template}:{case.number}:{_latest_event_id(case)}")  # fmt: skip


def _latest_event_id(case: Case) -> int:
    return CaseEvent.objects.filter(case=case).order_by("-id").values_list("id", flat=True).first() or 0
