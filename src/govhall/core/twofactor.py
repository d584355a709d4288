"""Second login factor for staff: TOTP (RFC 6238) through django-otp.

RULES.md "Security" (等保 2.0 level 3, GB/T 22239-2019 8.1.4.1 d): staff authenticate with two
factors, one of them cryptographic. ``GOVHALL_STAFF_2FA`` decides how strict the centre is:

- ``"off"``: nobody is asked for a code;
- ``"optional"`` (default): staff who enrolled a device must give its code after the password;
- ``"required"``: in addition, a staff user without a device is sent to enrolment first.

Applicants (kind person/enterprise) are never asked: they have no ``staff`` record.
A staff user has at most one confirmed device. Throttling is django-otp's own (the delay doubles
after each wrong code); a failed attempt is audited outside any rolled-back transaction so that
both the audit event and the throttling counter stay. See docs/adr/0009-staff-two-factor.md.
"""

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from govhall.core import audit
from govhall.core.errors import DomainError, NotFound

MODES = ("off", "optional", "required")
DEVICE_NAME = "TOTP"
# Paths a half-logged-in or not-yet-enrolled staff user may still reach (login, logout, 2FA pages,
# assets, and the API, which answers JSON rather than redirecting).
OPEN_PREFIXES = ("/accounts/", "/static/", "/api/")
SETUP_URL = "/accounts/2fa/setup/"
VERIFY_URL = "/accounts/2fa/verify/"
# Session cache of the user's 2FA state: [user id, one of the states below].
STATE_KEY = "govhall_2fa_state"
STATE_EXEMPT, STATE_DEVICE, STATE_NO_DEVICE = "exempt", "device", "no_device"


class TwoFactorError(DomainError):
    code = "2fa_invalid"
    http_status = 400


def mode() -> str:
    value = getattr(settings, "GOVHALL_STAFF_2FA", "optional")
    # A mistyped value must not silently switch the second factor off: treat it as "required".
    return value if value in MODES else "required"


def is_staff_user(user) -> bool:
    """Staff are the users with an org.Staff record; applicants never have one."""
    return bool(user is not None and user.is_authenticated and hasattr(user, "staff"))


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def needs_verification(user) -> bool:
    """True when this user must give a TOTP code after the password."""
    return mode() != "off" and is_staff_user(user) and confirmed_device(user) is not None


def needs_enrolment(user) -> bool:
    return mode() == "required" and is_staff_user(user) and confirmed_device(user) is None


def _require_staff(user) -> None:
    if not is_staff_user(user):
        raise TwoFactorError(_("只有工作人员需要绑定动态验证码。"), code="2fa_not_staff")


@transaction.atomic
def totp_setup_start(*, user, actor) -> TOTPDevice:
    """The user's unconfirmed device, created on first call (the secret stays until confirmed)."""
    _require_staff(user)
    if confirmed_device(user) is not None:
        raise TwoFactorError(_("已绑定动态验证码，如需更换请先解除绑定。"), code="2fa_already_enrolled")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
        audit.record(action="accounts.2fa_setup_started", actor=actor, obj=user)
    return device


def _check_code(device: TOTPDevice, code: str, *, action: str, actor, user) -> None:
    """Verify ``code`` on ``device``; a refusal is audited and raised (throttling counter kept)."""
    code = (code or "").strip()
    allowed, info = device.verify_is_allowed()
    if not allowed:
        wait = max(
            1, int(((info or {}).get("locked_until", timezone.now()) - timezone.now()).total_seconds()) + 1
        )
        _audit_failure(action, actor, user, "throttled")
        raise TwoFactorError(
            _("验证码错误次数过多，请%(s)d秒后再试。") % {"s": wait}, code="2fa_throttled", field="code"
        )
    if not (len(code) == 6 and code.isdigit()):
        device.throttle_increment()
        _audit_failure(action, actor, user, "format")
        raise TwoFactorError(_("请输入6位数字动态验证码。"), field="code")
    if not device.verify_token(code):  # increments django-otp's throttle on failure
        _audit_failure(action, actor, user, "wrong_code")
        raise TwoFactorError(_("动态验证码错误或已过期，请查看验证器中的最新验证码。"), field="code")


def _audit_failure(action: str, actor, user, reason: str) -> None:
    with transaction.atomic():
        audit.record(action=action, actor=actor, obj=user, success=False, detail={"reason": reason})


def totp_confirm(*, user, code: str, actor) -> TOTPDevice:
    """Confirm the pending device with a code from the authenticator app."""
    _require_staff(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    if device is None:
        raise NotFound(_("没有待确认的动态验证码绑定，请重新开始绑定。"), code="2fa_no_pending")
    _check_code(device, code, action="accounts.2fa_enrolled", actor=actor, user=user)
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        audit.record(action="accounts.2fa_enrolled", actor=actor, obj=user, detail={"device": device.pk})
    return device


def totp_verify(*, user, code: str) -> TOTPDevice:
    """The login step after the password: returns the device that verified the user."""
    device = confirmed_device(user)
    if device is None:
        raise NotFound(_("该账号未绑定动态验证码。"), code="2fa_no_device")
    _check_code(device, code, action="accounts.2fa_verify", actor=user, user=user)
    with transaction.atomic():
        audit.record(action="accounts.2fa_verify", actor=user, obj=user, detail={"device": device.pk})
    return device


def totp_remove(*, user, code: str, actor) -> None:
    """Unbind the device; the current code proves the device is still in the user's hands."""
    device = confirmed_device(user)
    if device is None:
        raise NotFound(_("该账号未绑定动态验证码。"), code="2fa_no_device")
    _check_code(device, code, action="accounts.2fa_removed", actor=actor, user=user)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        audit.record(action="accounts.2fa_removed", actor=actor, obj=user, detail={"device": device.pk})


def remember_state(request: HttpRequest) -> str:
    """Look the user's 2FA state up once and keep it in the session (the middleware then costs no
    query per page). The 2FA views call this again after every change of device."""
    user = request.user
    state = STATE_EXEMPT
    if is_staff_user(user):
        state = STATE_DEVICE if confirmed_device(user) is not None else STATE_NO_DEVICE
    request.session[STATE_KEY] = [user.pk, state]
    return state


def _session_state(request: HttpRequest) -> str:
    stored = request.session.get(STATE_KEY)
    if isinstance(stored, list) and len(stored) == 2 and stored[0] == request.user.pk:
        return stored[1]
    return remember_state(request)


class TwoFactorMiddleware:
    """Keeps staff inside the 2FA pages until they verify (or, under "required", enrol).

    Goes after django_otp's OTPMiddleware, which installs ``user.is_verified()``. It also covers
    sessions opened by another login form (e.g. the admin's), which knows nothing of the code.
    A device enrolled or removed in another session is seen by this one at its next 2FA page or
    login; the password-authenticated session itself predates the change.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if mode() == "off" or request.path.startswith(OPEN_PREFIXES) or not user or not user.is_authenticated:
            return self.get_response(request)
        state = _session_state(request)
        if state == STATE_DEVICE and not user.is_verified():
            return redirect(VERIFY_URL + "?" + urlencode({"next": request.get_full_path()}))
        if state == STATE_NO_DEVICE and mode() == "required":
            return redirect(SETUP_URL + "?" + urlencode({"next": request.get_full_path()}))
        return self.get_response(request)
