"""好差评 (国办发〔2019〕51号; GB/T 39734/39735-2020): ratings, their invitations, and the
rectification of bad ones (RULES.md "Ratings", docs/adr/0013-ratings.md).

A rating scores one service: a case (one per case, online or by SMS link) or one window service
(one per ``service_ref``, e.g. "ticket:<id>" from the evaluator pad). Both "one per" rules are
unique constraints, so two parallel submissions leave exactly one rating. Every bad rating (level
4 or 5) opens a Rectification whose states and transitions sit below as a table.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from govhall.cases.models import Case
from govhall.catalog.models import ServiceItem
from govhall.org.models import Department, Staff, Window


class Level(models.IntegerChoices):
    VERY_SATISFIED = 1, _("非常满意")
    SATISFIED = 2, _("满意")
    BASIC = 3, _("基本满意")
    DISSATISFIED = 4, _("不满意")  # bad
    VERY_DISSATISFIED = 5, _("非常不满意")  # bad


BAD_LEVELS = (Level.DISSATISFIED, Level.VERY_DISSATISFIED)
GOOD_LEVELS = (Level.VERY_SATISFIED, Level.SATISFIED, Level.BASIC)


class Channel(models.TextChoices):
    PC = "pc", _("PC端")
    MOBILE = "mobile", _("移动端")
    QR = "qr", _("二维码")
    PAD = "pad", _("大厅评价器")  # the evaluator pad / tablet at the window
    TERMINAL = "terminal", _("其他终端")  # self-service terminals
    PHONE = "phone", _("电话")  # recorded by staff on a call (12345 return calls)
    SMS = "sms", _("短信")  # the link in the SMS invitation


class Reason(models.TextChoices):
    """Why a rating is bad: the dissatisfaction tags of the national 好差评 system."""

    ATTITUDE = "attitude", _("服务态度不好")
    SLOW = "slow", _("办理时间长、效率低")
    TRIPS = "trips", _("多次跑动")
    MATERIALS = "materials", _("材料要求不清或重复提交")
    GUIDANCE = "guidance", _("一次性告知不清楚")
    PROCESS = "process", _("流程繁琐")
    SYSTEM = "system", _("系统不好用")
    FEES = "fees", _("收费不合理")
    OTHER = "other", _("其他")


class Rating(models.Model):
    id = models.BigAutoField(primary_key=True)
    level = models.PositiveSmallIntegerField(_("评价等级"), choices=Level.choices)
    channel = models.CharField(_("评价渠道"), max_length=12, choices=Channel.choices)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    window = models.ForeignKey(Window, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # Derived by the service (the item's, else the window's, else the staff member's department).
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    service_ref = models.CharField(_("服务编号"), max_length=64, blank=True)  # "ticket:<id>" …
    rater = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    rater_name_masked = models.CharField(_("评价人"), max_length=64, blank=True)  # 张*
    rater_mobile_digest = models.CharField(max_length=64, blank=True)  # keyed SM3 (core.crypto)
    rater_mobile_cipher = models.TextField(blank=True)  # SM4: the return visit calls this number
    real_name = models.BooleanField(_("实名评价"), default=False)
    comment = models.TextField(_("评价内容"), blank=True)
    reasons = models.JSONField(_("不满意原因"), default=list, blank=True)  # Reason values
    created_at = models.DateTimeField(_("评价时间"), db_index=True)

    class Meta:
        verbose_name = _("评价")
        verbose_name_plural = _("评价")
        ordering = ["-created_at", "-id"]
        constraints = [
            # RULES.md "Ratings": one rating per case online, one per service at the window.
            models.UniqueConstraint(
                fields=["case"], condition=Q(case__isnull=False), name="rating_one_per_case"
            ),
            models.UniqueConstraint(
                fields=["service_ref"], condition=~Q(service_ref=""), name="rating_one_per_service"
            ),
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=5), name="rating_level_1_5"),
        ]
        indexes = [
            models.Index(fields=["department", "created_at"], name="rating_dept_idx"),
            models.Index(fields=["window", "created_at"], name="rating_window_idx"),
            models.Index(fields=["staff", "created_at"], name="rating_staff_idx"),
            models.Index(fields=["item", "created_at"], name="rating_item_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} #{self.pk}"

    @property
    def is_bad(self) -> bool:
        return self.level in BAD_LEVELS


class RatingInvitation(models.Model):
    """The SMS invitation of a case unrated 3 days after conclusion: one per case, one SMS.

    Only the SM3 digest of the link's token is stored; the token itself travels in the SMS.
    """

    id = models.BigAutoField(primary_key=True)
    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="+")
    token_digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    run = models.CharField(max_length=32, db_index=True)  # the sweep run that wrote it

    class Meta:
        verbose_name = _("评价邀请")
        verbose_name_plural = _("评价邀请")


class RectState(models.TextChoices):
    PENDING = "pending", _("待处理")  # just opened: the unit starts rectifying or appeals
    INVALID_REVIEW = "invalid_review", _("无效申诉审核中")  # the unit says the rating is invalid
    INVALID = "invalid", _("无效差评")  # a supervisor/manager upheld the appeal; final
    RECTIFYING = "rectifying", _("整改中")  # the 15-working-day clock runs
    RECTIFIED = "rectified", _("已整改")  # measures taken, return visit done; final
    CANNOT_REVIEW = "cannot_review", _("无法整改审核中")  # the unit says it cannot be rectified
    CANNOT_RECTIFY = "cannot_rectify", _("无法整改")  # a supervisor/manager agreed; final, explained


class RectAction(models.TextChoices):
    START = "start", _("开始整改")
    APPEAL = "appeal", _("申诉为无效差评")
    APPEAL_UPHOLD = "appeal_uphold", _("申诉通过")
    APPEAL_REJECT = "appeal_reject", _("申诉不通过")
    RECTIFY = "rectify", _("整改完成")
    CANNOT = "cannot", _("申请无法整改")
    CANNOT_UPHOLD = "cannot_uphold", _("同意无法整改")
    CANNOT_REJECT = "cannot_reject", _("不同意，继续整改")


_S, _A = RectState, RectAction
RECT_TRANSITIONS: dict[tuple[str, str], str] = {
    (_S.PENDING, _A.START): _S.RECTIFYING,
    (_S.PENDING, _A.APPEAL): _S.INVALID_REVIEW,
    (_S.INVALID_REVIEW, _A.APPEAL_UPHOLD): _S.INVALID,
    (_S.INVALID_REVIEW, _A.APPEAL_REJECT): _S.RECTIFYING,
    (_S.RECTIFYING, _A.RECTIFY): _S.RECTIFIED,
    (_S.RECTIFYING, _A.CANNOT): _S.CANNOT_REVIEW,
    (_S.CANNOT_REVIEW, _A.CANNOT_UPHOLD): _S.CANNOT_RECTIFY,
    (_S.CANNOT_REVIEW, _A.CANNOT_REJECT): _S.RECTIFYING,
}
OPEN_RECT_STATES = (_S.PENDING, _S.INVALID_REVIEW, _S.RECTIFYING, _S.CANNOT_REVIEW)
FINAL_RECT_STATES = (_S.INVALID, _S.RECTIFIED, _S.CANNOT_RECTIFY)
REVIEW_ACTIONS = (_A.APPEAL_UPHOLD, _A.APPEAL_REJECT, _A.CANNOT_UPHOLD, _A.CANNOT_REJECT)
UNIT_ACTIONS = (_A.START, _A.APPEAL, _A.RECTIFY, _A.CANNOT)


def allowed_rect_actions(state: str) -> list[str]:
    return [action for (source, action) in RECT_TRANSITIONS if source == state]


class Rectification(models.Model):
    id = models.BigAutoField(primary_key=True)
    rating = models.OneToOneField(Rating, on_delete=models.PROTECT, related_name="rectification")
    unit = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("责任单位"),
    )
    state = models.CharField(_("状态"), max_length=16, choices=RectState.choices, default=RectState.PENDING)
    opened_at = models.DateTimeField(_("生成时间"))
    due_at = models.DateTimeField(_("整改期限"))  # 15 working days (GOVHALL_RATING_RECTIFY_WORKDAYS)
    overdue = models.BooleanField(_("逾期"), default=False)  # set by the sweep, never cleared
    overdue_at = models.DateTimeField(null=True, blank=True)
    measures = models.TextField(_("整改措施"), blank=True)
    public_result = models.CharField(_("整改结果（公开）"), max_length=500, blank=True)
    claim = models.TextField(_("申诉/无法整改理由"), blank=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField(_("审核意见"), max_length=500, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("差评整改")
        verbose_name_plural = _("差评整改")
        ordering = ["due_at", "id"]
        indexes = [
            # The overdue sweep: open rectifications past their deadline (one range scan).
            models.Index(fields=["state", "due_at"], name="rect_state_due_idx"),
            models.Index(fields=["unit", "state"], name="rect_unit_idx"),
        ]

    def __str__(self) -> str:
        return f"整改 #{self.pk} {self.get_state_display()}"


class VisitMethod(models.TextChoices):
    PHONE = "phone", _("电话回访")
    SMS = "sms", _("短信回访")
    VISIT = "visit", _("上门回访")
    ONLINE = "online", _("网上回访")


class VisitResult(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")
    UNREACHABLE = "unreachable", _("无法联系")


class ReturnVisit(models.Model):
    """回访: every real-name bad rating is visited (100 %): who, when, how, with what result."""

    id = models.BigAutoField(primary_key=True)
    rectification = models.ForeignKey(Rectification, on_delete=models.PROTECT, related_name="visits")
    visited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    visited_at = models.DateTimeField(_("回访时间"))
    method = models.CharField(_("回访方式"), max_length=8, choices=VisitMethod.choices)
    result = models.CharField(_("回访结果"), max_length=16, choices=VisitResult.choices)
    note = models.TextField(_("回访记录"), blank=True)

    class Meta:
        verbose_name = _("回访记录")
        verbose_name_plural = _("回访记录")
        ordering = ["visited_at", "id"]
