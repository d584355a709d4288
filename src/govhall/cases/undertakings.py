"""Undertakings of a tolerant acceptance (容缺受理) and of a commitment in lieu of proof (告知承诺):
fulfilment, later verification (a false commitment revokes the case) and the sweep that ends a case
whose tolerant undertaking ran out (RULES.md "Cases"; the acceptances are in ``cases.services``).

Every service checks permission first, locks the case row and writes a timeline row and an audit
event in the same transaction; the case's state moves only through ``moves.move`` (via
``decisions``' conclusion and revocation).
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from govhall.cases import permissions
from govhall.cases.decisions import conclude_locked, revoke_locked
from govhall.cases.models import AcceptanceMode, Case, ResultCode, Undertaking
from govhall.cases.moves import actor_or_none, event, locked, snapshot
from govhall.cases.states import Action, CaseState, next_state
from govhall.core import audit
from govhall.core.errors import Conflict, NotFound, ValidationFailed


def _open_undertaking(case: Case, kind: str) -> Undertaking:
    undertaking = Undertaking.objects.select_for_update().filter(case=case).first()
    if undertaking is None or undertaking.kind != kind:
        label = AcceptanceMode(kind).label
        raise NotFound(_("本办件没有%(k)s承诺。") % {"k": label}, code="cases.no_undertaking")
    if undertaking.state != Undertaking.State.OPEN:
        raise Conflict(
            _("该承诺已处理（%(s)s）。") % {"s": undertaking.get_state_display()},
            code="cases.undertaking_closed",
        )
    if case.state in (CaseState.REFUSED, CaseState.WITHDRAWN, CaseState.REVOKED):
        raise Conflict(_("办件已终止，不能再处理承诺。"), code="cases.case_closed")
    return undertaking


def _close(undertaking: Undertaking, *, state: str, actor, note: str, at) -> None:
    undertaking.state, undertaking.closed_at, undertaking.closed_by = state, at, actor_or_none(actor)
    undertaking.note = note
    undertaking.save(update_fields=["state", "closed_at", "closed_by", "note"])


def _timeline(case: Case, *, action: str, actor, at, note: str, detail: dict) -> None:
    # Not a state move: a timeline row and an audit event, the state and report status unchanged.
    event(case, action=action, actor=actor, at=at, from_state=case.state, note=note)
    audit.record(action=f"cases.{action}", actor=actor, obj=case, after=snapshot(case), detail=detail)


@transaction.atomic(durable=True)
def undertaking_fulfil(*, case: Case, actor, note: str = "") -> Undertaking:
    """The owed materials of a tolerant acceptance have come in: the undertaking is kept."""
    permissions.require("undertaking", case=case, actor=actor)
    case = locked(case)
    undertaking = _open_undertaking(case, AcceptanceMode.TOLERANT)
    at = timezone.now()
    note = (note or "").strip()
    _close(undertaking, state=Undertaking.State.FULFILLED, actor=actor, note=note, at=at)
    _timeline(case, action="undertaking_fulfil", actor=actor, at=at, note=note or "、".join(undertaking.owed),
              detail={"owed": undertaking.owed})  # fmt: skip
    return undertaking


@transaction.atomic(durable=True)
def commitment_verify(*, case: Case, truthful: bool, note: str, actor) -> Case:
    """Later verification of a commitment in lieu of proof; a false one revokes the case."""
    permissions.require("undertaking", case=case, actor=actor)
    note = (note or "").strip()
    if not truthful and not note:
        raise ValidationFailed(_("承诺不实须说明核查情况。"), code="cases.reason_required", field="note")
    case = locked(case)
    undertaking = _open_undertaking(case, AcceptanceMode.COMMITMENT)
    if not truthful:
        next_state(case.state, Action.REVOKE)  # illegal state → nothing written
    at = timezone.now()
    state = Undertaking.State.FULFILLED if truthful else Undertaking.State.FALSE
    _close(undertaking, state=state, actor=actor, note=note, at=at)
    _timeline(
        case, action="commitment_verify", actor=actor, at=at, note=note, detail={"truthful": bool(truthful)}
    )
    if not truthful:
        case = revoke_locked(case, reason=_("告知承诺经核查不实：%(n)s") % {"n": note}, actor=actor, at=at)
    return case


UNDERTAKING_ENDABLE = (CaseState.ACCEPTED, CaseState.IN_SUPPLEMENT, CaseState.SUSPENDED, CaseState.DECIDED)
UNDERTAKING_REVOCABLE = (CaseState.CONCLUDED, CaseState.DELIVERED)


def _expire_one(case: Case, undertaking: Undertaking, now) -> bool:
    reason = _("容缺受理承诺逾期未履行（欠交：%(m)s）") % {"m": "、".join(undertaking.owed)}
    if case.state in UNDERTAKING_ENDABLE:
        result = {"result_code": int(ResultCode.RETURNED), "reason": reason, "certificate_no": "",
                  "certificate_valid_until": None}  # fmt: skip
        conclude_locked(case, result=result, actor=None, at=now, action=Action.EXPIRE)
    elif case.state in UNDERTAKING_REVOCABLE and case.result_code == ResultCode.CERTIFICATE:
        revoke_locked(case, reason=reason, actor=None, at=now)
    else:
        return False
    _close(undertaking, state=Undertaking.State.EXPIRED, actor=None, note=reason, at=now)
    return True


@transaction.atomic(durable=True)
def cases_expire_undertakings(*, now=None) -> int:
    """容缺受理: a tolerant undertaking past its deadline ends the case (EXPIRE → concluded, result 5)
    or, when the case was already concluded approved (report 12), revokes it. One indexed query."""
    now = now or timezone.now()
    due = (
        Undertaking.objects.filter(
            kind=AcceptanceMode.TOLERANT, state=Undertaking.State.OPEN, deadline__lte=now
        )
        .filter(case__state__in=(*UNDERTAKING_ENDABLE, *UNDERTAKING_REVOCABLE))
        .order_by("case_id")
        .values_list("case_id", flat=True)
    )
    count = 0
    for case_id in list(due):
        case = locked(Case(pk=case_id))
        undertaking = Undertaking.objects.select_for_update().get(case=case)
        if undertaking.state == Undertaking.State.OPEN and _expire_one(case, undertaking, now):
            count += 1
    return count
