"""Staffing (人员考评): attendance, off-post records, leave, duty-leader scores, public votes and the
red-flag window / excellent staff selections (RULES.md "Hall", ADR 0018).

Only the services in this package write these tables; states move through the transition tables
beside their enums.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from govhall.org.models import Staff, Window


class Session(models.TextChoices):
    """A working day is two half days (the unit of leave and of absence)."""

    MORNING = "am", _("上午")
    AFTERNOON = "pm", _("下午")


class Source(models.TextChoices):
    PAGE = "page", _("网页")  # the staff member's own page (/staffing/)
    PAD = "pad", _("考勤平板")  # the attendance pad in the hall, through the API
    API = "api", _("接口")


class AttendanceRecord(models.Model):
    """One staff member's half day: when they signed in and out, and how late / early that was."""

    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+", verbose_name=_("工作人员"))
    day = models.DateField(_("日期"))
    session = models.CharField(_("时段"), max_length=2, choices=Session.choices)
    sign_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    sign_in_source = models.CharField(max_length=8, choices=Source.choices, blank=True)
    late_minutes = models.PositiveIntegerField(_("迟到分钟"), default=0)
    sign_out_at = models.DateTimeField(_("签退时间"), null=True, blank=True)
    sign_out_source = models.CharField(max_length=8, choices=Source.choices, blank=True)
    early_minutes = models.PositiveIntegerField(_("早退分钟"), default=0)

    class Meta:
        verbose_name = _("考勤记录")
        verbose_name_plural = _("考勤记录")
        ordering = ["day", "session"]
        constraints = [
            models.UniqueConstraint(fields=["staff", "day", "session"], name="staffing_attendance_uniq"),
        ]
        indexes = [models.Index(fields=["day", "staff"], name="staffing_att_day_idx")]


class OffPost(models.Model):
    """A time a staff member was away from the window (离岗): found on a patrol or reported."""

    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+", verbose_name=_("工作人员"))
    started_at = models.DateTimeField(_("离岗时间"))
    ended_at = models.DateTimeField(_("返岗时间"))
    minutes = models.PositiveIntegerField(_("离岗分钟"))  # whole minutes, fixed when recorded
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    approved = models.BooleanField(_("经批准"), default=False)  # approved absences cost nothing
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        verbose_name = _("离岗记录")
        verbose_name_plural = _("离岗记录")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["started_at", "staff"], name="staffing_offpost_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_at__gt=models.F("started_at")), name="offpost_span_ok"
            )
        ]


class LeaveKind(models.TextChoices):
    ANNUAL = "annual", _("年休假")
    SICK = "sick", _("病假")
    PERSONAL = "personal", _("事假")
    MARRIAGE = "marriage", _("婚假")
    MATERNITY = "maternity", _("产假/陪产假")
    BEREAVEMENT = "bereavement", _("丧假")
    BUSINESS = "business", _("公差/外出学习")


class LeaveState(models.TextChoices):
    SUBMITTED = "submitted", _("待审批")  # waiting for a duty leader or the manager
    APPROVED = "approved", _("已批准")  # the half days it covers are not absences
    REJECTED = "rejected", _("未批准")  # refused with a reason; the half days count as usual
    WITHDRAWN = "withdrawn", _("已撤回")  # taken back by the applicant before a decision
    REVOKED = "revoked", _("已销假")  # approved, then cancelled before it started (by an approver)


class LeaveAction(models.TextChoices):
    APPROVE = "approve", _("批准")
    REJECT = "reject", _("不批准")
    WITHDRAW = "withdraw", _("撤回")
    REVOKE = "revoke", _("销假")


_L, _LA = LeaveState, LeaveAction
LEAVE_TRANSITIONS: dict[tuple[str, str], str] = {
    (_L.SUBMITTED, _LA.APPROVE): _L.APPROVED,
    (_L.SUBMITTED, _LA.REJECT): _L.REJECTED,
    (_L.SUBMITTED, _LA.WITHDRAW): _L.WITHDRAWN,
    (_L.APPROVED, _LA.REVOKE): _L.REVOKED,
}


class LeaveRequest(models.Model):
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+", verbose_name=_("工作人员"))
    kind = models.CharField(_("类别"), max_length=12, choices=LeaveKind.choices)
    start_day = models.DateField(_("开始日期"))
    start_session = models.CharField(_("开始时段"), max_length=2, choices=Session.choices)
    end_day = models.DateField(_("结束日期"))
    end_session = models.CharField(_("结束时段"), max_length=2, choices=Session.choices)
    half_days = models.PositiveIntegerField(_("半天数"))  # working half days covered
    reason = models.CharField(_("事由"), max_length=200)
    state = models.CharField(
        _("状态"), max_length=12, choices=LeaveState.choices, default=LeaveState.SUBMITTED
    )
    submitted_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("请假申请")
        verbose_name_plural = _("请假申请")
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["state", "start_day"], name="staffing_leave_state_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_day__gte=models.F("start_day")), name="leave_span_ok"
            )
        ]

    @property
    def days(self):
        from decimal import Decimal

        return Decimal(self.half_days) / 2


class Award(models.TextChoices):
    RED_FLAG = "red_flag", _("红旗窗口")
    EXCELLENT_STAFF = "excellent_staff", _("优秀窗口工作人员")


class DutyLeaderScore(models.Model):
    """A duty leader's score (0–100) of a window or a person for one selection period."""

    period = models.CharField(_("评选期"), max_length=8)  # 2026-11 / 2026Q4 / 2026
    award = models.CharField(_("评选项目"), max_length=16, choices=Award.choices)
    window = models.ForeignKey(Window, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    score = models.DecimalField(_("评分"), max_digits=5, decimal_places=1)
    scored_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    scored_at = models.DateTimeField()

    class Meta:
        verbose_name = _("值班领导评分")
        verbose_name_plural = _("值班领导评分")
        constraints = [
            # One score per leader, period and target (NULLs are distinct in a plain unique index).
            models.UniqueConstraint(
                fields=["period", "award", "window", "scored_by"],
                condition=models.Q(window__isnull=False),
                name="staffing_duty_score_window_uniq",
            ),
            models.UniqueConstraint(
                fields=["period", "award", "staff", "scored_by"],
                condition=models.Q(staff__isnull=False),
                name="staffing_duty_score_staff_uniq",
            ),
            models.CheckConstraint(
                condition=models.Q(window__isnull=True) ^ models.Q(staff__isnull=True),
                name="duty_score_one_target",
            ),
        ]


class VoteState(models.TextChoices):
    OPEN = "open", _("投票中")  # the public page accepts votes
    CLOSED = "closed", _("已截止")  # counted in the selection


VOTE_TRANSITIONS: dict[tuple[str, str], str] = {(VoteState.OPEN, "close"): VoteState.CLOSED}


class VotePeriod(models.Model):
    """The public vote of one award and one selection period, opened and closed by the manager."""

    award = models.CharField(_("评选项目"), max_length=16, choices=Award.choices)
    period = models.CharField(_("评选期"), max_length=8)
    state = models.CharField(_("状态"), max_length=8, choices=VoteState.choices, default=VoteState.OPEN)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("公众投票")
        verbose_name_plural = _("公众投票")
        ordering = ["-opened_at"]
        constraints = [models.UniqueConstraint(fields=["award", "period"], name="staffing_vote_period_uniq")]


class Vote(models.Model):
    """One real-name person's vote in one vote period (the unique constraint is the rule)."""

    vote_period = models.ForeignKey(VotePeriod, on_delete=models.PROTECT, related_name="votes")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    window = models.ForeignKey(Window, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    cast_at = models.DateTimeField()

    class Meta:
        verbose_name = _("投票")
        verbose_name_plural = _("投票")
        constraints = [
            models.UniqueConstraint(fields=["vote_period", "voter"], name="staffing_one_vote_per_person"),
            models.CheckConstraint(
                condition=models.Q(window__isnull=True) ^ models.Q(staff__isnull=True), name="vote_one_target"
            ),
        ]


class SelectionState(models.TextChoices):
    DRAFT = "draft", _("待发布")  # computed; the manager may compute again
    PUBLISHED = "published", _("已发布")  # on /staffing/honours/, certificates printable


class Selection(models.Model):
    award = models.CharField(_("评选项目"), max_length=16, choices=Award.choices)
    period = models.CharField(_("评选期"), max_length=8)
    state = models.CharField(
        _("状态"), max_length=12, choices=SelectionState.choices, default=SelectionState.DRAFT
    )
    weights = models.JSONField(default=dict)  # the weights used, for the record
    computed_at = models.DateTimeField()
    computed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("评选结果")
        verbose_name_plural = _("评选结果")
        ordering = ["-period", "award"]
        constraints = [models.UniqueConstraint(fields=["award", "period"], name="staffing_selection_uniq")]


class SelectionEntry(models.Model):
    """One selected window or person, with its rank, total and the four weighted components."""

    selection = models.ForeignKey(Selection, on_delete=models.CASCADE, related_name="entries")
    rank = models.PositiveSmallIntegerField(_("名次"))
    window = models.ForeignKey(Window, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    name = models.CharField(_("名称"), max_length=96)  # fixed at computation: the published name
    department_name = models.CharField(_("单位"), max_length=64)
    total = models.DecimalField(_("综合得分"), max_digits=5, decimal_places=2)
    components = models.JSONField(default=dict)  # window / staff / duty_leader / votes (0–100 each)
    certificate_no = models.CharField(_("证书编号"), max_length=32)

    class Meta:
        ordering = ["selection", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["selection", "rank"], name="staffing_entry_rank_uniq"),
        ]
