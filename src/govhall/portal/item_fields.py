"""The item's own application-form fields (catalog ``form_fields``) as Django form fields.

The fields come from the item's current version snapshot. The values are stored in the draft's
(and so the case's) ``form_data`` under ``"fields"`` as ``[{"key", "label", "type", "value"}]``:
labelled, so a case shows the form it was filed under even after the item's fields change.
"""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext as _

from govhall.cases import present
from govhall.catalog.models import ItemVersion
from govhall.core.identity import check_mobile, check_ric

PREFIX = "f_"
TEXT_MAX = 200
TEXTAREA_MAX = 1000
DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"]
GENERIC_LABELS = present.FORM_GENERIC_LABELS


def current_fields(item) -> list[dict]:
    """The form fields of the item's current version (the live item's as a fallback)."""
    snapshot = (
        ItemVersion.objects.filter(item=item, version=item.version).values_list("snapshot", flat=True).first()
    )
    if snapshot is not None and "form_fields" in snapshot:
        return list(snapshot["form_fields"])
    return list(item.form_fields or [])


class IdNumberField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        result = check_ric(value)
        if not result:
            raise forms.ValidationError(_("身份证号码有误：%(r)s") % {"r": result.reason}, code="id_number")
        return result.normalized


class MobileField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        result = check_mobile(value)
        if not result:
            raise forms.ValidationError(_("手机号码有误：%(r)s") % {"r": result.reason}, code="mobile")
        return result.normalized


def _django_field(spec: dict) -> forms.Field:
    label, required = spec["label"], bool(spec.get("required"))
    common = {
        "label": label,
        "required": required,
        "help_text": spec.get("help") or "",
        "error_messages": {"required": _("请填写“%(l)s”。") % {"l": label}},
    }
    kind = spec.get("type")
    if kind == "textarea":
        return forms.CharField(max_length=TEXTAREA_MAX, widget=forms.Textarea(attrs={"rows": 3}), **common)
    if kind == "date":
        common["error_messages"]["invalid"] = _("请按“年-月-日”填写日期，如 2026-05-20。")
        return forms.DateField(
            input_formats=DATE_FORMATS, widget=forms.DateInput(attrs={"type": "date"}), **common
        )
    if kind == "number":
        common["error_messages"]["invalid"] = _("请填写数字。")
        return forms.DecimalField(max_digits=18, decimal_places=4, widget=forms.NumberInput(attrs={"step": "any"}),
                                  **common)  # fmt: skip
    if kind == "choice":
        choices = [("", _("请选择"))] + [(c, c) for c in spec.get("choices") or []]
        common["error_messages"]["invalid_choice"] = _("请从列表中选择“%(l)s”。") % {"l": label}
        return forms.ChoiceField(choices=choices, **common)
    if kind == "id_number":
        return IdNumberField(
            max_length=18 + 4, widget=forms.TextInput(attrs={"autocomplete": "off"}), **common
        )
    if kind == "mobile":
        return MobileField(
            max_length=20, widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}), **common
        )
    return forms.CharField(max_length=TEXT_MAX, **common)


def add_fields(form: forms.Form, specs: list[dict]) -> None:
    """Add one form field per spec, named ``f_<key>``; they keep the catalogue's order."""
    form.item_specs = list(specs)
    for spec in form.item_specs:
        form.fields[PREFIX + spec["key"]] = _django_field(spec)


def bound_fields(form: forms.Form) -> list:
    return [form[PREFIX + spec["key"]] for spec in getattr(form, "item_specs", [])]


def _plain(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value).strip()


def values_of(form: forms.Form) -> list[dict]:
    """The cleaned values, labelled, for ``form_data["fields"]``."""
    return [
        {"key": s["key"], "label": s["label"], "type": s.get("type", "text"),
         "value": _plain(form.cleaned_data.get(PREFIX + s["key"]))}
        for s in getattr(form, "item_specs", [])
    ]  # fmt: skip


def initial_from(data: dict) -> dict:
    """A saved draft's values as the form's initial data."""
    rows = data.get("fields") if isinstance(data, dict) else None
    if not isinstance(rows, list):
        return {}
    return {PREFIX + r["key"]: r.get("value", "") for r in rows if isinstance(r, dict) and r.get("key")}


# The rows a case page shows live with the case (cases.present); kept importable from here.
case_rows = present.form_rows
