from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class UserKind(models.TextChoices):
    STAFF = "staff", _("工作人员")  # centre, department, township or station staff (see org.Staff)
    PERSON = "person", _("自然人")  # a citizen with a real-name account
    ENTERPRISE = "enterprise", _("法人经办人")  # an operator acting for an enterprise


class User(AbstractUser):
    """Every login. Personal numbers are stored SM4-encrypted with a keyed SM3 digest for lookup."""

    kind = models.CharField(_("类型"), max_length=16, choices=UserKind.choices, default=UserKind.STAFF)
    real_name = models.CharField(_("姓名"), max_length=64, blank=True)
    id_number_cipher = models.TextField(blank=True)
    id_number_digest = models.CharField(max_length=64, blank=True, db_index=True)
    mobile_cipher = models.TextField(blank=True)
    mobile_digest = models.CharField(max_length=64, blank=True, db_index=True)
    mobile_verified_at = models.DateTimeField(_("手机验证时间"), null=True, blank=True)
    # For enterprise operators: the unified social credit code and name of the enterprise.
    org_credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True, db_index=True)
    org_name = models.CharField(_("单位名称"), max_length=128, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        # One account per person and per mobile, even when two registrations race.
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_digest"],
                condition=~models.Q(id_number_digest=""),
                name="user_id_number_digest_uniq",
            ),
            models.UniqueConstraint(
                fields=["mobile_digest"],
                condition=~models.Q(mobile_digest=""),
                name="user_mobile_digest_uniq",
            ),
        ]

    def __str__(self) -> str:
        return self.username


class ApiToken(models.Model):
    """A bearer token for /api/v1; only its SM3 digest is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True)
    label = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)


class SmsCode(models.Model):
    """A one-time code sent to a mobile number to prove possession (code stored as a digest)."""

    mobile_digest = models.CharField(max_length=64, db_index=True)
    purpose = models.CharField(max_length=32)  # "register", "login", "reset"
    code_digest = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)


class Enterprise(models.Model):
    """A legal person (法人) known by its unified social credit code; operators act for it online.

    Registered by its first operator, who becomes its administrator and authorises the others.
    """

    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    name = models.CharField(_("单位名称"), max_length=128)
    legal_representative = models.CharField(_("法定代表人"), max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("法人单位")
        verbose_name_plural = _("法人单位")

    def __str__(self) -> str:
        return self.name


class OperatorRole(models.TextChoices):
    ADMIN = "admin", _("管理员")  # registered the enterprise; authorises and revokes the others
    OPERATOR = "operator", _("经办人")  # files and tracks applications for the enterprise


class OperatorState(models.TextChoices):
    REQUESTED = "requested", _("待授权")  # an account claimed the enterprise; its admin decides
    AUTHORISED = "authorised", _("已授权")  # may act for the enterprise
    REVOKED = "revoked", _("已撤销")  # refused or withdrawn by the admin, or given up; final


# (state, action) → state; only core.enterprises moves an authorisation.
OPERATOR_TRANSITIONS: dict[tuple[str, str], str] = {
    (OperatorState.REQUESTED, "authorise"): OperatorState.AUTHORISED,
    (OperatorState.REQUESTED, "revoke"): OperatorState.REVOKED,
    (OperatorState.AUTHORISED, "revoke"): OperatorState.REVOKED,
}


class EnterpriseOperator(models.Model):
    """One account's authorisation to act for an enterprise (经办人授权), revocable."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="operators")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="enterprise_roles")
    role = models.CharField(
        _("角色"), max_length=12, choices=OperatorRole.choices, default=OperatorRole.OPERATOR
    )
    state = models.CharField(
        _("状态"), max_length=12, choices=OperatorState.choices, default=OperatorState.REQUESTED
    )
    requested_at = models.DateTimeField()
    authorised_at = models.DateTimeField(null=True, blank=True)
    authorised_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("经办人授权")
        verbose_name_plural = _("经办人授权")
        ordering = ["enterprise", "requested_at", "id"]
        constraints = [
            # One live authorisation (or request) per account and enterprise; a revoked one stays as history.
            models.UniqueConstraint(
                fields=["enterprise", "user"],
                condition=~models.Q(state="revoked"),
                name="enterpriseoperator_live_uniq",
            ),
        ]
