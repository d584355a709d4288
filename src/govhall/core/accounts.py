"""Accounts: SMS codes proving a mobile number, applicant registration, API tokens.

Every write is a service here (STYLE.md 2); pages and the API call them. Personal numbers are stored
through ``govhall.core.personal`` (SM4 at rest, keyed SM3 digest for lookup).
"""

import math
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from govhall.core import audit, identity, outbox
from govhall.core.crypto import keyed_digest, sm3_hex
from govhall.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from govhall.core.models import ApiToken, Enterprise, SmsCode, User
from govhall.core.models.users import UserKind

SMS_CODE_TTL = timedelta(minutes=5)
SMS_RESEND_INTERVAL = timedelta(seconds=60)
SMS_DAILY_LIMIT = 10
SMS_MAX_ATTEMPTS = 5
SMS_PURPOSES = {"register": "注册", "login": "登录", "reset": "重置密码"}
APPLICANT_KINDS = (UserKind.PERSON, UserKind.ENTERPRISE)
TOKEN_PREFIX = "gh_"  # noqa: S105 - a public marker that makes leaked tokens easy to scan for
USERNAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{3,29}$")
NAME_FORBIDDEN = re.compile(r"[0-9０-９@#$%^&*_=+<>{}\[\]\\|/;:\"!?？！，,。]")


class AccountError(ValidationFailed):
    code = "accounts.invalid"


class RateLimited(DomainError):
    code = "accounts.sms_rate_limited"
    http_status = 429


# --- SMS codes -------------------------------------------------------------------------------


def _normalized_mobile(mobile: str) -> str:
    result = identity.check_mobile(mobile or "")
    if not result.valid:
        raise AccountError(result.reason, code="accounts.mobile_invalid", field="mobile")
    return result.normalized


def _code_digest(mobile: str, purpose: str, code: str) -> str:
    # Keyed: a 6-digit code is easy to brute-force from a plain hash, not from an HMAC.
    return keyed_digest(f"sms:{purpose}:{mobile}:{code}")


def _check_purpose(purpose: str) -> None:
    if purpose not in SMS_PURPOSES:
        raise AccountError("验证码用途无效。", code="accounts.purpose_invalid", field="purpose")


def _check_send_rate(mobile_digest: str, now) -> None:
    recent = SmsCode.objects.filter(mobile_digest=mobile_digest)
    # Lock the newest code of this number (PostgreSQL) so two clicks cannot both pass the check.
    last = recent.select_for_update().order_by("-created_at").first()
    if last is not None and now - last.created_at < SMS_RESEND_INTERVAL:
        wait = math.ceil((SMS_RESEND_INTERVAL - (now - last.created_at)).total_seconds())
        raise RateLimited(f"验证码发送过于频繁，请{wait}秒后再试。", field="mobile", retry_after=wait)
    day_start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    if recent.filter(created_at__gte=day_start).count() >= SMS_DAILY_LIMIT:
        raise RateLimited(
            f"该手机号今日获取验证码已达{SMS_DAILY_LIMIT}次，请明天再试。",
            code="accounts.sms_daily_limit",
            field="mobile",
        )


@transaction.atomic(durable=True)
def sms_code_send(*, mobile: str, purpose: str, actor=None) -> SmsCode:
    """Send a 6-digit code to ``mobile``: one per 60 s and ≤ 10 a day per number, valid 5 minutes."""
    _check_purpose(purpose)
    normalized = _normalized_mobile(mobile)
    mobile_digest = keyed_digest(normalized)
    now = timezone.now()
    _check_send_rate(mobile_digest, now)
    code = f"{secrets.randbelow(1_000_000):06d}"
    sms = SmsCode.objects.create(
        mobile_digest=mobile_digest,
        purpose=purpose,
        code_digest=_code_digest(normalized, purpose, code),
        created_at=now,
        expires_at=now + SMS_CODE_TTL,
    )
    text = f"您的{SMS_PURPOSES[purpose]}验证码为{code}，5分钟内有效。如非本人操作，请忽略本短信。"
    outbox.enqueue(kind="sms", topic=f"sms_code.{purpose}", payload={"mobile": normalized, "text": text})
    audit.record(
        action="accounts.sms_code_send",
        actor=actor,
        obj=sms,
        detail={"purpose": purpose, "mobile_digest": mobile_digest},
    )
    return sms


def _code_problem(sms: SmsCode | None, now) -> AccountError | None:
    if sms is None:
        return AccountError("请先获取短信验证码。", code="accounts.code_missing", field="code")
    if sms.used_at is not None:
        return AccountError("验证码已使用，请重新获取。", code="accounts.code_used", field="code")
    if sms.expires_at <= now:
        return AccountError("验证码已过期，请重新获取。", code="accounts.code_expired", field="code")
    if sms.attempts >= SMS_MAX_ATTEMPTS:
        return AccountError("验证码错误次数过多，请重新获取。", code="accounts.code_locked", field="code")
    return None


def sms_code_verify(*, mobile: str, purpose: str, code: str) -> SmsCode:
    """Consume the newest code for ``mobile``: at most 5 guesses, and a right one works once.

    Runs in its own durable transaction and raises only after it commits, so a wrong guess is
    counted even though the caller sees an error (otherwise the rollback would undo the count).
    """
    _check_purpose(purpose)
    normalized = _normalized_mobile(mobile)
    with transaction.atomic(durable=True):
        now = timezone.now()
        sms = (
            SmsCode.objects.select_for_update()
            .filter(mobile_digest=keyed_digest(normalized), purpose=purpose)
            .order_by("-created_at", "-id")
            .first()
        )
        problem = _code_problem(sms, now)
        if problem is None:
            SmsCode.objects.filter(pk=sms.pk).update(attempts=F("attempts") + 1)
            given = _code_digest(normalized, purpose, (code or "").strip())
            if secrets.compare_digest(given, sms.code_digest):
                SmsCode.objects.filter(pk=sms.pk).update(used_at=now)
            else:
                left = SMS_MAX_ATTEMPTS - sms.attempts - 1
                problem = AccountError(
                    f"验证码错误，还可尝试{left}次。" if left else "验证码错误次数过多，请重新获取。",
                    code="accounts.code_wrong",
                    field="code",
                )
    if problem is not None:
        raise problem
    sms.refresh_from_db()
    return sms


# --- applicant registration ------------------------------------------------------------------


@dataclass(frozen=True)
class Registration:
    """Registration input after validation; numbers normalised."""

    username: str
    password: str
    real_name: str
    id_number: str
    mobile: str
    kind: str
    org_credit_code: str
    org_name: str
    legal_representative: str = ""


def _validate_username(username: str) -> str:
    username = (username or "").strip()
    if not USERNAME_RE.match(username):
        raise AccountError(
            "用户名须为4至30位字母、数字或“_.-”，并以字母开头。",
            code="accounts.username_invalid",
            field="username",
        )
    if User.objects.filter(username__iexact=username).exists():
        raise AccountError("该用户名已被注册。", code="accounts.username_taken", field="username")
    return username


def _validate_password(password: str, username: str, real_name: str) -> None:
    probe = User(username=username, real_name=real_name)
    try:
        password_validation.validate_password(password or "", user=probe)
    except ValidationError as exc:
        message = "密码不符合要求：" + "".join(exc.messages)
        raise AccountError(message, code="accounts.password_weak", field="password") from exc


def _validate_real_name(real_name: str) -> str:
    real_name = re.sub(r"\s+", " ", real_name or "").strip()
    # Letters of any script and the middle dot of minority and foreign names (阿依古丽·买买提).
    if not 2 <= len(real_name) <= 64 or NAME_FORBIDDEN.search(real_name):
        raise AccountError(
            "请填写与身份证件一致的真实姓名（不含数字或符号）。",
            code="accounts.name_invalid",
            field="real_name",
        )
    return real_name


def _validate_id_number(id_number: str) -> str:
    result = identity.check_ric(id_number or "")
    if not result.valid:
        raise AccountError(result.reason, code="accounts.id_invalid", field="id_number")
    return result.normalized


def _validate_enterprise(
    kind: str, org_credit_code: str, org_name: str, legal_rep: str
) -> tuple[str, str, str]:
    """A new enterprise needs its name and legal representative; an existing one is joined as a
    request its administrator decides (core.enterprises), under the name it was registered with."""
    if kind != UserKind.ENTERPRISE:
        return "", "", ""
    result = identity.check_uscc(org_credit_code or "")
    if not result.valid:
        raise AccountError(result.reason, code="accounts.uscc_invalid", field="org_credit_code")
    existing = Enterprise.objects.filter(credit_code=result.normalized).first()
    if existing is not None:
        return result.normalized, existing.name, existing.legal_representative
    org_name = (org_name or "").strip()
    if not 2 <= len(org_name) <= 128:
        raise AccountError("请填写单位名称。", code="accounts.org_name_invalid", field="org_name")
    legal_rep = re.sub(r"\s+", " ", legal_rep or "").strip()
    if not 2 <= len(legal_rep) <= 64 or NAME_FORBIDDEN.search(legal_rep):
        raise AccountError(
            "请填写与营业执照一致的法定代表人姓名。",
            code="accounts.legal_rep_invalid",
            field="legal_representative",
        )
    return result.normalized, org_name, legal_rep


def _validate_registration(**raw) -> Registration:
    """Every check that needs no write, so a bad input never consumes the SMS code."""
    kind = raw["kind"]
    if kind not in APPLICANT_KINDS:
        raise AccountError("账号类型只能是自然人或法人。", code="accounts.kind_invalid", field="kind")
    username = _validate_username(raw["username"])
    real_name = _validate_real_name(raw["real_name"])
    _validate_password(raw["password"], username, real_name)
    id_number = _validate_id_number(raw["id_number"])
    # One natural person, one account (govhall.core.personal enforces it again under a lock).
    if User.objects.filter(id_number_digest=keyed_digest(id_number)).exists():
        raise AccountError("该身份证号已注册，请直接登录。", code="accounts.id_registered", field="id_number")
    mobile = _normalized_mobile(raw["mobile"])
    if User.objects.filter(mobile_digest=keyed_digest(mobile)).exists():
        raise AccountError("该手机号已注册，请直接登录。", code="accounts.mobile_registered", field="mobile")
    credit_code, org_name, legal_rep = _validate_enterprise(
        kind, raw["org_credit_code"], raw["org_name"], raw.get("legal_representative", "")
    )
    return Registration(
        username, raw["password"], real_name, id_number, mobile, kind, credit_code, org_name, legal_rep
    )


def applicant_register(
    *,
    username: str,
    password: str,
    real_name: str,
    id_number: str,
    mobile: str,
    code: str,
    kind: str = UserKind.PERSON,
    org_credit_code: str = "",
    org_name: str = "",
    legal_representative: str = "",
) -> User:
    """Create a real-name applicant account (person or enterprise operator) after the SMS code.

    An enterprise operator registers the enterprise (and administers it) or, when it is registered
    already, asks its administrator for authorisation (``core.enterprises``).
    """
    reg = _validate_registration(
        username=username,
        password=password,
        real_name=real_name,
        id_number=id_number,
        mobile=mobile,
        kind=kind,
        org_credit_code=org_credit_code,
        org_name=org_name,
        legal_representative=legal_representative,
    )
    sms = sms_code_verify(mobile=reg.mobile, purpose="register", code=code)
    try:
        return _applicant_create(reg, sms)
    except IntegrityError as exc:  # the same username won a race since the check above
        raise AccountError("该用户名已被注册。", code="accounts.username_taken", field="username") from exc


@transaction.atomic(durable=True)
def _applicant_create(reg: Registration, sms: SmsCode) -> User:
    from govhall.core.personal import user_set_identity

    user = User(username=reg.username, kind=reg.kind, is_staff=False)
    user.set_password(reg.password)
    user.org_credit_code, user.org_name = reg.org_credit_code, reg.org_name
    user.save()
    user_set_identity(user=user, real_name=reg.real_name, id_number=reg.id_number, mobile=reg.mobile)
    # After the identity is set: setting a mobile clears its verification, and the code proved it.
    user.mobile_verified_at = sms.used_at
    user.save(update_fields=["mobile_verified_at"])
    if reg.kind == UserKind.ENTERPRISE:
        from govhall.core.enterprises import enterprise_claim

        enterprise_claim(user=user, credit_code=reg.org_credit_code, name=reg.org_name,
                         legal_representative=reg.legal_representative)  # fmt: skip
    audit.record(
        action="accounts.applicant_register",
        actor=user,
        obj=user,
        after={"username": user.username, "kind": user.kind, "org_credit_code": user.org_credit_code},
    )
    return user


# --- API tokens ------------------------------------------------------------------------------


def token_digest(raw: str) -> str:
    return sm3_hex(raw)


@transaction.atomic(durable=True)
def api_token_create(*, user: User, label: str = "", actor=None) -> tuple[ApiToken, str]:
    """A new bearer token; the raw value is returned once and only its SM3 digest is stored."""
    if not user.is_active:
        raise AccountError("该账号已停用，不能签发令牌。", code="accounts.user_inactive")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, digest=token_digest(raw), label=(label or "")[:64])
    audit.record(
        action="accounts.api_token_create",
        actor=actor,
        obj=token,
        after={"user": user.username, "label": label},
    )
    return token, raw


@transaction.atomic(durable=True)
def api_token_revoke(*, token: ApiToken, actor=None) -> ApiToken:
    """Revoke a token; an actor other than the owner must be a superuser (the CLI passes none)."""
    if actor is not None and actor.pk != token.user_id and not actor.is_superuser:
        raise PermissionDenied("只能吊销本人的令牌。", code="accounts.token_forbidden")
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(
            action="accounts.api_token_revoke", actor=actor, obj=token, detail={"label": token.label}
        )
    return token


def api_token_get(*, token_id: int) -> ApiToken:
    token = ApiToken.objects.select_related("user").filter(pk=token_id).first()
    if token is None:
        raise NotFound("令牌不存在。", code="accounts.token_not_found")
    return token


def api_token_authenticate(raw: str) -> User | None:
    """The active user holding an unrevoked token, stamping ``last_used_at``; None otherwise."""
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 128:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=token_digest(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    # A single UPDATE, throttled to once a minute, keeps reads cheap on busy tokens.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
