"""/api/v1/ratings — mounted by govhall.api.api.

- ``POST /ratings``: the caller rates their own concluded case (bearer; 404 for anyone else's case,
  exactly like an unknown number; 409 for a second rating or an unconcluded case).
- ``GET /ratings/rectifications`` (+ ``/{id}``, ``/{id}/actions/{action}``): staff work the bad
  ratings of their unit; reviews by supervisors and managers.
- ``GET /ratings/stats``: public scores by department, window, item or channel (no personal data).
Errors are ``{"code", "message"}`` with 400/403/404/409 (govhall.api.api).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from govhall.cases.models import Case
from govhall.cases.scopes import cases_visible_q
from govhall.core.api import api_actor, bearer
from govhall.core.errors import PermissionDenied, ValidationFailed
from govhall.org.access import remember_for_request
from govhall.ratings import permissions, rectifications, selectors, services
from govhall.ratings.models import Channel, Level, Rating, Rectification, RectState

router = Router(tags=["好差评"])
MAX_LIMIT = 100


class RatingIn(Schema):
    case: str  # the case number
    level: int  # 1 非常满意 … 5 非常不满意
    channel: str = Channel.MOBILE  # pc / mobile / qr (phone: staff recording a call)
    comment: str = ""
    reasons: list[str] = []  # dissatisfaction tags (ratings.models.Reason), required for 4 and 5


class RectBrief(Schema):
    id: int
    state: str
    due_at: dt.datetime
    overdue: bool


class RatingOut(Schema):
    id: int
    level: int
    level_label: str
    channel: str
    case: str | None
    item: str | None
    department: str | None
    reasons: list[str]
    created_at: dt.datetime
    rectification: RectBrief | None = None


class VisitOut(Schema):
    visited_at: dt.datetime
    method: str
    result: str
    note: str


class RectOut(Schema):
    id: int
    state: str
    state_label: str
    unit: str | None
    opened_at: dt.datetime
    due_at: dt.datetime
    overdue: bool
    rating: RatingOut
    rater: str  # masked (张*)
    real_name: bool
    comment: str
    measures: str
    public_result: str
    claim: str
    review_note: str
    visits: list[VisitOut] = []


class RectActionIn(Schema):
    note: str = ""  # start / visit / review
    reason: str = ""  # appeal / cannot
    measures: str = ""  # rectify
    public_result: str = ""  # rectify
    method: str = ""  # visit: phone / sms / visit / online
    result: str = ""  # visit: satisfied / basic / dissatisfied / unreachable
    uphold: bool | None = None  # review


class ScoreOut(Schema):
    key: str
    name: str
    count: int
    good: int
    bad: int
    average: Decimal | None
    satisfaction: Decimal | None


class StatsOut(Schema):
    start: dt.date
    end: dt.date
    by: str
    total: ScoreOut
    rows: list[ScoreOut]


def _rating_data(rating: Rating) -> dict:
    rect = getattr(rating, "rectification", None) if rating.level >= 4 else None
    return {
        "id": rating.pk, "level": rating.level, "level_label": str(Level(rating.level).label),
        "channel": rating.channel, "case": rating.case.number if rating.case_id else None,
        "item": rating.item.name if rating.item_id else None,
        "department": rating.department.name if rating.department_id else None,
        "reasons": rating.reasons, "created_at": rating.created_at,
        "rectification": {"id": rect.pk, "state": rect.state, "due_at": rect.due_at, "overdue": rect.overdue}
        if rect else None,
    }  # fmt: skip


@router.post("", response={201: RatingOut}, auth=bearer, summary="评价本人已办结的办件（每件一次）")
def rating_create(request: HttpRequest, payload: RatingIn):
    user = api_actor(request)
    remember_for_request(user)
    # An applicant rates their own case; staff record a phone rating for a case in their scope.
    mine = cases_visible_q(user) if permissions.is_staff(user) else Q(applicant_id=user.pk)
    case = (
        Case.objects.select_related("item", "item__department", "window")
        .filter(mine, number=payload.case.strip())
        .first()
    )
    if case is None:
        raise permissions.case_not_found()
    rating = services.rating_submit(
        level=payload.level, channel=payload.channel, actor=user, case=case, comment=payload.comment,
        reasons=payload.reasons,
    )  # fmt: skip
    rating = Rating.objects.select_related("case", "item", "department").get(pk=rating.pk)
    return Status(201, _rating_data(rating))


# --- staff ------------------------------------------------------------------------------------------


def _staff(request: HttpRequest):
    user = api_actor(request)
    remember_for_request(user)
    if not permissions.is_staff(user):
        raise PermissionDenied(_("差评整改仅限工作人员使用。"), code="ratings.staff_only")
    return user


def _rect_data(rect: Rectification, visits: bool = False) -> dict:
    rating = rect.rating
    data = {
        "id": rect.pk, "state": rect.state, "state_label": str(RectState(rect.state).label),
        "unit": rect.unit.name if rect.unit_id else None, "opened_at": rect.opened_at, "due_at": rect.due_at,
        "overdue": rect.overdue, "rating": _rating_data(rating), "rater": rating.rater_name_masked,
        "real_name": rating.real_name, "comment": rating.comment, "measures": rect.measures,
        "public_result": rect.public_result, "claim": rect.claim, "review_note": rect.review_note,
    }  # fmt: skip
    if visits:
        data["visits"] = [
            {"visited_at": v.visited_at, "method": v.method, "result": v.result, "note": v.note}
            for v in rect.visits.order_by("visited_at", "id")
        ]
    return data


class RectParams(Schema):
    state: str = ""
    overdue: bool | None = None
    limit: int = 20
    offset: int = 0


@router.get(
    "/rectifications", response=list[RectOut], auth=bearer, summary="差评及其整改（本单位；中心人员全部）"
)
def rect_list(request: HttpRequest, params: Query[RectParams]):
    user = _staff(request)
    if not 1 <= params.limit <= MAX_LIMIT or params.offset < 0:
        raise ValidationFailed(_("limit须在1至%(m)d之间，offset不能为负数。") % {"m": MAX_LIMIT},
                               code="ratings.bad_page")  # fmt: skip
    if params.state and params.state not in RectState.values:
        raise ValidationFailed(
            _("状态“%(s)s”无效。") % {"s": params.state}, code="ratings.bad_state", field="state"
        )
    qs = selectors.rectifications_for(user=user, state=params.state, overdue=params.overdue).select_related(
        "rating__department"
    )
    return [_rect_data(r) for r in qs[params.offset : params.offset + params.limit]]


def _rect(user, pk: int) -> Rectification:
    rect = selectors.rectification_get(user=user, pk=pk)
    if rect is None:
        raise permissions.rect_not_found()
    return rect


@router.get("/rectifications/{rect_id}", response=RectOut, auth=bearer, summary="差评整改详情与回访记录")
def rect_detail(request: HttpRequest, rect_id: int):
    return _rect_data(_rect(_staff(request), rect_id), visits=True)


RECT_API_ACTIONS = ("start", "appeal", "cannot", "rectify", "visit", "review")


@router.post(
    "/rectifications/{rect_id}/actions/{action}", response=RectOut, auth=bearer,
    summary="办理：start 开始整改 · appeal 申诉无效 · cannot 申请无法整改 · rectify 整改完成 · visit 登记回访 · "
    "review 审核（uphold）",
)  # fmt: skip
def rect_action(request: HttpRequest, rect_id: int, action: str, payload: RectActionIn):
    user = _staff(request)
    rect = _rect(user, rect_id)
    r, p = rectifications, payload
    calls = {
        "start": lambda: r.rectification_start(rectification=rect, note=p.note, actor=user),
        "appeal": lambda: r.rectification_appeal(rectification=rect, reason=p.reason, actor=user),
        "cannot": lambda: r.rectification_cannot(rectification=rect, reason=p.reason, actor=user),
        "rectify": lambda: r.rectification_complete(rectification=rect, measures=p.measures,
                                                    public_result=p.public_result, actor=user),
        "visit": lambda: r.return_visit_record(rectification=rect, method=p.method, result=p.result, note=p.note,
                                               actor=user),
        "review": lambda: r.rectification_review(rectification=rect, uphold=p.uphold, note=p.note, actor=user),
    }  # fmt: skip
    if action not in calls:
        raise ValidationFailed(
            _("未知的操作“%(a)s”，可选：%(l)s。") % {"a": action, "l": "、".join(RECT_API_ACTIONS)},
            code="ratings.bad_action", field="action",
        )  # fmt: skip
    calls[action]()
    return _rect_data(_rect(user, rect_id), visits=True)


# --- public -----------------------------------------------------------------------------------------


class StatsParams(Schema):
    start: dt.date | None = None
    end: dt.date | None = None
    by: str = "department"  # department / window / item / channel


def _score(key: str, name: str, s: selectors.RatingScore) -> dict:
    return {"key": key, "name": name, "count": s.count, "good": s.good, "bad": s.bad, "average": s.average,
            "satisfaction": s.satisfaction}  # fmt: skip


@router.get(
    "/stats", response=StatsOut, summary="好差评公示：按部门、窗口、事项或渠道的评价数与满意率（公开）"
)
def stats(request: HttpRequest, params: Query[StatsParams]):
    today = timezone.localdate()
    start, end = params.start or today.replace(month=1, day=1), params.end or today
    if end < start:
        raise ValidationFailed(_("结束日期不能早于开始日期。"), code="ratings.bad_period", field="end")
    if params.by not in ("department", "window", "item", "channel"):
        raise ValidationFailed(
            _("by须为department、window、item或channel。"), code="ratings.bad_by", field="by"
        )
    total, _levels = selectors.overall_score(start=start, end=end)
    if params.by == "channel":
        labels = dict(Channel.choices)
        rows = [
            _score(k, str(labels.get(k, k)), s)
            for k, s in selectors.channel_scores(start=start, end=end).items()
        ]
    else:
        rows = [
            _score(str(n.id), n.name, n.score)
            for n in selectors.named_scores(start=start, end=end, by=params.by)
        ]
    return {
        "start": start,
        "end": end,
        "by": params.by,
        "total": _score("all", _("全部"), total),
        "rows": rows,
    }
