"""Departments, sites (centre → sub-centre → township → village/community), windows, staff, delegations."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DepartmentKind(models.TextChoices):
    STATIONED = "stationed", _("进驻部门")  # a government department with windows in the centre
    SUB_CENTRE = "sub_centre", _("分中心")  # runs one of the five sub-centres (social insurance, tax …)
    UTILITY = "utility", _("公共服务单位")  # water, electricity, gas, broadcasting
    CENTRE = "centre", _("中心机关")  # the centre itself and its units (trading centre, network centre)
    TOWNSHIP = "township", _("乡镇（街道）")  # a township government running its service centre


class Department(models.Model):
    code = models.CharField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=64, unique=True)
    short_name = models.CharField(_("简称"), max_length=32, blank=True)
    kind = models.CharField(_("类型"), max_length=16, choices=DepartmentKind.choices)
    phone = models.CharField(_("咨询电话"), max_length=32, blank=True)
    complaint_phone = models.CharField(_("投诉电话"), max_length=32, blank=True)
    seal_text = models.CharField(_("印章文字"), max_length=64, blank=True)
    sort = models.PositiveIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("在驻"), default=True)

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        return self.name


class SiteKind(models.TextChoices):
    CENTRE = "centre", _("政务服务中心")
    SUB_CENTRE = "sub_centre", _("分中心")
    TOWNSHIP = "township", _("乡镇（街道）便民服务中心")
    VILLAGE = "village", _("村级集中代办站")  # open on market days (逢场日)
    COMMUNITY = "community", _("社区便民服务站")


# Which kind of site may sit under which: the hierarchy of the report.
SITE_PARENT_KINDS: dict[str, set[str]] = {
    SiteKind.CENTRE: set(),
    SiteKind.SUB_CENTRE: {SiteKind.CENTRE},
    SiteKind.TOWNSHIP: {SiteKind.CENTRE},
    SiteKind.VILLAGE: {SiteKind.TOWNSHIP},
    SiteKind.COMMUNITY: {SiteKind.TOWNSHIP, SiteKind.CENTRE},
}


class Site(models.Model):
    code = models.CharField(_("编码"), max_length=32, unique=True)  # prefix of case numbers
    name = models.CharField(_("名称"), max_length=64)
    kind = models.CharField(_("类型"), max_length=16, choices=SiteKind.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上级"),
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sites",
        verbose_name=_("主管部门"),
    )
    region_code = models.CharField(_("行政区划代码"), max_length=12, blank=True)
    address = models.CharField(_("地址"), max_length=128, blank=True)
    phone = models.CharField(_("电话"), max_length=32, blank=True)
    hours = models.CharField(_("办公时间"), max_length=64, blank=True)
    # Opening days: weekday numbers (1=Mon … 7=Sun) the site opens on working days, and for village
    # stations the market-day rule as the last digits of the day of month (逢一四七 → "147").
    open_weekdays = models.CharField(_("开放星期"), max_length=7, default="12345")
    market_day_digits = models.CharField(_("逢场日（日期尾数）"), max_length=10, blank=True)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("服务场所")
        verbose_name_plural = _("服务场所")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Window(models.Model):
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="windows", verbose_name=_("场所"))
    number = models.CharField(_("窗口号"), max_length=16)
    name = models.CharField(_("名称"), max_length=64)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="windows", verbose_name=_("进驻部门")
    )
    is_comprehensive = models.BooleanField(_("综合窗口"), default=False)
    ticket_prefix = models.CharField(_("取号前缀"), max_length=2, blank=True)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("窗口")
        verbose_name_plural = _("窗口")
        ordering = ["site__code", "number"]
        constraints = [models.UniqueConstraint(fields=["site", "number"], name="window_site_number_uniq")]

    def __str__(self) -> str:
        return f"{self.number}号窗口 {self.name}"


class Role(models.TextChoices):
    MANAGER = "manager", _("中心管理员")
    CLERK = "clerk", _("窗口工作人员")
    CHIEF = "chief", _("首席代表")
    APPROVER = "approver", _("部门审批人员")
    INSPECTOR = "inspector", _("踏勘人员")
    SUPERVISOR = "supervisor", _("监察员")
    AGENT = "agent", _("代办员")
    TRADER = "trader", _("交易中心工作人员")
    DUTY_LEADER = "duty_leader", _("值班领导")
    INVESTMENT = "investment", _("投促局/管委会")
    SECURITY_ADMIN = "security_admin", _("安全管理员")
    AUDIT_ADMIN = "audit_admin", _("审计管理员")


class Staff(models.Model):
    """A person working for the centre, a department, a township or a station, with a role and scope."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="staff")
    employee_no = models.CharField(_("工号"), max_length=16, unique=True)
    name = models.CharField(_("姓名"), max_length=32)
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="staff", verbose_name=_("所属部门")
    )
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="staff", verbose_name=_("工作场所"))
    window = models.ForeignKey(
        Window, on_delete=models.SET_NULL, null=True, blank=True, related_name="staff", verbose_name=_("窗口")
    )
    mobile_masked = models.CharField(_("手机"), max_length=16, blank=True)
    active = models.BooleanField(_("在岗"), default=True)
    joined_on = models.DateField(_("入驻日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("工作人员")
        verbose_name_plural = _("工作人员")
        ordering = ["employee_no"]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_role_display()}）"


class Delegation(models.Model):
    """A department's grant of powers to its chief representative at the window (两集中、两到位)."""

    chief = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="delegations", verbose_name=_("首席代表")
    )
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="delegations")
    can_decide = models.BooleanField(_("审批决定权"), default=True)
    can_review_report = models.BooleanField(_("审核上报权"), default=True)
    can_use_seal = models.BooleanField(_("印章使用权"), default=True)
    document_no = models.CharField(_("授权文号"), max_length=64)
    valid_from = models.DateField(_("生效日期"))
    valid_to = models.DateField(_("失效日期"))
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoke_reason = models.CharField(_("撤销原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("首席代表授权")
        verbose_name_plural = _("首席代表授权")
        ordering = ["-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__gte=models.F("valid_from")), name="delegation_period_ok"
            )
        ]

    def __str__(self) -> str:
        return f"{self.department} → {self.chief.name} {self.valid_from}~{self.valid_to}"
