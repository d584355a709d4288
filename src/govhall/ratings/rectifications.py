"""The rectification of a bad rating (差评整改, RULES.md "Ratings"; 国办发〔2019〕51号).

pending → (appeal → invalid_review → invalid | rectifying) | start → rectifying → rectified |
(cannot → cannot_review → cannot_rectify | rectifying). The deadline is 15 working days from the
rating (``GOVHALL_RATING_RECTIFY_WORKDAYS``, core.workdays); the sweep flags open ones past it as
overdue, once, and the flag stays. A real-name bad rating is closed as rectified only after a
return visit (100 % 回访). Every move locks the row, checks the table, and is audited.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from govhall.core import audit, outbox, workdays
from govhall.core.crypto import decrypt
from govhall.core.errors import ValidationFailed
from govhall.org.models import Department, DepartmentKind, Role, Staff
from govhall.ratings import permissions
from govhall.ratings.errors import IllegalRectMove
from govhall.ratings.models import (
    RECT_TRANSITIONS,
    Rating,
    RectAction,
    Rectification,
    RectState,
    ReturnVisit,
    VisitMethod,
    VisitResult,
    allowed_rect_actions,
)

TEXT_MAX, PUBLIC_MAX = 2000, 500
# The unit owes an action in these states, so the deadline counts against it.
CLOCK_STATES = (RectState.PENDING, RectState.RECTIFYING)


def rectify_workdays() -> int:
    return int(getattr(settings, "GOVHALL_RATING_RECTIFY_WORKDAYS", 15))


def _text(value, *, field: str, required: str = "", limit: int = TEXT_MAX) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else ""
    if required and not text:
        raise ValidationFailed(required, code="ratings.text_required", field=field)
    if len(text) > limit:
        raise ValidationFailed(
            _("内容不得超过%(n)s个字。") % {"n": limit}, code="ratings.text_too_long", field=field
        )
    return text


def _unit_for(rating: Rating) -> Department | None:
    """The rated department, else the centre itself (a rating of the platform or of no unit)."""
    if rating.department_id:
        return rating.department
    return Department.objects.filter(kind=DepartmentKind.CENTRE, active=True).order_by("sort", "code").first()


def _leaders(unit: Department | None) -> list:
    """The unit's chief representative (lowest employee number), else the centre's duty leader."""
    staff = Staff.objects.select_related("user").filter(active=True).order_by("employee_no")
    leader = (staff.filter(department=unit, role=Role.CHIEF).first() if unit else None) or staff.filter(
        role=Role.DUTY_LEADER
    ).first()
    return [leader.user] if leader is not None else []


def _snapshot(rect: Rectification) -> dict:
    return {"state": rect.state, "overdue": rect.overdue, "due_at": rect.due_at}


def _record(action: str, rect: Rectification, actor, before: dict | None, **detail) -> None:
    audit.record(action=f"ratings.rectification_{action}", actor=actor, obj=rect, before=before,
                 after=_snapshot(rect), detail={"unit": rect.unit_id, **detail})  # fmt: skip


def rectification_open(*, rating: Rating, at) -> Rectification:
    """Open the rectification of a bad rating (inside the rating's transaction) and tell the unit."""
    unit = _unit_for(rating)
    with transaction.atomic(savepoint=False):
        rect = Rectification.objects.create(
            rating=rating, unit=unit, opened_at=at,
            due_at=workdays.due_instant(at, rectify_workdays(), "workday"),
        )  # fmt: skip
        _record("open", rect, None, None, rating=rating.pk, level=rating.level)
        text = _("【好差评】%(u)s收到一条差评（%(l)s），请于%(d)s前完成回访与整改，整改单%(n)s号。") % {
            "u": unit.name if unit else settings.GOVHALL_CENTRE_NAME, "l": rating.get_level_display(),
            "d": timezone.localtime(rect.due_at).strftime("%Y-%m-%d"), "n": rect.pk,
        }  # fmt: skip
        for user in _leaders(unit):
            if user.mobile_cipher:
                outbox.enqueue(kind="sms", topic="rating_rectification",
                               payload={"mobile": decrypt(user.mobile_cipher), "text": text},
                               dedupe_key=f"rating_rect:{rect.pk}:opened:{user.pk}")  # fmt: skip
    return rect


def _locked(rect: Rectification) -> Rectification:
    return Rectification.objects.select_for_update(of=("self",)).select_related("rating").get(pk=rect.pk)


def _next(rect: Rectification, action: str) -> str:
    try:
        return RECT_TRANSITIONS[(rect.state, action)]
    except KeyError:
        raise IllegalRectMove(
            _("整改单当前状态为“%(s)s”，不能执行“%(a)s”。")
            % {"s": RectState(rect.state).label, "a": RectAction(action).label},
            state=rect.state, allowed_actions=allowed_rect_actions(rect.state),
        ) from None  # fmt: skip


def _move(rect: Rectification, action: str, actor, *, fields: dict | None = None, **detail) -> Rectification:
    before = _snapshot(rect)
    rect.state = _next(rect, action)
    now = timezone.now()
    for name, value in (fields or {}).items():
        setattr(rect, name, value)
    changed = ["state", *(fields or {})]
    if rect.state in (RectState.RECTIFIED, RectState.INVALID, RectState.CANNOT_RECTIFY):
        rect.closed_at = now
        changed.append("closed_at")
    if rect.state == RectState.RECTIFIED and now > rect.due_at and not rect.overdue:
        rect.overdue, rect.overdue_at = True, rect.due_at  # finished late: overdue all the same
        changed += ["overdue", "overdue_at"]
    rect.save(update_fields=changed)
    _record(action, rect, actor, before, **detail)
    return rect


# --- the unit ------------------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def rectification_start(*, rectification: Rectification, actor, note: str = "") -> Rectification:
    """The responsible unit accepts the bad rating and starts rectifying."""
    permissions.require_unit(actor, rectification)
    note = _text(note, field="note", limit=PUBLIC_MAX)
    rect = _locked(rectification)
    return _move(rect, RectAction.START, actor, fields={"handled_by": actor}, note=note)


@transaction.atomic(durable=True)
def rectification_appeal(*, rectification: Rectification, reason: str, actor) -> Rectification:
    """The unit appeals the rating as invalid (malicious, unrelated, not its service): to review."""
    permissions.require_unit(actor, rectification)
    reason = _text(reason, field="reason", required=_("请说明申诉理由。"))
    rect = _locked(rectification)
    now = timezone.now()
    return _move(rect, RectAction.APPEAL, actor,
                 fields={"claim": reason, "claimed_by": actor, "claimed_at": now})  # fmt: skip


@transaction.atomic(durable=True)
def rectification_cannot(*, rectification: Rectification, reason: str, actor) -> Rectification:
    """The unit says the complaint cannot be rectified (e.g. the law requires it): to review."""
    permissions.require_unit(actor, rectification)
    reason = _text(reason, field="reason", required=_("请说明无法整改的理由。"))
    rect = _locked(rectification)
    return _move(rect, RectAction.CANNOT, actor,
                 fields={"claim": reason, "claimed_by": actor, "claimed_at": timezone.now()})  # fmt: skip


@transaction.atomic(durable=True)
def rectification_complete(
    *, rectification: Rectification, measures: str, public_result: str = "", actor
) -> Rectification:
    """Rectified: the measures taken, and the result published on /ratings/ (no personal data)."""
    permissions.require_unit(actor, rectification)
    measures = _text(measures, field="measures", required=_("请填写整改措施。"))
    public_result = _text(public_result, field="public_result", limit=PUBLIC_MAX)
    rect = _locked(rectification)
    _next(rect, RectAction.RECTIFY)
    if rect.rating.real_name and not ReturnVisit.objects.filter(rectification=rect).exists():
        # RULES.md "Ratings": every real-name bad rating gets a return visit (100 %).
        raise ValidationFailed(
            _("实名差评须先回访评价人，登记回访记录后才能办结整改。"), code="ratings.visit_required",
            field="measures",
        )  # fmt: skip
    return _move(rect, RectAction.RECTIFY, actor, fields={
        "measures": measures, "public_result": public_result, "handled_by": actor,
    })  # fmt: skip


@transaction.atomic(durable=True)
def return_visit_record(
    *, rectification: Rectification, method: str, result: str, note: str = "", actor
) -> ReturnVisit:
    """回访: who called the rater, when, how and with what result (allowed until the case is closed)."""
    permissions.require_unit(actor, rectification)
    if method not in VisitMethod.values:
        raise ValidationFailed(_("请选择回访方式。"), code="ratings.visit_method", field="method")
    if result not in VisitResult.values:
        raise ValidationFailed(_("请选择回访结果。"), code="ratings.visit_result", field="result")
    note = _text(note, field="note")
    rect = _locked(rectification)
    if rect.state not in (RectState.PENDING, RectState.RECTIFYING, RectState.CANNOT_REVIEW):
        raise IllegalRectMove(
            _("整改单当前状态为“%(s)s”，不能再登记回访。") % {"s": RectState(rect.state).label},
            state=rect.state, allowed_actions=allowed_rect_actions(rect.state),
        )  # fmt: skip
    visit = ReturnVisit.objects.create(
        rectification=rect,
        visited_by=actor,
        visited_at=timezone.now(),
        method=method,
        result=result,
        note=note,
    )
    _record("visit", rect, actor, None, visit=visit.pk, method=method, result=result)
    return visit


# --- review by a supervisor or manager -----------------------------------------------------------------

REVIEW_MOVES = {
    RectState.INVALID_REVIEW: (RectAction.APPEAL_UPHOLD, RectAction.APPEAL_REJECT),
    RectState.CANNOT_REVIEW: (RectAction.CANNOT_UPHOLD, RectAction.CANNOT_REJECT),
}


@transaction.atomic(durable=True)
def rectification_review(*, rectification: Rectification, uphold, note: str = "", actor) -> Rectification:
    """Decide an appeal or a cannot-rectify claim: upheld closes it; rejected sends it back to
    rectifying (the clock keeps running from the rating: the deadline does not move)."""
    permissions.require_reviewer(actor, rectification)
    if not isinstance(uphold, bool):
        raise ValidationFailed(_("请选择审核结论。"), code="ratings.review_result", field="uphold")
    note = _text(note, field="note", limit=PUBLIC_MAX)
    if not uphold and not note:
        raise ValidationFailed(_("不同意须说明理由。"), code="ratings.text_required", field="note")
    rect = _locked(rectification)
    moves = REVIEW_MOVES.get(rect.state)
    action = (moves[0] if uphold else moves[1]) if moves else RectAction.APPEAL_UPHOLD
    now = timezone.now()
    return _move(rect, action, actor, fields={"review_note": note, "reviewed_by": actor, "reviewed_at": now},
                 uphold=uphold)  # fmt: skip


# --- the sweep ---------------------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def rectifications_flag_overdue(*, now=None) -> int:
    """Flag every open rectification past its deadline, once: one UPDATE over (state, due_at)."""
    now = now or timezone.now()
    due = Rectification.objects.filter(state__in=CLOCK_STATES, due_at__lte=now, overdue=False)
    ids = sorted(due.values_list("pk", flat=True))
    if not ids:
        return 0
    count = Rectification.objects.filter(pk__in=ids, overdue=False).update(overdue=True, overdue_at=now)
    audit.record(action="ratings.rectification_overdue", detail={"count": count, "ids": ids[:1000]})
    return count
