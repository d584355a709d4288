"""Demo ratings (``govhall seed_demo`` calls ``seed()`` after the demo cases exist; idempotent).

1. **History**: about 60 % of the concluded demo cases rated some hours after their conclusion, and
   window services rated at the evaluator pads over the past 90 days — bulk-inserted like the case
   history (the services act "now"); two old bad ones with their rectifications (one rectified on
   time, one left pending, which the sweep then flags overdue).
2. **Today**: a few bad ratings through the real services, with their rectifications moved by the
   demo staff into every state (pending, rectifying with a return visit, rectified and published,
   appeal under review, invalid, cannot-rectify under review and agreed).
The demo applicant 张三's cases are left unrated, so he can rate them himself.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from govhall.cases.models import Case, CaseEvent
from govhall.cases.states import CaseState
from govhall.core import audit, workdays
from govhall.core.errors import DomainError
from govhall.core.masking import mask_name
from govhall.org.models import Role, Staff, Window
from govhall.ratings import rectifications as r
from govhall.ratings.models import Channel, Rating, Rectification, RectState, ReturnVisit
from govhall.ratings.services import rating_submit

SHARE = 0.6
LEVEL_WEIGHTS = ((1, 70), (2, 22), (3, 8))
CASE_CHANNELS = {"online": (Channel.PC, Channel.MOBILE, Channel.SMS), "window": (Channel.PAD, Channel.QR, Channel.SMS),
                 "agency": (Channel.PHONE, Channel.SMS), "post": (Channel.SMS, Channel.PHONE)}  # fmt: skip
COMMENTS = ("办事效率高", "窗口人员耐心细致", "一次就办好了", "流程清楚", "")
UNIT_ROLES = (Role.CLERK, Role.CHIEF, Role.APPROVER)


def seed() -> dict[str, int]:
    if Rating.objects.exists():
        return {}
    rng = random.Random(2026)  # noqa: S311 - demo data, not security
    history = _history(rng)
    today = _today(rng)
    r.rectifications_flag_overdue()
    return {
        "好差评（历史办件评价）": history["cases"],
        "好差评（窗口评价器评价）": history["windows"],
        "差评整改（各状态演示）": Rectification.objects.count(),
        "差评整改（已逾期）": Rectification.objects.filter(overdue=True).count(),
        "回访记录": ReturnVisit.objects.count(),
    } | ({"演示差评未能写入": today} if today else {})


def _rateable():
    return (
        Case.objects.filter(state__in=(CaseState.CONCLUDED, CaseState.DELIVERED), concluded_at__isnull=False)
        .exclude(applicant__username__in=("applicant", "enterprise"))
        .select_related("item")
        .order_by("id")
    )


def _intake_staff(case_ids: list[int]) -> dict[int, int]:
    actors = dict(
        CaseEvent.objects.filter(case_id__in=case_ids, action="submit").values_list("case_id", "actor_id")
    )
    staff = dict(Staff.objects.filter(user_id__in=set(actors.values())).values_list("user_id", "id"))
    return {case_id: staff[user_id] for case_id, user_id in actors.items() if user_id in staff}


def _level(rng: random.Random) -> int:
    return rng.choices([lv for lv, _w in LEVEL_WEIGHTS], [w for _lv, w in LEVEL_WEIGHTS])[0]


@transaction.atomic(durable=True)
def _history(rng: random.Random) -> dict[str, int]:
    now = timezone.now()
    cases = [c for c in _rateable() if rng.random() < SHARE]
    cases = cases[:-12] if len(cases) > 12 else []  # leave recent ones for the services below
    staff = _intake_staff([c.pk for c in cases])
    rows = []
    for case in cases:
        at = min(case.concluded_at + dt.timedelta(hours=rng.randint(1, 70)), now - dt.timedelta(minutes=5))
        rows.append(Rating(
            level=_level(rng), channel=rng.choice(CASE_CHANNELS.get(case.channel, (Channel.SMS,))), case=case,
            window_id=case.window_id, staff_id=staff.get(case.pk), item_id=case.item_id,
            department_id=case.item.department_id, rater_id=case.applicant_id,
            rater_name_masked=mask_name(case.applicant_name), real_name=True,
            comment=rng.choice(COMMENTS), created_at=at,
        ))  # fmt: skip
    windows = list(Window.objects.filter(active=True).order_by("id")[:40])
    window_staff = dict(
        Staff.objects.filter(window__in=windows, active=True).order_by("-id").values_list("window_id", "id")
    )
    n = 0
    for window in windows:
        for _ in range(rng.randint(5, 25)):
            n += 1
            at = now - dt.timedelta(days=rng.randint(1, 90), minutes=rng.randint(0, 600))
            rows.append(Rating(
                level=_level(rng), channel=Channel.PAD, window=window, staff_id=window_staff.get(window.pk),
                department_id=window.department_id, service_ref=f"demo:ticket:{n}", created_at=at,
            ))  # fmt: skip
    Rating.objects.bulk_create(rows, batch_size=1000)
    _old_bad(rng, now)
    audit.record(action="demo.seed_ratings", detail={"cases": len(cases), "windows": n})
    return {"cases": len(cases), "windows": n}


def _old_bad(rng: random.Random, now: dt.datetime) -> None:
    """Two bad window ratings of a month ago: one rectified on time, one never handled (overdue)."""
    windows = list(Window.objects.filter(active=True).order_by("id")[:2])
    for k, window in enumerate(windows):
        at = now - dt.timedelta(days=30 + k)
        rating = Rating.objects.create(
            level=4 + k, channel=Channel.PAD, window=window, department_id=window.department_id,
            service_ref=f"demo:ticket:bad{k}", rater_name_masked=mask_name("刘建国"), reasons=["slow", "trips"],
            comment="等候时间太长，来回跑了两次", created_at=at,
        )  # fmt: skip
        due = workdays.due_instant(at, r.rectify_workdays(), "workday")
        done = k == 0
        Rectification.objects.create(
            rating=rating, unit_id=window.department_id, opened_at=at, due_at=due,
            state=RectState.RECTIFIED if done else RectState.PENDING, closed_at=at + dt.timedelta(days=5) if done else None,
            measures="增设高峰时段弹性窗口" if done else "", public_result="高峰时段增开弹性窗口，平均等候缩短至15分钟" if done else "",
        )  # fmt: skip


def _unit_staff(department_id: int):
    staff = (
        Staff.objects.filter(department_id=department_id, role__in=UNIT_ROLES, active=True)
        .select_related("user")
        .order_by("employee_no")
        .first()
    )
    return staff.user if staff else None


# state → the moves after opening: (service, kwargs, who: "unit" | "review")
PLANS = [
    [],
    [],
    [("start", "unit"), ("visit", "unit")],
    [("start", "unit"), ("visit", "unit"), ("rectify", "unit")],
    [("visit", "unit"), ("start", "unit"), ("rectify", "unit")],
    [("appeal", "unit")],
    [("appeal", "unit"), ("uphold", "review")],
    [("start", "unit"), ("visit", "unit"), ("cannot", "unit")],
    [("start", "unit"), ("cannot", "unit"), ("uphold", "review")],
]
BAD_COMMENTS = (
    "材料要求前后不一致，跑了三趟",
    "窗口人员态度冷淡",
    "等了一个多小时",
    "网上预审退回理由说不清",
)


def _move(step: str, rect, actor) -> None:
    calls = {
        "start": lambda: r.rectification_start(rectification=rect, actor=actor),
        "visit": lambda: r.return_visit_record(rectification=rect, method="phone", result="basic",
                                               note="已电话致歉并说明改进措施", actor=actor),
        "rectify": lambda: r.rectification_complete(rectification=rect, measures="组织窗口人员业务培训，修订一次性告知单",
                                                    public_result="已修订一次性告知单并开展业务培训", actor=actor),
        "appeal": lambda: r.rectification_appeal(rectification=rect, reason="评价人所述事项不属于本窗口办理范围", actor=actor),
        "cannot": lambda: r.rectification_cannot(rectification=rect, reason="该材料为法定要件，不能减免", actor=actor),
        "uphold": lambda: r.rectification_review(rectification=rect, uphold=True, note="经核实，同意", actor=actor),
    }  # fmt: skip
    calls[step]()


def _today(rng: random.Random) -> int:
    """Bad ratings through the services on the most recent unrated concluded cases; returns failures."""
    reviewer = (
        Staff.objects.filter(role=Role.SUPERVISOR, active=True)
        .select_related("user")
        .order_by("employee_no")
        .first()
    )
    rated = Rating.objects.filter(case__isnull=False).values("case_id")
    unrated = _rateable().exclude(pk__in=rated).order_by("-concluded_at")
    # The demo clerk's department (market regulation) first, so their list is not empty.
    clerk = Staff.objects.filter(user__username="clerk").first()
    preferred = list(unrated.filter(item__department_id=clerk.department_id)[:4]) if clerk else []
    candidates = preferred + [c for c in unrated[:40] if c not in preferred]
    failures = 0
    for plan in PLANS:
        case, unit_user = next(
            ((c, u) for c in candidates if (u := _unit_staff(c.item.department_id))), (None, None)
        )
        if case is None:
            break
        candidates.remove(case)
        try:
            rating = rating_submit(level=rng.choice((4, 5)), channel=Channel.SMS, actor=None, case=case,
                                   reasons=rng.sample(["attitude", "slow", "trips", "materials", "guidance"], 2),
                                   comment=rng.choice(BAD_COMMENTS))  # fmt: skip
            for step, who in plan:
                actor = unit_user if who == "unit" else (reviewer.user if reviewer else None)
                _move(step, Rectification.objects.get(rating=rating), actor)
        except DomainError:
            failures += 1
    return failures
