"""Admin pages for users, API tokens and SMS codes. Personal numbers appear masked only."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from govhall.core.masking import mask_id_number, mask_mobile, mask_name
from govhall.core.models import ApiToken, SmsCode, User


def _clear(user: User, name: str) -> str:
    from govhall.core import personal

    return getattr(personal, name)(user)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "kind", "masked_name", "masked_mobile", "is_staff", "is_active", "last_login")
    list_filter = ("kind", "is_staff", "is_active")
    search_fields = ("username", "org_name", "org_credit_code")
    readonly_fields = ("masked_id_number", "masked_mobile", "mobile_verified_at", "last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("username", "password", "kind", "is_active")}),
        ("实名信息", {"fields": ("real_name", "masked_id_number", "masked_mobile", "mobile_verified_at")}),
        ("单位", {"fields": ("org_name", "org_credit_code")}),
        ("权限", {"fields": ("is_staff", "is_superuser", "groups")}),
        ("时间", {"fields": ("last_login", "date_joined")}),
    )

    @admin.display(description="姓名")
    def masked_name(self, obj: User) -> str:
        return mask_name(obj.real_name)

    @admin.display(description="身份证号")
    def masked_id_number(self, obj: User) -> str:
        return mask_id_number(_clear(obj, "user_id_number")) if obj.id_number_cipher else "-"

    @admin.display(description="手机号")
    def masked_mobile(self, obj: User) -> str:
        return mask_mobile(_clear(obj, "user_mobile")) if obj.mobile_cipher else "-"


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("id", "user", "label", "created_at", "last_used_at", "revoked_at")
    list_select_related = ("user",)
    readonly_fields = ("user", "digest", "created_at", "last_used_at", "revoked_at")
    fields = ("user", "label", "digest", "created_at", "last_used_at", "revoked_at")

    def has_add_permission(self, request) -> bool:  # tokens are issued with `govhall token create`
        return False


@admin.register(SmsCode)
class SmsCodeAdmin(admin.ModelAdmin):
    list_display = ("id", "purpose", "created_at", "expires_at", "attempts", "used_at")
    list_filter = ("purpose",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
