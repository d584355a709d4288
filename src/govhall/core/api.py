"""The shared kernel's API: bearer auth for every router, working-day arithmetic (public), and the
caller's own account and tokens (bearer)."""

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema
from ninja.security import HttpBearer

from govhall.core import accounts
from govhall.core.errors import DomainError, ValidationFailed
from govhall.core.masking import mask_mobile, mask_name
from govhall.core.models import User

router = Router(tags=["工作日"])


class BearerAuth(HttpBearer):
    """``Authorization: Bearer <token>``: the token is looked up by its SM3 digest; revoked tokens
    and inactive users are refused (401). Public endpoints (catalogue, organisation, working days)
    declare no auth; others use ``auth=bearer`` and read the caller with ``api_actor(request)``.
    """

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = accounts.api_token_authenticate(token.strip())
        if user is not None:
            # Permission checks and audit records read the caller from request.user, as on pages.
            request.user = user
        return user


bearer = BearerAuth()


def api_actor(request: HttpRequest) -> User:
    """The authenticated caller of an endpoint declared with ``auth=bearer``."""
    return request.auth


MAX_WORKDAYS = 2000  # ~8 years: longer than any statutory limit, short enough to stay in the calendar
DUE_UNITS = {"workday", "day", "hour"}


class WorkdaysInvalid(ValidationFailed):
    code = "workdays.invalid"


class DateOut(Schema):
    date: date


class CountOut(Schema):
    workdays: int


class DueOut(Schema):
    due: datetime


def _parse_date(value: str, field: str, label: str) -> date:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        raise WorkdaysInvalid(f"{label}格式无效，应为YYYY-MM-DD，如2026-09-30。", field=field) from None


def _parse_amount(value: str, field: str, label: str) -> Decimal:
    try:
        amount = Decimal((value or "").strip())
    except InvalidOperation:
        raise WorkdaysInvalid(f"{label}必须是数字。", field=field) from None
    if not amount.is_finite() or amount < 0 or amount > MAX_WORKDAYS:
        raise WorkdaysInvalid(f"{label}须在0至{MAX_WORKDAYS}之间。", field=field)
    return amount


def _parse_instant(value: str) -> datetime:
    try:
        instant = datetime.fromisoformat((value or "").strip())
    except ValueError:
        raise WorkdaysInvalid(
            "起算时间格式无效，应为ISO 8601，如2026-09-30T09:00:00+08:00。", field="start"
        ) from None
    if timezone.is_naive(instant):
        # A time without an offset is the centre's local time (Asia/Shanghai).
        instant = timezone.make_aware(instant)
    return instant


def _calendar_call(name: str, *args):
    """Dates outside the calendar's range come back as a 400, not a 500."""
    # Imported on use: the working-day module is built alongside this one (interface fixed).
    from govhall.core import workdays

    try:
        return getattr(workdays, name)(*args)
    except DomainError as exc:  # out of the calendar's range, a bad unit or amount
        raise WorkdaysInvalid(exc.message, field=exc.field) from exc
    except (ValueError, OverflowError) as exc:
        raise WorkdaysInvalid(f"无法计算：{exc}") from exc


@router.get("/workdays/add", response=DateOut, summary="N个工作日后的日期（起算日不计入）")
def workdays_add(request: HttpRequest, date: str = "", n: str = ""):  # noqa: A002 - the public parameter name
    start = _parse_date(date, "date", "起算日期")
    amount = _parse_amount(n, "n", "工作日数n")
    if amount != amount.to_integral_value() and (amount * 2) != (amount * 2).to_integral_value():
        raise WorkdaysInvalid("工作日数n须为整数或半日（0.5）的倍数。", field="n")
    count = int(amount) if amount == amount.to_integral_value() else amount
    return {"date": _calendar_call("add_workdays", start, count)}


@router.get("/workdays/between", response=CountOut, summary="(a, b] 之间的工作日数")
def workdays_between(request: HttpRequest, a: str = "", b: str = ""):
    first, second = _parse_date(a, "a", "日期a"), _parse_date(b, "b", "日期b")
    if second < first:
        raise WorkdaysInvalid("日期b不能早于日期a。", field="b")
    return {"workdays": _calendar_call("workdays_between", first, second)}


@router.get("/workdays/due", response=DueOut, summary="按工作日（半日）、自然日或小时计算到期时间")
def workdays_due(request: HttpRequest, start: str = "", amount: str = "", unit: str = "workday"):
    instant = _parse_instant(start)
    value = _parse_amount(amount, "amount", "时限amount")
    if unit not in DUE_UNITS:
        raise WorkdaysInvalid(
            "时限单位unit只能是workday（工作日）、day（自然日）或hour（小时）。", field="unit"
        )
    due = _calendar_call("due_instant", instant, value, unit)
    return {"due": timezone.localtime(due)}


# --- the caller's own account (bearer token) --------------------------------------------------


class MeOut(Schema):
    username: str
    kind: str
    real_name_masked: str
    mobile_masked: str
    is_staff: bool


class TokenOut(Schema):
    id: int
    label: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@router.get("/me", response=MeOut, auth=bearer, tags=["账号"], summary="当前令牌所属账号（脱敏）")
def me(request: HttpRequest):
    from govhall.core.personal import user_mobile

    user = api_actor(request)
    return {
        "username": user.username,
        "kind": user.kind,
        "real_name_masked": mask_name(user.real_name),
        "mobile_masked": mask_mobile(user_mobile(user)),
        "is_staff": user.is_staff,
    }


@router.get("/me/tokens", response=list[TokenOut], auth=bearer, tags=["账号"], summary="本人的API令牌")
def my_tokens(request: HttpRequest):
    return list(api_actor(request).api_tokens.order_by("-created_at"))


@router.delete("/tokens/{token_id}", response=TokenOut, auth=bearer, tags=["账号"], summary="吊销令牌")
def token_revoke(request: HttpRequest, token_id: int):
    token = accounts.api_token_get(token_id=token_id)
    return accounts.api_token_revoke(token=token, actor=api_actor(request))
