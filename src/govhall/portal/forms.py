"""The online filing form: the applicant's fields, then one upload per material of the item.

The fields are those every filing needs (contact address, a description, an optional e-mail), for an
enterprise operator the enterprise they are authorised for — never a typed-in credit code — and the
item's own fields from its catalogue version (``portal.item_fields``), stored under ``"fields"``.
"""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from govhall.catalog.models import Material
from govhall.portal import item_fields

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
TEXT_MAX = 500


class FilingForm(forms.Form):
    address = forms.CharField(label=_("联系地址"), max_length=128)
    description = forms.CharField(
        label=_("申请说明"), max_length=TEXT_MAX, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    email = forms.EmailField(label=_("电子邮箱（选填）"), max_length=128, required=False)
    token = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, enterprises=(), specs=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.enterprises = {e.credit_code: e for e in enterprises}
        if enterprises:
            self.fields["enterprise"] = forms.ChoiceField(
                label=_("申请单位"),
                choices=[(e.credit_code, f"{e.name}（{e.credit_code}）") for e in enterprises],
            )
            self.order_fields(["enterprise"])
        item_fields.add_fields(self, specs)

    def generic_fields(self) -> list:
        return [f for f in self.visible_fields() if not f.name.startswith(item_fields.PREFIX)]

    def item_bound_fields(self) -> list:
        return item_fields.bound_fields(self)

    def clean_token(self) -> str:
        token = self.cleaned_data["token"]
        if not TOKEN_RE.match(token):
            raise forms.ValidationError(_("表单已失效，请刷新页面后重新填写。"))
        return token

    def data_for_case(self, user) -> dict:
        """The draft's JSON: labelled values (they are shown to the reviewer as they are)."""
        data = self.cleaned_data
        result = {"联系地址": data["address"], "申请说明": data["description"]}
        if data.get("email"):
            result["电子邮箱"] = data["email"]
        if self.item_specs:
            result["fields"] = item_fields.values_of(self)
        if "enterprise" in data:
            enterprise = self.enterprises[data["enterprise"]]
            result |= {
                "applicant_name": enterprise.name,
                "applicant_id_number": enterprise.credit_code,
                "applicant_kind": "enterprise",
                "联系人": user.real_name,
            }
        return result

    @classmethod
    def initial_from(cls, draft_data: dict) -> dict:
        return {
            "address": draft_data.get("联系地址", ""),
            "description": draft_data.get("申请说明", ""),
            "email": draft_data.get("电子邮箱", ""),
            "enterprise": draft_data.get("applicant_id_number", ""),
        } | item_fields.initial_from(draft_data)


def material_field(material: Material) -> str:
    return f"m{material.pk}"


def missing_required(materials: list[Material], uploaded_names: set[str]) -> list[str]:
    return [m.name for m in materials if m.required and m.name not in uploaded_names]


class AgencyForm(forms.Form):
    """代办: a village agent files for a villager who signed the authorisation at the station."""

    applicant_kind = forms.ChoiceField(
        label=_("申请人类型"), choices=[("person", _("自然人")), ("enterprise", _("法人"))]
    )
    applicant_name = forms.CharField(label=_("申请人姓名或单位名称"), max_length=128)
    applicant_id_number = forms.CharField(label=_("身份证号码或统一社会信用代码"), max_length=18)
    consent = forms.BooleanField(label=_("申请人已签署代办授权书"), required=True)
    token = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, specs=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        item_fields.add_fields(self, specs)

    def generic_fields(self) -> list:
        return [f for f in self.visible_fields() if not f.name.startswith(item_fields.PREFIX)]

    def item_bound_fields(self) -> list:
        return item_fields.bound_fields(self)

    def form_data(self) -> dict:
        return {"fields": item_fields.values_of(self)} if self.item_specs else {}

    def clean_token(self) -> str:
        token = self.cleaned_data["token"]
        if not TOKEN_RE.match(token):
            raise forms.ValidationError(_("表单已失效，请刷新页面后重新填写。"))
        return token
