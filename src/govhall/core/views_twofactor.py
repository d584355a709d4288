"""Pages of the staff second factor: enrolment (QR code + secret), removal, and the login code step.

After a correct password, ``views_accounts.LoginView`` keeps a staff user with a device *out* of the
session and parks them in ``PENDING_KEY``; only ``verify`` below logs them in, together with
django-otp's ``otp_login`` so that ``user.is_verified()`` holds for the rest of the session.
"""

import time
from base64 import b32encode

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from govhall.core import audit, twofactor
from govhall.core.documents import qr_png_data_uri
from govhall.core.errors import DomainError

PENDING_KEY = "govhall_2fa_pending"
# The password step is worth this long; then the user starts again (RULES.md: staff idle timeout).
PENDING_SECONDS = 300


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("动态验证码"),
        max_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def start_pending(request: HttpRequest, user, next_url: str) -> HttpResponse:
    """Called by the login view: the password was right, the code is still owed."""
    request.session[PENDING_KEY] = {
        "user_id": user.pk,
        "backend": getattr(user, "backend", "django.contrib.auth.backends.ModelBackend"),
        "next": next_url,
        "at": time.time(),
    }
    audit.record(action="accounts.login_password", actor=user, obj=user, detail={"second_factor": "pending"})
    return redirect("2fa-verify")


def _pending_user(request: HttpRequest):
    pending = request.session.get(PENDING_KEY)
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return None, None
    user = get_user_model().objects.filter(pk=pending["user_id"], is_active=True).first()
    return user, pending


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(candidate, {request.get_host()}, request.is_secure()):
        return candidate
    return "/"


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """The code step: for a parked login, or for a session opened elsewhere and not yet verified."""
    user, pending = _pending_user(request)
    if request.user.is_authenticated:
        twofactor.remember_state(request)  # a device may have changed in another session
    if user is None and request.user.is_authenticated and not request.user.is_verified():
        user, pending = request.user, None
    if user is None or not twofactor.needs_verification(user):
        if request.user.is_authenticated:
            return redirect(_safe_next(request, request.GET.get("next")))
        messages.info(request, _("请先输入用户名和密码登录。"))
        return redirect("login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = twofactor.totp_verify(user=user, code=form.cleaned_data["code"])
        except DomainError as exc:
            form.add_error("code", exc.message)
        else:
            return _finish_login(request, user, device, pending)
    return render(request, "core/twofactor_verify.html", {"form": form})


def _finish_login(request: HttpRequest, user, device, pending: dict | None) -> HttpResponse:
    next_url = (pending or {}).get("next") or request.GET.get("next")
    if pending is not None:
        request.session.pop(PENDING_KEY, None)
        login(request, user, backend=pending["backend"])
        audit.record(action="accounts.login", actor=user, obj=user, detail={"second_factor": "totp"})
    otp_login(request, device)
    twofactor.remember_state(request)
    return redirect(_safe_next(request, next_url))


@login_required
@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    """Enrol a TOTP device, or show the enrolled one with a removal form."""
    user = request.user
    if not twofactor.is_staff_user(user):
        messages.info(request, _("申请人账号无需绑定动态验证码。"))
        return redirect("/")
    if twofactor.confirmed_device(user) is not None:
        return _manage(request)
    form = CodeForm(request.POST or None)
    device = twofactor.totp_setup_start(user=user, actor=user)
    if request.method == "POST" and form.is_valid():
        try:
            device = twofactor.totp_confirm(user=user, code=form.cleaned_data["code"], actor=user)
        except DomainError as exc:
            form.add_error("code", exc.message)
        else:
            otp_login(request, device)  # the code just given verifies this session too
            twofactor.remember_state(request)
            messages.success(request, _("动态验证码绑定成功，今后登录需输入验证器中的6位验证码。"))
            return redirect(_safe_next(request, request.GET.get("next")))
    context = {"form": form, "qr": qr_png_data_uri(device.config_url), "secret": _base32(device)}
    return render(request, "core/twofactor_setup.html", context)


def _manage(request: HttpRequest) -> HttpResponse:
    form = CodeForm(request.POST or None)
    if request.method == "POST" and request.POST.get("action") == "remove" and form.is_valid():
        try:
            twofactor.totp_remove(user=request.user, code=form.cleaned_data["code"], actor=request.user)
        except DomainError as exc:
            form.add_error("code", exc.message)
        else:
            twofactor.remember_state(request)
            messages.success(request, _("已解除动态验证码绑定。"))
            return redirect("2fa-setup")
    return render(request, "core/twofactor_manage.html", {"form": form, "mode": twofactor.mode()})


def _base32(device) -> str:
    raw = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))
