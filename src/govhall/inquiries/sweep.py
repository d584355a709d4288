"""The inquiries sweep (``govhall inquiries_sweep``, and every minute from huey): flag questions
unanswered past their deadline, escalate complaints unanswered past theirs, close replies left
unrated. Each phase is its own transaction and idempotent, so two sweeps at once are harmless."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.utils import timezone

from govhall.inquiries.complaints import complaints_close_unrated, complaints_escalate_overdue
from govhall.inquiries.questions import questions_flag_overdue


@dataclass(frozen=True)
class SweepReport:
    questions_overdue: int
    complaints_escalated: int
    complaints_closed_unrated: int

    def as_dict(self) -> dict:
        return asdict(self)

    def lines(self) -> list[str]:
        return [
            f"超时未答咨询：{self.questions_overdue}",
            f"逾期升级投诉：{self.complaints_escalated}",
            f"逾期未评价自动办结投诉：{self.complaints_closed_unrated}",
        ]


def inquiries_sweep(*, now=None) -> SweepReport:
    now = now or timezone.now()
    return SweepReport(
        questions_overdue=questions_flag_overdue(now=now),
        complaints_escalated=complaints_escalate_overdue(now=now),
        complaints_closed_unrated=complaints_close_unrated(now=now),
    )
