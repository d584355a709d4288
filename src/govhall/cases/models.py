"""Cases (办件): one application for one item, its timeline and its one-time supplement notice."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from govhall.cases.states import CaseState, StepState, TaskState
from govhall.catalog.models import ItemVersion, LimitUnit, ServiceItem
from govhall.core.masking import mask_name
from govhall.org.models import Delegation, Department, Site, Staff, Window


class Channel(models.TextChoices):
    WINDOW = "window", _("窗口")
    ONLINE = "online", _("网上")
    AGENCY = "agency", _("代办")
    POST = "post", _("邮寄")


class ApplicantKind(models.TextChoices):
    PERSON = "person", _("自然人")
    ENTERPRISE = "enterprise", _("法人")


class AcceptanceMode(models.TextChoices):
    NORMAL = "normal", _("正常受理")
    TOLERANT = "tolerant", _("容缺受理")  # main materials complete, the rest owed under an undertaking
    COMMITMENT = "commitment", _("告知承诺")  # a commitment in lieu of proof, verified later


class Decision(models.TextChoices):
    NONE = "", _("未决定")
    APPROVE = "approve", _("准予")
    REJECT = "reject", _("不予")


class ResultCode(models.IntegerChoices):
    """RULES.md "Cases": conclusion results (0 needs a certificate, 1–6 a reason)."""

    CERTIFICATE = 0, _("出证办结")
    NOT_PERMITTED = 1, _("不予许可")
    VOID = 2, _("作废")
    DELETED = 3, _("删除")
    FORWARDED = 4, _("转报办结")
    RETURNED = 5, _("退件（逾期未补正或放弃）")
    REFUSED = 6, _("拒绝")


class DeliveryMethod(models.TextChoices):
    WINDOW = "window", _("窗口领取")
    POST = "post", _("邮寄送达")


class Case(models.Model):
    number = models.CharField(_("办件编号"), max_length=32, unique=True)
    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="cases")
    item_version = models.ForeignKey(ItemVersion, on_delete=models.PROTECT, related_name="+")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="cases")
    window = models.ForeignKey(Window, on_delete=models.PROTECT, null=True, blank=True, related_name="cases")
    channel = models.CharField(_("渠道"), max_length=8, choices=Channel.choices)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="cases"
    )
    applicant_name = models.CharField(_("申请人"), max_length=128)
    applicant_id_digest = models.CharField(max_length=64, db_index=True)  # keyed digest of RIC/USCC
    applicant_kind = models.CharField(_("申请人类型"), max_length=16, choices=ApplicantKind.choices)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    consent_recorded_at = models.DateTimeField(null=True, blank=True)  # agency filings only
    idempotency_key = models.CharField(max_length=64, unique=True, null=True, blank=True)
    query_password_digest = models.CharField(max_length=64)  # SM3 of number + 6-digit password
    state = models.CharField(_("状态"), max_length=24, choices=CaseState.choices, default=CaseState.SUBMITTED)
    report_status = models.PositiveSmallIntegerField(_("上报状态"), default=1)  # RULES.md 1–15, latest
    received_at = models.DateTimeField(_("收件时间"))
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    # 行政许可法 Art. 32: no decision or notice by this instant → deemed accepted from receipt.
    acceptance_deadline = models.DateTimeField(null=True, blank=True, db_index=True)
    # The running clocks (DESIGN.md mechanism 1): derived columns, recomputed by clocks.refresh().
    clock_pauses = models.JSONField(default=list, blank=True)  # [{"reason", "start", "end"}]
    clock_paused_at = models.DateTimeField(null=True, blank=True)
    legal_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    promised_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    warn_at = models.DateTimeField(null=True, blank=True, db_index=True)
    clock_stopped_at = models.DateTimeField(null=True, blank=True)  # conclusion / refusal / withdrawal
    extension_workdays = models.DecimalField(_("延长时限"), max_digits=4, decimal_places=1, default=0)
    # Online filing: the form's fields and the pre-review clock (before receipt is confirmed).
    form_data = models.JSONField(default=dict, blank=True)
    pre_review_due_at = models.DateTimeField(_("预审期限"), null=True, blank=True, db_index=True)
    acceptance_mode = models.CharField(
        _("受理方式"), max_length=12, choices=AcceptanceMode.choices, default=AcceptanceMode.NORMAL
    )
    # Decision (last processing step) and conclusion (RULES.md result codes).
    decision = models.CharField(_("审批决定"), max_length=8, choices=Decision.choices, default="", blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    result_code = models.PositiveSmallIntegerField(
        _("办结结果"), choices=ResultCode.choices, null=True, blank=True
    )
    result_reason = models.TextField(_("办结说明"), blank=True)
    certificate_no = models.CharField(_("证照编号"), max_length=64, blank=True)
    certificate_valid_until = models.DateField(_("证照有效期至"), null=True, blank=True)
    concluded_at = models.DateTimeField(_("办结时间"), null=True, blank=True, db_index=True)  # grading
    concluded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    delivery_due_at = models.DateTimeField(_("送达期限"), null=True, blank=True, db_index=True)  # Art. 44
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    delivery_method = models.CharField(max_length=8, choices=DeliveryMethod.choices, blank=True)
    tracking_no = models.CharField(_("快递单号"), max_length=40, blank=True)
    recipient_name = models.CharField(_("签收人"), max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("办件")
        verbose_name_plural = _("办件")
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["state", "acceptance_deadline"], name="case_state_accdl_idx")]

    def __str__(self) -> str:
        return self.number

    @property
    def applicant_masked(self) -> str:
        """A person's name masked (张*); an enterprise's or organisation's name is public."""
        if self.applicant_kind == ApplicantKind.PERSON:
            return mask_name(self.applicant_name)
        return self.applicant_name


class CaseStep(models.Model):
    """One activation of a flow step on a case (a return creates a new round; history is kept).

    Built from the case's item version snapshot, so a case keeps the flow it started with.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="steps")
    round = models.PositiveIntegerField()  # 1, 2, … per case, in activation order
    flow_order = models.PositiveSmallIntegerField()  # the snapshot's flow "order"
    name = models.CharField(_("环节"), max_length=32)
    role = models.CharField(max_length=16)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    mode = models.CharField(_("会签方式"), max_length=12, default="none")  # catalog.CountersignMode values
    pass_ratio = models.DecimalField(max_digits=3, decimal_places=2, null=True, blank=True)
    state = models.CharField(_("状态"), max_length=12, choices=StepState.choices, default=StepState.ACTIVE)
    outcome = models.CharField(max_length=8, blank=True)  # approve / reject once finished
    limit = models.DecimalField(max_digits=5, decimal_places=1, default=0)
    limit_unit = models.CharField(max_length=8, choices=LimitUnit.choices, default=LimitUnit.WORKDAY)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)  # pause-aware (the case's pause ledger)
    warn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["case", "round"]
        constraints = [models.UniqueConstraint(fields=["case", "round"], name="casestep_round_uniq")]
        indexes = [
            models.Index(fields=["state", "due_at"], name="casestep_state_due_idx"),
            models.Index(fields=["state", "warn_at"], name="casestep_state_warn_idx"),
        ]


class StepTask(models.Model):
    """One person's or department's share of a step: a signature, a delegated piece, an inspection."""

    class Kind(models.TextChoices):
        SIGN = "sign", _("办理/会签")
        INSPECT = "inspect", _("现场踏勘")

    step = models.ForeignKey(CaseStep, on_delete=models.CASCADE, related_name="tasks")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")  # denormalised for scopes
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.SIGN)
    seq = models.PositiveSmallIntegerField(default=0)  # order inside a sequential step
    # No single-column indexes on these two: steptask_dept_idx / steptask_assignee_idx lead with
    # them (fewer index pages written by every signature).
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    # None: any active staff of ``department`` with the step's role may take it.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        db_index=False,
    )  # fmt: skip
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    relation = models.CharField(max_length=12, blank=True)  # "", delegate, add_before, add_after, transfer
    state = models.CharField(max_length=12, choices=TaskState.choices, default=TaskState.PENDING)
    opinion = models.CharField(max_length=8, blank=True)  # approve / reject
    comment = models.TextField(blank=True)
    result = models.JSONField(default=dict, blank=True)  # inspection findings
    opened_at = models.DateTimeField(null=True, blank=True)  # first opened by its holder ("touched")
    done_at = models.DateTimeField(null=True, blank=True, db_index=True)  # a person's grading
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    urge_count = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["step", "seq", "id"]
        indexes = [
            models.Index(fields=["assignee", "state"], name="steptask_assignee_idx"),
            models.Index(fields=["department", "state"], name="steptask_dept_idx"),
        ]


class CaseCopy(models.Model):
    """抄送: a copy of the case to a person, with a read receipt."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="copies")
    step = models.ForeignKey(CaseStep, on_delete=models.CASCADE, null=True, blank=True, related_name="copies")
    to_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    note = models.CharField(max_length=200, blank=True)
    sent_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "step", "to_user"], name="casecopy_once")]


class CaseDraft(models.Model):
    """An online application being filled in (not yet a case: no number, no clock)."""

    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="case_drafts"
    )
    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="+")
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_case = models.OneToOneField(
        Case, on_delete=models.SET_NULL, null=True, blank=True, related_name="draft"
    )

    class Meta:
        ordering = ["-updated_at"]


class CaseFile(models.Model):
    """An uploaded file: a material (scan), an inspection photo, a delivery signature."""

    class Kind(models.TextChoices):
        MATERIAL = "material", _("申请材料")
        PHOTO = "photo", _("踏勘照片")
        SIGNATURE = "signature", _("签收")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, null=True, blank=True, related_name="files")
    draft = models.ForeignKey(
        CaseDraft, on_delete=models.CASCADE, null=True, blank=True, related_name="files"
    )
    task = models.ForeignKey(StepTask, on_delete=models.SET_NULL, null=True, blank=True, related_name="files")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.MATERIAL)
    material_name = models.CharField(max_length=128, blank=True)
    name = models.CharField(max_length=128)  # sanitised original name
    file = models.FileField(upload_to="cases/%Y/%m/")
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=64)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)


class Undertaking(models.Model):
    """容缺受理 (materials owed by a deadline) or 告知承诺 (a commitment verified later)."""

    class State(models.TextChoices):
        OPEN = "open", _("履行中")
        FULFILLED = "fulfilled", _("已履行")  # owed materials received / commitment verified true
        EXPIRED = "expired", _("逾期未履行")  # tolerant deadline passed: the case ends
        FALSE = "false", _("承诺不实")  # verification found the commitment false: revoked

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="undertaking")
    kind = models.CharField(max_length=12, choices=AcceptanceMode.choices)
    owed = models.JSONField(default=list, blank=True)  # material names owed (tolerant)
    text = models.TextField()  # what the applicant signed
    signed_at = models.DateTimeField()
    deadline = models.DateTimeField(null=True, blank=True, db_index=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.OPEN)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    note = models.TextField(blank=True)


class SpecialProcedure(models.Model):
    """行政许可法 Art. 45: time not counted towards the limit; the applicant is told the duration."""

    class Kind(models.TextChoices):
        HEARING = "hearing", _("听证")
        TENDER = "tender", _("招标")
        AUCTION = "auction", _("拍卖")
        INSPECTION = "inspection", _("检验")
        TESTING = "testing", _("检测")
        QUARANTINE = "quarantine", _("检疫")
        APPRAISAL = "appraisal", _("鉴定")
        EXPERT_REVIEW = "expert_review", _("专家评审")
        SITE_INSPECTION = "site_inspection", _("现场踏勘")
        PUBLICITY = "publicity", _("公示")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="special_procedures")
    kind = models.CharField(_("特别程序"), max_length=16, choices=Kind.choices)
    reason = models.TextField(_("理由"))
    announced_workdays = models.DecimalField(_("告知时长（工作日）"), max_digits=5, decimal_places=1)
    started_at = models.DateTimeField()
    announced_end_at = models.DateTimeField(db_index=True)  # beyond it: a supervision anomaly
    ended_at = models.DateTimeField(null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["case", "started_at"]


class Extension(models.Model):
    """行政许可法 Art. 42 (+10) / Art. 26 (+15): once per case, approved by the head, applicant told."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="extension")
    workdays = models.DecimalField(max_digits=4, decimal_places=1)
    reason = models.TextField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()


class Notice(models.Model):
    """A document issued on a case (告知书 / 决定书 / 回执); its PDF is rendered from ``data``."""

    class Kind(models.TextChoices):
        ACCEPTANCE = "acceptance", _("受理通知书")
        SUPPLEMENT = "supplement", _("一次性告知书")
        REFUSAL = "refusal", _("不予受理通知书")
        SPECIAL = "special", _("特别程序告知书")
        EXTENSION = "extension", _("延长期限告知书")
        CONCLUSION = "conclusion", _("办结通知书")
        DELIVERY = "delivery", _("送达回执")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    number = models.CharField(_("文书编号"), max_length=40, unique=True)
    issued_at = models.DateTimeField()
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    seal_text = models.CharField(max_length=64)  # e.g. "某某局行政审批专用章"
    data = models.JSONField(default=dict)  # the facts printed (dates, reasons, materials …), frozen

    class Meta:
        ordering = ["case", "issued_at", "id"]


class SealUse(models.Model):
    """A use of the department's seal by its chief representative (who, when, which document)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="seal_uses")
    notice = models.ForeignKey(
        Notice, on_delete=models.PROTECT, null=True, blank=True, related_name="seal_uses"
    )
    document = models.CharField(max_length=64)  # what was sealed, e.g. 准予许可决定书
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    delegation = models.ForeignKey(Delegation, on_delete=models.PROTECT, related_name="+")
    used_at = models.DateTimeField()


class CaseEvent(models.Model):
    """One row per transition or step operation: the case's timeline."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    # Not indexed: no read looks events up by step or task, and steps and tasks are never deleted
    # but with their case (every action writes a timeline row: two index pages fewer each).
    step = models.ForeignKey(
        CaseStep, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    task = models.ForeignKey(
        StepTask, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    action = models.CharField(max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField()
    from_state = models.CharField(max_length=24, blank=True)
    to_state = models.CharField(max_length=24)
    report_status = models.PositiveSmallIntegerField()
    clock_effect = models.JSONField(default=dict, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["case", "at", "id"]


class SupplementNotice(models.Model):
    """The one-time notice (一次性告知); one per case, enforced by the database as well."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="supplement_notice")
    items = models.JSONField()  # names of every missing material
    issued_at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
