"""Display helpers for guides: limits with their units, flags, service objects."""

from decimal import Decimal

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from govhall.catalog.models import LimitUnit

register = template.Library()

OBJECT_NAMES = {
    "1": gettext_lazy("自然人"),
    "2": gettext_lazy("企业法人"),
    "3": gettext_lazy("事业法人"),
    "4": gettext_lazy("社会组织法人"),
    "5": gettext_lazy("行政机关"),
    "6": gettext_lazy("其他组织"),
}


@register.simple_tag
def limit_text(value: Decimal, unit: str) -> str:
    """“20 个工作日”, “当场办结” for 0, “0.5 个工作日” for half a day."""
    if value is None:
        return ""
    if value == 0:
        return _("当场办结")
    number = f"{value.normalize():f}" if isinstance(value, Decimal) else str(value)
    if unit == LimitUnit.WORKDAY:
        return _("%(n)s 个工作日") % {"n": number}
    if unit == LimitUnit.NATURAL_DAY:
        return _("%(n)s 个自然日") % {"n": number}
    return _("%(n)s 小时") % {"n": number}


@register.filter
def service_object_names(codes: str) -> str:
    return "、".join(str(OBJECT_NAMES.get(c, c)) for c in codes or "")


@register.filter
def yes_no(value: bool) -> str:
    return _("是") if value else _("否")


@register.filter
def form_field_type(kind: str) -> str:
    """The Chinese name of an application-form field type (文字, 日期, 身份证号码 …)."""
    from govhall.catalog.form_fields import type_label

    return type_label(kind)
