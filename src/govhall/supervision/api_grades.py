"""GET /api/v1/supervision/grades?period=2026Q4&level=department|window|person|site — a period's
performance grades, best first (bearer token; supervisors and the centre-wide roles).

A bad period or level answers 400 ``supervision.bad_period`` / ``supervision.bad_level``; a caller
without the role 403 ``supervision.forbidden``. Mounted by the API assembly (govhall.api.api)
at "/supervision"; ``make_router`` builds a fresh router for tests.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from govhall.core.api import api_actor, bearer
from govhall.core.errors import PermissionDenied
from govhall.org.access import CENTRE_WIDE_ROLES, require_role
from govhall.supervision import grading


class GradesParams(Schema):
    period: str  # 2026Q4 or 2026-11
    level: str = "department"


class GradeOut(Schema):
    level: str
    unit_id: int
    unit_name: str
    unit_detail: str
    score: str  # decimal text, one place: "52.7"
    grade: str  # excellent / good / pass / fail
    grade_label: str  # 优秀 / 良好 / 合格 / 不合格
    concluded: int
    timed: int
    on_time: int
    on_time_rate: str | None  # percent, two places; None when nothing with a deadline concluded
    avg_used_workdays: str | None
    avg_promised_workdays: str | None
    measured: int
    yellow_cards: int
    red_cards: int
    anomalies: int | None  # None: the source does not apply or does not exist yet (see notes)
    orders_overdue: int | None
    bad_ratings: int | None
    complaints: int | None
    parts: dict[str, str]


class GradesOut(Schema):
    period: str
    period_label: str
    level: str
    weights: dict[str, str]
    thresholds: dict[str, str]
    notes: list[str]
    grades: list[GradeOut]


def grades_get(request: HttpRequest, params: Query[GradesParams]):
    try:
        require_role(api_actor(request), *CENTRE_WIDE_ROLES)
    except PermissionDenied:
        raise PermissionDenied(
            _("绩效评估数据仅限监察员和中心管理人员查看。"), code="supervision.forbidden"
        ) from None
    return grading.grades_for(params.period, params.level).as_dict()


def make_router() -> Router:
    router = Router(tags=["电子监察"])
    router.get(
        "/grades",
        response=GradesOut,
        auth=bearer,
        summary="绩效评估：某考核期各部门/窗口/个人/场所的得分与等次",
    )(grades_get)
    return router


router = make_router()
