"""The service-item catalogue (GB/T 39046-2020 fields), its versions, materials, fees, flows, guides."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from govhall.org.models import Department, Role, Window


class ItemType(models.TextChoices):
    """GB/T 39046 item type codes."""

    LICENSING = "01", _("行政许可")
    PENALTY = "02", _("行政处罚")
    COERCION = "03", _("行政强制")
    LEVY = "04", _("行政征收")
    BENEFIT = "05", _("行政给付")
    INSPECTION = "06", _("行政检查")
    CONFIRMATION = "07", _("行政确认")
    REWARD = "08", _("行政奖励")
    RULING = "09", _("行政裁决")
    OTHER_POWER = "10", _("其他行政权力")
    PUBLIC_SERVICE = "20", _("公共服务")


class ReportCategory(models.TextChoices):
    """How the clean-up report counts an item (non-licensing approvals are their own kind)."""

    LICENSING = "licensing", _("行政许可")
    NON_LICENSING = "non_licensing", _("非行政许可审批")
    PUBLIC_SERVICE = "public_service", _("公共服务")
    OTHER = "other", _("其他行政权力")


class ItemLevel(models.IntegerChoices):
    NATIONAL = 1, _("国家级")
    PROVINCIAL = 2, _("省级")
    CITY = 3, _("市级")
    COUNTY = 4, _("县级")
    TOWNSHIP = 5, _("乡镇级")
    VILLAGE = 6, _("村级")


class CaseKind(models.IntegerChoices):
    INSTANT = 1, _("即办件")  # concluded at the window in one sitting
    PROMISED = 2, _("承诺件")  # concluded within the promised limit


class LimitUnit(models.TextChoices):
    WORKDAY = "workday", _("工作日")  # counted in half-day steps
    NATURAL_DAY = "day", _("自然日")
    HOUR = "hour", _("小时")


class ItemStatus(models.TextChoices):
    RETAINED = "retained", _("保留")  # in force
    CANCELLED = "cancelled", _("取消")  # cancelled by a clean-up; kept with its history


class Theme(models.Model):
    """A life event (person) or enterprise-lifecycle stage that groups items on the online hall."""

    class Audience(models.TextChoices):
        PERSON = "person", _("个人")
        ENTERPRISE = "enterprise", _("法人")

    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=32)
    audience = models.CharField(_("对象"), max_length=16, choices=Audience.choices)
    sort = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("主题")
        verbose_name_plural = _("主题")
        ordering = ["audience", "sort"]

    def __str__(self) -> str:
        return self.name


class ServiceItem(models.Model):
    code = models.CharField(_("实施编码"), max_length=40, unique=True)
    base_code = models.CharField(_("基本编码"), max_length=32, blank=True)
    name = models.CharField(_("事项名称"), max_length=128)
    pinyin = models.CharField(max_length=512, blank=True)  # full pinyin, for search
    pinyin_initials = models.CharField(max_length=128, blank=True, db_index=True)
    item_type = models.CharField(_("事项类型"), max_length=2, choices=ItemType.choices)
    category = models.CharField(_("统计类别"), max_length=16, choices=ReportCategory.choices)
    level = models.PositiveSmallIntegerField(_("行使层级"), choices=ItemLevel.choices, default=ItemLevel.CITY)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="items", verbose_name=_("实施部门")
    )
    service_objects = models.CharField(_("服务对象"), max_length=16, default="1")  # codes 1–6, e.g. "12"
    case_kind = models.PositiveSmallIntegerField(_("办件类型"), choices=CaseKind.choices)
    legal_limit = models.DecimalField(_("法定时限"), max_digits=6, decimal_places=1)
    legal_limit_unit = models.CharField(max_length=8, choices=LimitUnit.choices, default=LimitUnit.WORKDAY)
    promised_limit = models.DecimalField(_("承诺时限"), max_digits=6, decimal_places=1)
    promised_limit_unit = models.CharField(max_length=8, choices=LimitUnit.choices, default=LimitUnit.WORKDAY)
    pre_review_limit = models.DecimalField(_("预审时限（工作日）"), max_digits=4, decimal_places=1, default=1)
    legal_basis = models.TextField(_("设定依据"))
    conditions = models.TextField(_("受理条件"), blank=True)
    process = models.TextField(_("办理流程"), blank=True)
    visits = models.PositiveSmallIntegerField(_("到办事现场次数"), default=1)  # 0, 1 or 2
    online = models.BooleanField(_("网上办理"), default=True)
    appointment = models.BooleanField(_("支持预约"), default=True)
    pay_online = models.BooleanField(_("网上支付"), default=False)
    express = models.BooleanField(_("物流快递"), default=False)
    tolerant = models.BooleanField(_("容缺受理"), default=False)
    commitment = models.BooleanField(_("告知承诺"), default=False)
    place = models.CharField(_("办理地点"), max_length=128, blank=True)
    hours = models.CharField(_("办理时间"), max_length=128, blank=True)
    consult_phone = models.CharField(_("咨询电话"), max_length=32, blank=True)
    complaint_phone = models.CharField(_("投诉电话"), max_length=32, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=ItemStatus.choices, default=ItemStatus.RETAINED
    )
    cancelled_on = models.DateField(_("取消日期"), null=True, blank=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    # The online application form's fields (catalog.form_fields); in every version snapshot.
    form_fields = models.JSONField(_("申请表填写项"), default=list, blank=True)
    themes = models.ManyToManyField(Theme, blank=True, related_name="items", verbose_name=_("主题"))
    windows = models.ManyToManyField(Window, blank=True, related_name="items", verbose_name=_("受理窗口"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("服务事项")
        verbose_name_plural = _("服务事项")
        ordering = ["code"]
        indexes = [models.Index(fields=["status", "category"], name="item_status_cat_idx")]

    def __str__(self) -> str:
        return self.name


class ItemVersion(models.Model):
    """A snapshot of an item (with materials, fees, flow) as published at one version."""

    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    snapshot = models.JSONField()
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["item", "version"]
        constraints = [models.UniqueConstraint(fields=["item", "version"], name="itemversion_uniq")]


class Material(models.Model):
    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="materials")
    name = models.CharField(_("材料名称"), max_length=128)
    issuer = models.CharField(_("来源/出具单位"), max_length=64, blank=True)
    originals = models.PositiveSmallIntegerField(_("原件份数"), default=0)
    copies = models.PositiveSmallIntegerField(_("复印件份数"), default=1)
    required = models.BooleanField(_("必要"), default=True)
    is_main = models.BooleanField(_("主要材料"), default=True)  # tolerant acceptance needs every main one
    sample = models.CharField(_("示例/填写说明"), max_length=200, blank=True)
    sort = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")
        ordering = ["item", "sort", "id"]

    def __str__(self) -> str:
        return self.name


class Fee(models.Model):
    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="fees")
    name = models.CharField(_("收费项目"), max_length=128)
    standard = models.CharField(_("收费标准"), max_length=200)
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2, null=True, blank=True)
    legal_basis = models.CharField(_("收费依据"), max_length=300)

    class Meta:
        verbose_name = _("收费")
        verbose_name_plural = _("收费")
        ordering = ["item", "id"]

    def __str__(self) -> str:
        return self.name


class Precondition(models.Model):
    """An item or document required before another item; clean-ups cancel them too."""

    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="preconditions")
    required_item = models.ForeignKey(
        ServiceItem, on_delete=models.PROTECT, null=True, blank=True, related_name="required_by"
    )
    document_name = models.CharField(_("前置证照/文件"), max_length=128, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=ItemStatus.choices, default=ItemStatus.RETAINED
    )
    cancelled_on = models.DateField(_("取消日期"), null=True, blank=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("前置条件")
        verbose_name_plural = _("前置条件")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(required_item__isnull=False) | ~models.Q(document_name=""),
                name="precondition_has_target",
            )
        ]


class CountersignMode(models.TextChoices):
    NONE = "none", _("单人办理")
    ALL = "all", _("会签（全部通过）")
    ANY = "any", _("或签（任一通过）")
    RATIO = "ratio", _("比例会签（通过比例）")
    SEQUENTIAL = "sequential", _("依次会签")


class FlowStep(models.Model):
    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="flow_steps")
    order = models.PositiveSmallIntegerField(_("序号"))
    name = models.CharField(_("环节名称"), max_length=32)  # 受理 / 承办 / 审核 / 批准 / 办结 …
    role = models.CharField(_("办理角色"), max_length=16, choices=Role.choices)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    limit = models.DecimalField(_("环节时限"), max_digits=5, decimal_places=1)
    limit_unit = models.CharField(max_length=8, choices=LimitUnit.choices, default=LimitUnit.WORKDAY)
    countersign_mode = models.CharField(
        _("会签方式"), max_length=12, choices=CountersignMode.choices, default=CountersignMode.NONE
    )
    countersign_departments = models.ManyToManyField(Department, blank=True, related_name="+")
    # RATIO mode: the share of signers who must approve (e.g. 0.67 = two of three).
    pass_ratio = models.DecimalField(_("通过比例"), max_digits=3, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("办理环节")
        verbose_name_plural = _("办理流程")
        ordering = ["item", "order"]
        constraints = [models.UniqueConstraint(fields=["item", "order"], name="flowstep_order_uniq")]


class Faq(models.Model):
    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="faqs")
    question = models.CharField(_("问题"), max_length=200)
    answer = models.TextField(_("解答"))
    sort = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("常见问题")
        verbose_name_plural = _("常见问题")
        ordering = ["item", "sort", "id"]
