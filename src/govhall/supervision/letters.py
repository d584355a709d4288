"""The supervision recommendation letter (监察建议书) to a unit graded 不合格 (RULES.md "Supervision").

``letter_issue`` checks the grade, fixes the facts printed (unit, period, figures, deficiencies,
required rectification, reply deadline) and records the issue in the audit chain, in one short
transaction; ``letter_pdf`` renders those facts (core.documents.render_pdf, as cases.notices
does) outside it. The facts come from ``grading.grades_for``: a letter printed again for the same
period and instant says the same.

The reply deadline is GOVHALL_GRADE_LETTER_REPLY_WORKDAYS working days (default 10) after issue.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from govhall.cases.notices import date_text, due_text
from govhall.core import audit, workdays
from govhall.core.documents import render_pdf
from govhall.core.errors import Conflict, ValidationFailed
from govhall.org.access import require_role
from govhall.org.models import Role, Site, Window
from govhall.supervision import grading

LETTER_LEVELS = {"department": "BM", "window": "CK", "site": "CS"}  # a person is answered for by their unit
DEFAULT_REPLY_WORKDAYS = Decimal("10")


def reply_workdays() -> Decimal:
    return Decimal(str(getattr(settings, "GOVHALL_GRADE_LETTER_REPLY_WORKDAYS", DEFAULT_REPLY_WORKDAYS)))


@dataclass(frozen=True)
class Letter:
    number: str
    grade: grading.Grade
    report: grading.GradeReport
    addressee: str
    issued_at: dt.datetime
    reply_due_at: dt.datetime
    rectification: tuple[str, ...]

    @property
    def filename(self) -> str:
        return f"jianchajianyi-{self.report.period.code}-{self.grade.level}-{self.grade.unit_id}.pdf"


def _addressee(grade: grading.Grade) -> str:
    if grade.level == "window":
        window = Window.objects.select_related("department").get(pk=grade.unit_id)
        return f"{window.department.name}（{grade.unit_name}）"
    if grade.level == "site":
        site = Site.objects.select_related("department").get(pk=grade.unit_id)
        return f"{site.department.name}（{site.name}）" if site.department_id else site.name
    return grade.unit_name


def _rectification(grade: grading.Grade, days: Decimal) -> tuple[str, ...]:
    f, items = grade.figures, []
    if grade.late or f.red or f.yellow:
        items.append(_("逐件核查超期和预警办件的原因，明确责任人，对仍未办结的办件限期办结。"))
    if grade.avg_used is not None and grade.avg_promised and grade.avg_used >= grade.avg_promised / 2:
        items.append(_("优化办理流程，压缩各环节时限，提高即办件和承诺件的提速比例。"))
    if f.anomalies:
        items.append(_("对异常办件逐件说明情况，纠正不规范的受理、办理和收费行为。"))
    if f.orders_overdue:
        items.append(_("对逾期未回复的督办单立即回复，并建立督办事项台账。"))
    items.append(
        _("自收到本建议书之日起%(n)s个工作日内，将整改措施和整改结果书面回复中心电子监察室。")
        % {"n": format(days.normalize(), "f")}
    )
    return tuple(items)


@transaction.atomic(durable=True)
def letter_issue(*, period: str, level: str, unit_id: int, actor, at: dt.datetime | None = None) -> Letter:
    """Issue the letter to a unit graded 不合格 in ``period`` (supervisors only); audited."""
    require_role(actor, Role.SUPERVISOR)
    if level not in LETTER_LEVELS:
        raise ValidationFailed(
            _("监察建议书发给部门、窗口或服务场所；个人考核结果由其所在部门处理。"),
            code="supervision.letter_level",
            field="level",
        )
    report = grading.grades_for(period, level)
    grade = report.get(int(unit_id))
    if grade.grade != "fail":
        raise Conflict(
            _("%(u)s%(p)s考核等次为%(g)s，不需要发监察建议书。")
            % {"u": grade.unit_name, "p": report.period.label, "g": grade.grade_label},
            code="supervision.letter_not_failing",
        )
    at = at or timezone.now()
    days = reply_workdays()
    letter = Letter(
        number=f"监建〔{report.period.code}〕{LETTER_LEVELS[level]}{grade.unit_id:03d}号",
        grade=grade, report=report, addressee=_addressee(grade), issued_at=at,
        reply_due_at=workdays.due_instant(at, days, "workday"), rectification=_rectification(grade, days),
    )  # fmt: skip
    audit.record(
        action="supervision.letter_issue", actor=actor, object_type=f"supervision.grade.{level}",
        object_id=str(grade.unit_id), after=grade.as_dict(),
        detail={"number": letter.number, "period": report.period.code, "reply_due_at": letter.reply_due_at},
    )  # fmt: skip
    return letter


def letter_context(letter: Letter) -> dict:
    grade, period = letter.grade, letter.report.period
    return {
        "letter": letter,
        "g": grade,
        "f": grade.figures,
        "period": period,
        "level_label": grading.LEVELS[grade.level],
        "centre_name": settings.GOVHALL_CENTRE_NAME,
        "issued_on": date_text(letter.issued_at),
        "reply_due": due_text(letter.reply_due_at),
        "period_span": f"{date_text(period.start)}至{date_text(period.last_day)}",
        "deficiencies": grading.deficiencies(grade, letter.report.weights),
        "thresholds": letter.report.thresholds,
        "notes": letter.report.notes,
    }


def letter_pdf(letter: Letter) -> bytes:
    return render_pdf("supervision/letters/recommendation.html", letter_context(letter))
