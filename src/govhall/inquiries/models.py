"""Consultations (咨询), complaints (投诉) and the first-inquiry log (首问负责制), with their state tables.

A question is asked online on an item or in general; on-duty staff take it from a queue (a take is
a lease, so two staff never answer the same question) and answer it; its answer clock runs from
``asked_at`` to ``due_at`` and a sweep flags it overdue. A complaint is filed online or entered by
staff (hotline, window, letter), assigned to a unit with a reply deadline in working days, replied,
rated by the complainant (unsatisfied once → reopened, twice → escalated) and escalated by the
sweep when the unit does not reply in time. Only the services in questions.py / complaints.py move
a state, through the transition tables below.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from govhall.cases.models import Case
from govhall.catalog.models import ServiceItem
from govhall.core.masking import mask_name
from govhall.org.models import Department, Staff, Window

# --- questions -----------------------------------------------------------------------------------


class QuestionState(models.TextChoices):
    OPEN = "open", _("待解答")  # in the duty queue
    TAKEN = "taken", _("解答中")  # a duty staff member holds it (a lease; lapses if not answered)
    ANSWERED = "answered", _("已解答")  # answered; the asker or staff close it
    CLOSED = "closed", _("已关闭")  # settled, no further answer


class QuestionAction(models.TextChoices):
    TAKE = "take", _("认领")
    RELEASE = "release", _("放回队列")
    ANSWER = "answer", _("解答")
    CLOSE = "close", _("关闭")


_Q, _QA = QuestionState, QuestionAction
QUESTION_TRANSITIONS: dict[tuple[str, str], str] = {
    (_Q.OPEN, _QA.TAKE): _Q.TAKEN,
    (_Q.TAKEN, _QA.TAKE): _Q.TAKEN,  # only once the holder's lease has lapsed (see questions.py)
    (_Q.TAKEN, _QA.RELEASE): _Q.OPEN,
    (_Q.TAKEN, _QA.ANSWER): _Q.ANSWERED,
    (_Q.OPEN, _QA.CLOSE): _Q.CLOSED,
    (_Q.ANSWERED, _QA.CLOSE): _Q.CLOSED,
}
QUEUE_STATES = (_Q.OPEN, _Q.TAKEN)  # waiting for an answer: the answer clock runs


class Question(models.Model):
    id = models.BigAutoField(primary_key=True)
    asker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(
        ServiceItem, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("事项")
    )
    # The unit answering: the item's department; general questions (None) go to the centre's duty desk.
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    text = models.TextField(_("问题"))
    state = models.CharField(_("状态"), max_length=10, choices=QuestionState.choices, default=_Q.OPEN)
    asked_at = models.DateTimeField(_("提问时间"))
    due_at = models.DateTimeField(_("应答期限"))
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    taken_until = models.DateTimeField(null=True, blank=True)  # the take's lease
    first_answered_at = models.DateTimeField(_("首次解答时间"), null=True, blank=True)
    answer_seconds = models.PositiveIntegerField(_("首次应答用时（秒）"), null=True, blank=True)
    overdue_at = models.DateTimeField(_("超时标记时间"), null=True, blank=True)  # set once by the sweep
    closed_at = models.DateTimeField(null=True, blank=True)
    # A good answer published as an FAQ on the item's guide (catalog.Faq through catalog.item_update).
    promoted_at = models.DateTimeField(null=True, blank=True)
    promoted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    faq_question = models.CharField(_("常见问题"), max_length=200, blank=True)
    faq_answer = models.TextField(_("常见问题解答"), blank=True)

    class Meta:
        verbose_name = _("咨询")
        verbose_name_plural = _("咨询")
        ordering = ["-asked_at", "-id"]
        indexes = [
            # The duty queue (oldest first) and the overdue sweep: one range scan of (state, due_at).
            models.Index(fields=["state", "due_at"], name="question_state_due_idx"),
            models.Index(fields=["asker", "-asked_at"], name="question_asker_idx"),
            models.Index(fields=["-promoted_at"], name="question_promoted_idx"),
        ]

    def __str__(self) -> str:
        return f"咨询 #{self.pk}"


class Answer(models.Model):
    id = models.BigAutoField(primary_key=True)
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    text = models.TextField(_("解答"))
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(_("解答时间"))

    class Meta:
        verbose_name = _("解答")
        verbose_name_plural = _("解答")
        ordering = ["answered_at", "id"]


# --- complaints -----------------------------------------------------------------------------------


class ComplaintChannel(models.TextChoices):
    ONLINE = "online", _("网上投诉")
    HOTLINE = "hotline", _("热线电话")
    WINDOW = "window", _("窗口现场")
    LETTER = "letter", _("来信")


STAFF_CHANNELS = (ComplaintChannel.HOTLINE, ComplaintChannel.WINDOW, ComplaintChannel.LETTER)


class ComplaintSubject(models.TextChoices):
    DEPARTMENT = "department", _("部门")
    WINDOW = "window", _("窗口")
    STAFF = "staff", _("工作人员")
    CASE = "case", _("办件")
    GENERAL = "general", _("其他")


class ComplaintState(models.TextChoices):
    REGISTERED = "registered", _("已登记")  # waiting to be dispatched to a unit
    ASSIGNED = "assigned", _("办理中")  # the unit's reply clock runs
    REPLIED = "replied", _("已答复")  # waiting for the complainant's satisfaction
    ESCALATED = "escalated", _("已升级")  # overdue or twice unsatisfied: a supervisor takes over
    CLOSED = "closed", _("已办结")


class ComplaintAction(models.TextChoices):
    ASSIGN = "assign", _("派单")
    REASSIGN = "reassign", _("改派")
    REPLY = "reply", _("答复")
    SATISFIED = "satisfied", _("满意")
    REOPEN = "reopen", _("不满意·重办")
    ESCALATE = "escalate", _("升级")
    CLOSE = "close", _("办结")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    UNSATISFIED = "unsatisfied", _("不满意")


_C, _CA = ComplaintState, ComplaintAction
COMPLAINT_TRANSITIONS: dict[tuple[str, str], str] = {
    (_C.REGISTERED, _CA.ASSIGN): _C.ASSIGNED,
    (_C.ASSIGNED, _CA.REASSIGN): _C.ASSIGNED,
    (_C.ESCALATED, _CA.REASSIGN): _C.ASSIGNED,
    (_C.ASSIGNED, _CA.REPLY): _C.REPLIED,
    (_C.ESCALATED, _CA.REPLY): _C.REPLIED,  # a supervisor answers an escalated complaint
    (_C.REPLIED, _CA.SATISFIED): _C.CLOSED,
    (_C.REPLIED, _CA.REOPEN): _C.ASSIGNED,  # first "unsatisfied": the unit handles it again
    (_C.REPLIED, _CA.ESCALATE): _C.ESCALATED,  # unsatisfied after the reopen
    (_C.ASSIGNED, _CA.ESCALATE): _C.ESCALATED,  # the sweep: no reply by the deadline
    (_C.REPLIED, _CA.CLOSE): _C.CLOSED,  # no rating within the rating period, or a supervisor
    (_C.ESCALATED, _CA.CLOSE): _C.CLOSED,
    (_C.REGISTERED, _CA.CLOSE): _C.CLOSED,  # not a complaint (a supervisor files it with a note)
}
AWAITING_REPLY = (_C.ASSIGNED,)


class Complaint(models.Model):
    id = models.BigAutoField(primary_key=True)
    number = models.CharField(_("投诉编号"), max_length=24, unique=True)
    channel = models.CharField(_("渠道"), max_length=8, choices=ComplaintChannel.choices)
    subject = models.CharField(_("投诉对象"), max_length=12, choices=ComplaintSubject.choices)
    # What it is about (the unit concerned is counted by complaint_counts); the assigned unit answers.
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("被投诉部门"),
    )
    window = models.ForeignKey(Window, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    content = models.TextField(_("投诉内容"))
    complainant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    complainant_name = models.CharField(_("投诉人"), max_length=64, blank=True)
    complainant_mobile_cipher = models.TextField(blank=True)  # SM4 (core.crypto); SMS on reply
    complainant_mobile_masked = models.CharField(_("联系电话"), max_length=16, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )  # the staff member who entered a hotline / window / letter complaint
    filed_at = models.DateTimeField(_("登记时间"))
    state = models.CharField(_("状态"), max_length=12, choices=ComplaintState.choices, default=_C.REGISTERED)
    unit = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("承办单位"),
    )
    assigned_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    reply_workdays = models.DecimalField(_("答复时限（工作日）"), max_digits=4, decimal_places=1, default=0)
    reply_due_at = models.DateTimeField(_("答复期限"), null=True, blank=True)
    reply_text = models.TextField(_("答复内容"), blank=True)
    upheld = models.BooleanField(_("投诉属实"), null=True, blank=True)
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reply_count = models.PositiveSmallIntegerField(default=0)  # one SMS per reply (dedupe key)
    satisfaction = models.CharField(_("满意度"), max_length=12, choices=Satisfaction.choices, blank=True)
    satisfaction_note = models.CharField(_("评价说明"), max_length=500, blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    overdue_at = models.DateTimeField(_("逾期时间"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("升级时间"), null=True, blank=True)
    escalation_reason = models.CharField(_("升级原因"), max_length=200, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    close_note = models.CharField(_("办结说明"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("投诉")
        verbose_name_plural = _("投诉")
        ordering = ["-filed_at", "-id"]
        indexes = [
            # The escalation sweep: complaints awaiting a reply past the deadline (one range scan).
            models.Index(fields=["state", "reply_due_at"], name="complaint_state_due_idx"),
            models.Index(fields=["unit", "state"], name="complaint_unit_idx"),
            models.Index(fields=["complainant", "-filed_at"], name="complaint_owner_idx"),
            models.Index(fields=["filed_at"], name="complaint_filed_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def complainant_masked(self) -> str:
        return mask_name(self.complainant_name) if self.complainant_name else "—"


# --- first inquiry ---------------------------------------------------------------------------------


class InquiryOutcome(models.TextChoices):
    ANSWERED = "answered", _("当场解答")
    GUIDED = "guided", _("引导办理")  # guided to another window, department or place


class FirstInquiry(models.Model):
    """首问负责制: the first person asked answers or guides, and it is logged."""

    id = models.BigAutoField(primary_key=True)
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+", verbose_name=_("首问人"))
    window = models.ForeignKey(Window, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    asked_at = models.DateTimeField(_("时间"))
    asker_name = models.CharField(_("来访人"), max_length=64, blank=True)
    asker_mobile_cipher = models.TextField(blank=True)
    asker_mobile_masked = models.CharField(_("联系电话"), max_length=16, blank=True)
    question = models.TextField(_("咨询事项"))
    outcome = models.CharField(_("处理结果"), max_length=10, choices=InquiryOutcome.choices)
    guided_to = models.CharField(_("引导至"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("首问登记")
        verbose_name_plural = _("首问登记")
        ordering = ["-asked_at", "-id"]
        indexes = [models.Index(fields=["asked_at"], name="firstinquiry_at_idx")]

    @property
    def asker_masked(self) -> str:
        return mask_name(self.asker_name) if self.asker_name else "—"
