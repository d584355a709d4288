"""Reads of the ratings context: scores (set-based), public statistics, the staff lists, and the
read-only queries over the cases tables the invitation sweep needs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.cache import cache
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from govhall.cases.models import Case, CaseEvent
from govhall.cases.states import CaseState
from govhall.catalog.models import ServiceItem
from govhall.core import workdays
from govhall.core.crypto import sm3_hex
from govhall.org.access import scope_of
from govhall.org.models import Department, Staff, Window
from govhall.ratings.models import (
    BAD_LEVELS,
    OPEN_RECT_STATES,
    Channel,
    Rating,
    RatingInvitation,
    Rectification,
    RectState,
)

RATEABLE_STATES = (CaseState.CONCLUDED, CaseState.DELIVERED)
SCORE_KEYS = {"staff": "staff_id", "window": "window_id", "department": "department_id", "item": "item_id"}
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class RatingScore:
    count: int
    good: int
    bad: int
    average: Decimal | None  # mean level, 1.00 (best) … 5.00
    satisfaction: Decimal | None  # % of ratings at levels 1–3, one decimal

    @classmethod
    def of(cls, count: int, good: int, total: int | None) -> RatingScore:
        if not count:
            return cls(0, 0, 0, None, None)
        average = (Decimal(total or 0) / count).quantize(Decimal("0.01"), ROUND_HALF_UP)
        satisfaction = (Decimal(good) * HUNDRED / count).quantize(Decimal("0.1"), ROUND_HALF_UP)
        return cls(count, good, count - good, average, satisfaction)


def ratings_in(start: dt.date, end: dt.date) -> QuerySet[Rating]:
    low, high = workdays.day_span(start, end)
    return Rating.objects.filter(created_at__gte=low, created_at__lt=high)


def _aggregate():
    return {
        "n": Count("id"),
        "good": Count("id", filter=~Q(level__in=BAD_LEVELS)),
        "total": Sum("level"),
    }


def rating_scores(*, start: dt.date, end: dt.date, by: str) -> dict[int, RatingScore]:
    """Scores per staff member, window, department or item for ratings made in [start, end]:
    one GROUP BY statement (index on (key, created_at))."""
    try:
        key = SCORE_KEYS[by]
    except KeyError:
        raise ValueError(f"by must be one of {sorted(SCORE_KEYS)}, not {by!r}") from None
    rows = (
        ratings_in(start, end)
        .filter(**{f"{key}__isnull": False})
        .values(key)
        .annotate(**_aggregate())
        .order_by()
    )
    return {row[key]: RatingScore.of(row["n"], row["good"], row["total"]) for row in rows}


def channel_scores(*, start: dt.date, end: dt.date) -> dict[str, RatingScore]:
    """Scores per rating platform (PC, mobile, QR, pad, terminal, phone, SMS)."""
    rows = ratings_in(start, end).values("channel").annotate(**_aggregate()).order_by()
    return {row["channel"]: RatingScore.of(row["n"], row["good"], row["total"]) for row in rows}


def overall_score(*, start: dt.date, end: dt.date) -> tuple[RatingScore, dict[int, int]]:
    """The whole centre's score and the count per level."""
    per_level = dict(
        ratings_in(start, end)
        .values_list("level")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("level", "n")
    )
    count = sum(per_level.values())
    good = sum(n for level, n in per_level.items() if level not in BAD_LEVELS)
    total = sum(level * n for level, n in per_level.items())
    return RatingScore.of(count, good, total), per_level


@dataclass(frozen=True)
class NamedScore:
    id: int
    name: str
    detail: str
    score: RatingScore


def named_scores(*, start: dt.date, end: dt.date, by: str, limit: int | None = None) -> list[NamedScore]:
    """Scores with the unit's public name (department, window, item), most ratings first."""
    scores = rating_scores(start=start, end=end, by=by)
    if by == "department":
        names = {d.pk: (d.name, "") for d in Department.objects.filter(pk__in=scores)}
    elif by == "window":
        windows = Window.objects.filter(pk__in=scores).select_related("department")
        names = {w.pk: (f"{w.number}号窗口 {w.name}", w.department.name) for w in windows}
    elif by == "item":
        items = ServiceItem.objects.filter(pk__in=scores).select_related("department")
        names = {i.pk: (i.name, i.department.name) for i in items}
    else:  # staff names are personal data: the public pages never list them
        names = {s.pk: (s.name, "") for s in Staff.objects.filter(pk__in=scores)}
    rows = [NamedScore(pk, *names.get(pk, ("—", "")), score) for pk, score in scores.items()]
    rows.sort(key=lambda r: (-r.score.count, r.name))
    return rows[:limit] if limit else rows


@dataclass(frozen=True)
class RectificationFigures:
    bad: int
    open: int
    rectified: int
    invalid: int
    cannot: int
    overdue: int
    visited: int

    @property
    def rectified_rate(self) -> Decimal | None:
        valid = self.bad - self.invalid
        if valid <= 0:
            return None
        return (Decimal(self.rectified) * HUNDRED / valid).quantize(Decimal("0.1"), ROUND_HALF_UP)


def rectification_figures(*, start: dt.date, end: dt.date) -> RectificationFigures:
    low, high = workdays.day_span(start, end)
    qs = Rectification.objects.filter(opened_at__gte=low, opened_at__lt=high)
    # distinct: the visits join repeats a rectification once per return visit.
    row = qs.aggregate(
        bad=Count("id", distinct=True),
        open=Count("id", filter=Q(state__in=OPEN_RECT_STATES), distinct=True),
        rectified=Count("id", filter=Q(state=RectState.RECTIFIED), distinct=True),
        invalid=Count("id", filter=Q(state=RectState.INVALID), distinct=True),
        cannot=Count("id", filter=Q(state=RectState.CANNOT_RECTIFY), distinct=True),
        overdue=Count("id", filter=Q(overdue=True), distinct=True),
        visited=Count("id", filter=Q(visits__isnull=False), distinct=True),
    )
    return RectificationFigures(**row)


def published_rectifications(*, start: dt.date, end: dt.date, limit: int = 20) -> list[Rectification]:
    """Rectified bad ratings with the unit's public result (公开): no rater, no comment."""
    low, high = workdays.day_span(start, end)
    return list(
        Rectification.objects.filter(state=RectState.RECTIFIED, opened_at__gte=low, opened_at__lt=high)
        .exclude(public_result="")
        .select_related("unit", "rating", "rating__item")
        .order_by("-closed_at", "-id")[:limit]
    )


# --- staff lists ------------------------------------------------------------------------------------


def rectifications_for(*, user, state: str = "", overdue: bool | None = None) -> QuerySet[Rectification]:
    """Rectifications in the staff user's scope (their department's; every one for centre roles)."""
    scope = scope_of(user)
    qs = Rectification.objects.select_related(
        "unit", "rating", "rating__item", "rating__window", "rating__case", "rating__staff"
    )
    if not scope.everything:
        qs = qs.filter(unit_id__in=scope.department_ids)
    if state:
        qs = qs.filter(state=state)
    if overdue is not None:
        qs = qs.filter(overdue=overdue)
    return qs.order_by("due_at", "id")


def rectification_get(*, user, pk) -> Rectification | None:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return rectifications_for(user=user).filter(pk=pk).first()


def case_rating(*, case: Case) -> Rating | None:
    return Rating.objects.filter(case=case).first()


# --- invitations -------------------------------------------------------------------------------------


def token_digest(token: str) -> str:
    return sm3_hex(f"rating-invitation:{token}")


def invitation_by_token(*, token: str, now=None) -> RatingInvitation | None:
    """A live invitation (not expired) for ``token``; None for an unknown or expired one."""
    token = (token or "").strip()
    if not token or len(token) > 64:
        return None
    now = now or timezone.now()
    return (
        RatingInvitation.objects.select_related("case", "case__item", "case__item__department")
        .filter(token_digest=token_digest(token), expires_at__gt=now)
        .first()
    )


def cases_to_invite(*, now, after: dt.timedelta, horizon: dt.timedelta, limit: int) -> list[dict]:
    """Concluded cases unrated ``after`` their conclusion, not invited yet, whose applicant has a
    mobile: one indexed range scan of ``concluded_at`` with two NOT EXISTS (never a loop over cases).

    ``horizon`` bounds the scan so that switching the sweep on does not invite a year of history.
    """
    rated = Rating.objects.filter(case_id=OuterRef("pk"))
    invited = RatingInvitation.objects.filter(case_id=OuterRef("pk"))
    return list(
        Case.objects.filter(
            concluded_at__lte=now - after,
            concluded_at__gt=now - horizon,
            state__in=RATEABLE_STATES,
            applicant__isnull=False,
        )
        .exclude(applicant__mobile_cipher="")
        .filter(~Exists(rated), ~Exists(invited))
        .order_by("concluded_at", "id")
        .values("id", "number", "item__name", "applicant__mobile_cipher")[:limit]
    )


def case_intake_staff(*, case: Case) -> Staff | None:
    """The staff member who received the case at the window (its "submit" timeline row)."""
    actor_id = (
        CaseEvent.objects.filter(case=case, action="submit")
        .order_by("id")
        .values_list("actor_id", flat=True)
        .first()
    )
    if actor_id is None:
        return None
    return Staff.objects.filter(user_id=actor_id).first()


CHANNEL_LABELS = dict(Channel.choices)


# --- the public page, cached ---------------------------------------------------------------------------

PUBLIC_CACHE_SECONDS = 600
ITEM_LIMIT = 30


def _public_version() -> str:
    """Changes whenever a rating is added or a rectification moves in a way the page shows."""
    rating = Rating.objects.aggregate(last=Max("id"))["last"]
    rect = Rectification.objects.aggregate(
        n=Count("id"), closed=Max("closed_at"), overdue=Max("overdue_at"), claimed=Max("claimed_at")
    )
    return f"{rating}:{rect['n']}:{rect['closed']}:{rect['overdue']}:{rect['claimed']}"


def public_summary(*, start: dt.date, end: dt.date) -> dict:
    """Everything /ratings/ publishes for a period (no personal data), computed once per version of
    the data: a year of ratings is a full scan of the period, and the page is public."""
    key = f"ratings:public:{start}:{end}:{sm3_hex(_public_version())[:32]}"
    summary = cache.get(key)
    if summary is None:
        overall, per_level = overall_score(start=start, end=end)
        summary = {
            "overall": overall, "per_level": per_level, "channels": channel_scores(start=start, end=end),
            "departments": named_scores(start=start, end=end, by="department"),
            "windows": named_scores(start=start, end=end, by="window"),
            "items": named_scores(start=start, end=end, by="item", limit=ITEM_LIMIT),
            "rect": rectification_figures(start=start, end=end),
            "published": published_rectifications(start=start, end=end),
        }  # fmt: skip
        cache.set(key, summary, PUBLIC_CACHE_SECONDS)
    return summary


# --- for the portal's "my" pages -----------------------------------------------------------------------


def cases_awaiting_rating(*, user) -> QuerySet[Case]:
    """The user's concluded cases not rated yet, newest first (link each to /ratings/cases/<number>/)."""
    rated = Rating.objects.filter(case_id=OuterRef("pk"))
    return (
        Case.objects.filter(applicant_id=getattr(user, "pk", None), state__in=RATEABLE_STATES)
        .filter(~Exists(rated))
        .select_related("item")
        .order_by("-concluded_at", "-id")
    )
