"""Case quality read from other contexts (read-only; ADR 0018): on-time rate, returns (退回) and
warnings from cases and supervision, ratings (好差评) and complaints.

Persons are keyed by Staff id here. Supervision's person figures are keyed by user id and are
translated; ratings and complaints come from ``ratings.selectors.rating_scores`` and
``inquiries.selectors.complaint_counts`` (interfaces.md, keyed by Staff / Window id), imported
lazily: while a context is not installed its figures are None ("no data") and cost nothing.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, OuterRef, Subquery

from govhall.cases.models import CaseEvent, CaseStep, StepTask
from govhall.cases.states import StepState, TaskState
from govhall.core import workdays
from govhall.supervision import selectors as supervision


@dataclass
class Quality:
    tasks: int = 0  # step tasks signed (a person) / cases concluded (a window)
    timed: int = 0
    on_time: int = 0
    returns: int = 0
    yellow: int = 0
    red: int = 0
    ratings: int | None = None  # None: the ratings context is not there
    bad_ratings: int | None = None
    satisfaction: Decimal | None = None  # % of ratings at levels 1–3
    complaints: int | None = None
    complaints_upheld: int | None = None

    @property
    def on_time_rate(self) -> Decimal | None:
        if not self.timed:
            return None
        return (Decimal(self.on_time) * 100 / self.timed).quantize(Decimal("0.01"))


def _optional(module: str, name: str):
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None


def returns_by(level: str, start: dt.datetime, end: dt.datetime) -> dict[int, int]:
    """Returns (退回) in [start, end) charged to whoever signed the step the case went back to.

    A return event names the returned round; the round opened by it (round + 1) tells the step
    returned to; the signers charged are those who approved that step's latest passed round before
    the return (carried-over votes excluded). For a window: the case's window. Two queries.
    """
    events = CaseEvent.objects.filter(action="step_return", at__gte=start, at__lt=end, step__isnull=False)
    if level == "window":
        rows = events.filter(case__window__isnull=False).values("case__window_id").annotate(n=Count("id"))
        return {row["case__window_id"]: row["n"] for row in rows.order_by()}
    target = CaseStep.objects.filter(case_id=OuterRef("case_id"), round=OuterRef("step__round") + 1)
    events = events.annotate(
        target_order=Subquery(target.values("flow_order")[:1]), returned=F("step__round")
    )
    blamed = CaseStep.objects.filter(
        case_id=OuterRef("case_id"), flow_order=OuterRef("target_order"), round__lt=OuterRef("returned"),
        state=StepState.PASSED,
    ).order_by("-round")  # fmt: skip
    rounds = Counter(
        pk for pk in events.annotate(b=Subquery(blamed.values("id")[:1])).values_list("b", flat=True) if pk
    )
    if not rounds:
        return {}
    signers = (
        StepTask.objects.filter(step_id__in=list(rounds), kind=StepTask.Kind.SIGN, state=TaskState.DONE,
                                done_by__isnull=False)
        .exclude(relation__in=("carried", "delegate"))
        .values_list("done_by_id", "step_id").distinct()
    )  # fmt: skip
    counts: dict[int, int] = {}
    for user_id, step_id in signers:
        counts[user_id] = counts.get(user_id, 0) + rounds[step_id]
    return counts


def _fill_external(result: dict[int, Quality], by: str, start: dt.date, end: dt.date) -> dict[str, bool]:
    """Ratings and complaints per Staff / Window id, when those contexts exist."""
    present = {"ratings": False, "complaints": False}
    last = end - dt.timedelta(days=1)
    scores = _optional("govhall.ratings.selectors", "rating_scores")
    if scores is not None:
        present["ratings"] = True
        found = scores(start=start, end=last, by=by)
        for key, row in result.items():
            score = found.get(key)
            row.ratings = score.count if score else 0
            row.bad_ratings = score.bad if score else 0
            row.satisfaction = score.satisfaction if score else None
    complaints = _optional("govhall.inquiries.selectors", "complaint_counts")
    if complaints is not None:
        present["complaints"] = True
        found = complaints(start=start, end=last, by=by)
        for key, row in result.items():
            count = found.get(key)
            row.complaints = count.count if count else 0
            row.complaints_upheld = count.upheld if count else 0
    return present


def person_quality(
    staff_users: dict[int, int], start: dt.date, end: dt.date
) -> tuple[dict[int, Quality], dict]:
    """Quality per Staff id for ``staff_users`` ({staff id: user id}) in [start, end)."""
    t0, t1 = workdays.midnight(start), workdays.midnight(end)
    timed = supervision.timed_figures("person", t0, t1)
    cards = supervision.card_figures("person", t0, t1)
    returns = returns_by("person", t0, t1)
    result = {}
    for staff_id, user_id in staff_users.items():
        figures = timed.get(user_id)
        yellow, red = cards.get(user_id, (0, 0))
        result[staff_id] = Quality(
            tasks=figures.concluded if figures else 0, timed=figures.timed if figures else 0,
            on_time=figures.on_time if figures else 0, returns=returns.get(user_id, 0), yellow=yellow, red=red,
        )  # fmt: skip
    return result, _fill_external(result, "staff", start, end)


def window_quality(window_ids: list[int], start: dt.date, end: dt.date) -> tuple[dict[int, Quality], dict]:
    t0, t1 = workdays.midnight(start), workdays.midnight(end)
    timed = supervision.timed_figures("window", t0, t1)
    cards = supervision.card_figures("window", t0, t1)
    returns = returns_by("window", t0, t1)
    result = {}
    for window_id in window_ids:
        figures = timed.get(window_id)
        yellow, red = cards.get(window_id, (0, 0))
        result[window_id] = Quality(
            tasks=figures.concluded if figures else 0, timed=figures.timed if figures else 0,
            on_time=figures.on_time if figures else 0, returns=returns.get(window_id, 0), yellow=yellow, red=red,
        )  # fmt: skip
    return result, _fill_external(result, "window", start, end)
