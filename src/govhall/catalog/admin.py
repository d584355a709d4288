"""Admin for the catalogue. Edits go through the services' bookkeeping: pinyin keys, a version
snapshot and an audit record per save (the public guide pages are the read side)."""

from django import forms
from django.contrib import admin
from django.db import transaction

from govhall.catalog.form_fields import check_form_fields, normalise_form_fields
from govhall.catalog.models import Faq, Fee, FlowStep, ItemVersion, Material, Precondition, ServiceItem, Theme
from govhall.catalog.services import item_admin_saved
from govhall.catalog.snapshot import SCALAR_FIELDS, item_snapshot
from govhall.catalog.validation import check_item_fields


class MaterialInline(admin.TabularInline):
    model = Material
    extra = 0


class FeeInline(admin.TabularInline):
    model = Fee
    extra = 0


class FlowStepInline(admin.TabularInline):
    model = FlowStep
    extra = 0
    raw_id_fields = ["department"]


class FaqInline(admin.StackedInline):
    model = Faq
    extra = 0


class PreconditionInline(admin.TabularInline):
    model = Precondition
    fk_name = "item"
    extra = 0
    raw_id_fields = ["required_item"]
    readonly_fields = ["status", "cancelled_on", "cancel_reason"]


class VersionInline(admin.TabularInline):
    model = ItemVersion
    extra = 0
    can_delete = False
    fields = ["version", "note", "created_by", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class ServiceItemForm(forms.ModelForm):
    """Runs the same checks as the services, and shows their Chinese messages on the fields."""

    class Meta:
        model = ServiceItem
        fields = [
            *SCALAR_FIELDS[:-3],
            "form_fields",
            "department",
            "themes",
            "windows",
        ]  # not status/cancel: services do those

    def clean_form_fields(self) -> list:
        fields = normalise_form_fields(self.cleaned_data.get("form_fields"))
        problems = check_form_fields(fields)
        if problems:
            raise forms.ValidationError([p.message for p in problems])
        return fields

    def clean(self) -> dict:
        data = super().clean()
        for problem in check_item_fields({**self.instance.__dict__, **data}):
            field = problem.field if problem.field in self.fields else None
            if field is None or field not in self.errors:
                self.add_error(field, problem.message)
        return data


@admin.register(ServiceItem)
class ServiceItemAdmin(admin.ModelAdmin):
    form = ServiceItemForm
    list_display = ["code", "name", "department", "item_type", "category", "case_kind", "status", "version"]
    list_filter = ["status", "category", "item_type", "case_kind", "department"]
    search_fields = ["code", "name", "pinyin", "pinyin_initials"]
    readonly_fields = ["pinyin", "pinyin_initials", "version", "status", "cancelled_on", "cancel_reason"]
    filter_horizontal = ["themes", "windows"]
    inlines = [MaterialInline, FeeInline, FlowStepInline, FaqInline, PreconditionInline, VersionInline]

    def save_model(self, request, obj, form, change) -> None:
        request._catalog_before = item_snapshot(ServiceItem.objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change) -> None:
        with transaction.atomic():
            super().save_related(request, form, formsets, change)
            item_admin_saved(item=form.instance, before=request._catalog_before, actor=request.user)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # items are cancelled, never deleted: history and clean-up figures depend on them


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "audience", "sort"]
    search_fields = ["code", "name"]
