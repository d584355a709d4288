"""Forms of the manager pages. They only parse input; the services decide what is valid."""

from django import forms
from django.utils.translation import gettext_lazy as _

from govhall.org.models import Department, DepartmentKind, Role, Site, SiteKind, Staff, Window

POWER_CHOICES = [("decide", _("审批决定权")), ("review_report", _("审核上报权")), ("seal", _("印章使用权"))]


def _text(label, required=False, **kwargs):
    return forms.CharField(label=label, required=required, strip=True, **kwargs)


class DepartmentForm(forms.Form):
    code = _text(_("编码"), max_length=32)
    name = _text(_("名称"), max_length=64)
    short_name = _text(_("简称"), max_length=32)
    kind = forms.ChoiceField(label=_("类型"), choices=DepartmentKind.choices)
    phone = _text(_("咨询电话"), max_length=32)
    complaint_phone = _text(_("投诉电话"), max_length=32)
    seal_text = _text(_("印章文字"), max_length=64)
    sort = forms.IntegerField(label=_("排序"), min_value=0, initial=0, required=False)
    active = forms.BooleanField(label=_("在驻"), required=False, initial=True)


class SiteForm(forms.Form):
    code = _text(_("编码"), max_length=32)
    name = _text(_("名称"), max_length=64)
    kind = forms.ChoiceField(label=_("类型"), choices=SiteKind.choices)
    parent = forms.ModelChoiceField(
        label=_("上级"), queryset=Site.objects.filter(active=True), required=False
    )
    department = forms.ModelChoiceField(
        label=_("主管部门"), queryset=Department.objects.all(), required=False
    )
    region_code = _text(_("行政区划代码"), max_length=12)
    address = _text(_("地址"), max_length=128)
    phone = _text(_("电话"), max_length=32)
    hours = _text(_("办公时间"), max_length=64)
    open_weekdays = _text(_("开放星期"), max_length=7, initial="12345", help_text=_("1为星期一，例如 12345"))
    market_day_digits = _text(
        _("逢场日（日期尾数）"), max_length=10, help_text=_("仅村级代办站填写，例如 147 表示逢一、四、七")
    )
    active = forms.BooleanField(label=_("启用"), required=False, initial=True)


class WindowForm(forms.Form):
    site = forms.ModelChoiceField(label=_("场所"), queryset=Site.objects.filter(active=True))
    number = _text(_("窗口号"), max_length=16)
    name = _text(_("名称"), max_length=64)
    department = forms.ModelChoiceField(label=_("进驻部门"), queryset=Department.objects.filter(active=True))
    is_comprehensive = forms.BooleanField(label=_("综合窗口"), required=False)
    ticket_prefix = _text(_("取号前缀"), max_length=2)
    active = forms.BooleanField(label=_("启用"), required=False, initial=True)


class StaffForm(forms.Form):
    username = _text(_("用户名"), max_length=150)
    name = _text(_("姓名"), max_length=32)
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    department = forms.ModelChoiceField(label=_("所属部门"), queryset=Department.objects.filter(active=True))
    site = forms.ModelChoiceField(label=_("工作场所"), queryset=Site.objects.filter(active=True))
    window = forms.ModelChoiceField(
        label=_("窗口"), queryset=Window.objects.filter(active=True).select_related("site"), required=False
    )
    mobile = _text(_("手机号码"), max_length=20)
    password = forms.CharField(
        label=_("初始密码"),
        required=False,
        widget=forms.PasswordInput,
        help_text=_("留空则须由管理员重置密码后登录"),
    )


class StaffFilterForm(forms.Form):
    department = forms.ModelChoiceField(label=_("部门"), queryset=Department.objects.all(), required=False)
    site = forms.ModelChoiceField(label=_("场所"), queryset=Site.objects.all(), required=False)
    role = forms.ChoiceField(label=_("角色"), choices=[("", "全部")] + list(Role.choices), required=False)


class DelegationGrantForm(forms.Form):
    chief = forms.ModelChoiceField(
        label=_("首席代表"),
        queryset=Staff.objects.filter(role=Role.CHIEF, active=True).select_related("department"),
    )
    powers = forms.MultipleChoiceField(
        label=_("授权事项"), choices=POWER_CHOICES, widget=forms.CheckboxSelectMultiple, required=False
    )
    document_no = _text(_("授权文号"), max_length=64)
    valid_from = forms.DateField(
        label=_("生效日期"), widget=forms.DateInput(attrs={"type": "date"}), required=False
    )
    valid_to = forms.DateField(
        label=_("失效日期"), widget=forms.DateInput(attrs={"type": "date"}), required=False
    )


class ReasonForm(forms.Form):
    reason = _text(_("原因"), max_length=200)
