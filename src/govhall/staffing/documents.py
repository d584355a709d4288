"""Printable staffing documents: honour certificates (PDF) and the feedback letter to a stationed
unit (进驻单位反馈函) as PDF and Excel (ADR 0018).

The letter tells a department how its staff at the centre did in a period (a month, a quarter, a
half year or a year): attendance, leave, case quality, ratings and complaints, and the average
monthly score. Names are printed whole — the letter goes to the people's own employer — and no
other personal data is included. Rendering happens outside any transaction.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from govhall.cases.notices import date_text
from govhall.core.documents import render_pdf
from govhall.org.models import Department, Staff
from govhall.staffing import assessment, rules
from govhall.staffing.models import Award, SelectionEntry


def certificate_pdf(entry: SelectionEntry) -> bytes:
    selection = entry.selection
    period = rules.period_parse(selection.period)
    context = {
        "entry": entry,
        "award_label": Award(selection.award).label,
        "period": period,
        "centre_name": settings.GOVHALL_CENTRE_NAME,
        "issued_on": date_text(selection.published_at or timezone.now()),
    }
    return render_pdf("staffing/certificate.html", context)


@dataclass
class Letter:
    department: Department
    period: rules.Period
    rows: list[assessment.PersonSummary]
    issued_at: object

    @property
    def filename(self) -> str:
        return f"fankui-{self.period.code}-{self.department.code}"

    @property
    def average(self):
        scores = [row.average for row in self.rows]
        return assessment._points(sum(scores) / len(scores)) if scores else None


def letter_build(department: Department, period: rules.Period | str) -> Letter:
    period = period if isinstance(period, rules.Period) else rules.period_parse(period)
    staff = Staff.objects.filter(department=department)
    return Letter(department, period, assessment.period_summary(period, staff), timezone.now())


HEADERS = (
    "工号", "姓名", "窗口", "迟到(次)", "早退(次)", "漏签(次)", "缺勤(半天)", "离岗(次)", "请假(天)",
    "办理件数", "按时办结率(%)", "退回(次)", "黄牌", "红牌", "评价数", "满意率(%)", "投诉", "查实投诉", "月均得分",
)  # fmt: skip


def _optional_sum(months, name):
    values = [getattr(m.quality, name) for m in months]
    return None if all(v is None for v in values) else sum(v or 0 for v in values)


def letter_rows(letter: Letter) -> list[list]:
    rows = []
    for person in letter.rows:
        months = person.months
        yellow, red = person.cards
        ratings = _optional_sum(months, "ratings")
        satisfied = [m.quality.satisfaction for m in months if m.quality.satisfaction is not None]
        rows.append([
            person.staff.employee_no, person.staff.name,
            person.staff.window.number if person.staff.window_id else "",
            person.total("late_minor") + person.total("late_major"), person.total("early_leave"),
            person.total("missed_sign_in") + person.total("missed_sign_out"), person.total("half_day_absence"),
            person.total("off_post"), float(person.leave_days), sum(m.quality.tasks for m in months),
            float(person.on_time_rate) if person.on_time_rate is not None else None, person.returns, yellow, red,
            ratings, float(sum(satisfied) / len(satisfied)) if satisfied else None,
            _optional_sum(months, "complaints"), _optional_sum(months, "complaints_upheld"), float(person.average),
        ])  # fmt: skip
    return rows


def letter_pdf(letter: Letter) -> bytes:
    context = {
        "letter": letter, "headers": HEADERS, "rows": letter_rows(letter),
        "centre_name": settings.GOVHALL_CENTRE_NAME, "issued_on": date_text(letter.issued_at),
        "span": f"{date_text(letter.period.start)}至{date_text(letter.period.last_day)}",
    }  # fmt: skip
    return render_pdf("staffing/letters/feedback.html", context)


def letter_xlsx(letter: Letter) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = _("情况反馈")
    sheet.append(
        [f"{settings.GOVHALL_CENTRE_NAME} {letter.department.name} {letter.period.label} 工作人员情况反馈"]
    )
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([_("期间"), f"{letter.period.start} — {letter.period.last_day}", _("生成时间"),
                  timezone.localtime(letter.issued_at).strftime("%Y-%m-%d %H:%M")])  # fmt: skip
    sheet.append(list(HEADERS))
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for row in letter_rows(letter):
        sheet.append(["—" if value is None else value for value in row])
    sheet.freeze_panes = "C4"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
