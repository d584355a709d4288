"""Every write of the inquiries context: consultations (questions.py), complaints (complaints.py) and
the first-inquiry log at the window (here). Callers import from this module."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from govhall.core import audit, crypto
from govhall.core.errors import ValidationFailed
from govhall.core.masking import mask_mobile
from govhall.inquiries import policy
from govhall.inquiries.complaints import (
    complaint_assign,
    complaint_close,
    complaint_file,
    complaint_rate,
    complaint_reassign,
    complaint_reply,
    complaints_close_unrated,
    complaints_escalate_overdue,
)
from govhall.inquiries.models import FirstInquiry, InquiryOutcome
from govhall.inquiries.questions import (
    question_answer,
    question_ask,
    question_close,
    question_promote,
    question_release,
    question_take,
    questions_flag_overdue,
)
from govhall.org.access import require_role
from govhall.org.models import Window

__all__ = [
    "complaint_assign", "complaint_close", "complaint_file", "complaint_rate", "complaint_reassign",
    "complaint_reply", "complaints_close_unrated", "complaints_escalate_overdue", "first_inquiry_record",
    "question_answer", "question_ask", "question_close", "question_promote", "question_release",
    "question_take", "questions_flag_overdue",
]  # fmt: skip


@transaction.atomic(durable=True)
def first_inquiry_record(
    *, actor, window: Window | None = None, asker_name: str = "", asker_mobile: str = "", question: str,
    outcome: str, guided_to: str = "",
) -> FirstInquiry:  # fmt: skip
    """首问负责制: the staff member first asked logs who asked what, and whether they answered it on
    the spot or guided the person on (then ``guided_to`` says where). The window defaults to the
    staff member's own."""
    staff = require_role(actor)
    if staff is None:
        raise ValidationFailed(_("只有在岗工作人员可以登记首问。"), code="inquiries.staff_record_required")
    question = policy.text(question, field="question", limit=policy.QUESTION_MAX,
                           required=_("请填写来访人咨询的事项。"), code="inquiries.question_required")  # fmt: skip
    if outcome not in InquiryOutcome.values:
        raise ValidationFailed(_("请选择处理结果：当场解答或引导办理。"), code="inquiries.outcome_invalid",
                               field="outcome")  # fmt: skip
    guided_to = policy.optional_text(guided_to, field="guided_to", limit=policy.GUIDED_MAX)
    if outcome == InquiryOutcome.GUIDED and not guided_to:
        raise ValidationFailed(_("引导办理须写明引导至何处（窗口、部门或地点）。"), code="inquiries.guided_to_required",
                               field="guided_to")  # fmt: skip
    if outcome == InquiryOutcome.ANSWERED:
        guided_to = ""
    name = policy.optional_text(asker_name, field="asker_name", limit=policy.NAME_MAX)
    phone = policy.mobile(asker_mobile, field="asker_mobile")
    if window is not None and not isinstance(window, Window):
        raise ValidationFailed(_("窗口不存在。"), code="inquiries.window_invalid", field="window")
    row = FirstInquiry.objects.create(
        staff=staff, window=window or staff.window, asked_at=timezone.now(), asker_name=name,
        asker_mobile_cipher=crypto.encrypt(phone) if phone else "", asker_mobile_masked=mask_mobile(phone),
        question=question, outcome=outcome, guided_to=guided_to,
    )  # fmt: skip
    audit.record(action="inquiries.first_inquiry", actor=actor, obj=row,
                 after={"outcome": outcome, "window": row.window_id, "guided_to": guided_to})  # fmt: skip
    return row
