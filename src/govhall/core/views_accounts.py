"""Account pages: two-step applicant registration (SMS code, then details), login with audit, logout.

Pages call the services in ``govhall.core.accounts``; a DomainError is shown next to its field.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from govhall.core import accounts, audit, twofactor, views_twofactor
from govhall.core.errors import DomainError
from govhall.core.masking import mask_mobile
from govhall.core.models.users import UserKind

SESSION_KEY = "govhall_register"
KIND_CHOICES = [
    (UserKind.PERSON, gettext_lazy("自然人")),
    (UserKind.ENTERPRISE, gettext_lazy("法人（企业经办人）")),
]


class MobileForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("账号类型"), choices=KIND_CHOICES, initial=UserKind.PERSON)
    mobile = forms.CharField(label=gettext_lazy("手机号码"), max_length=20)


class DetailsForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("短信验证码"), max_length=6)
    username = forms.CharField(label=gettext_lazy("用户名"), max_length=30)
    password = forms.CharField(label=gettext_lazy("密码"), widget=forms.PasswordInput, max_length=128)
    password2 = forms.CharField(label=gettext_lazy("确认密码"), widget=forms.PasswordInput, max_length=128)
    real_name = forms.CharField(label=gettext_lazy("真实姓名"), max_length=64)
    id_number = forms.CharField(label=gettext_lazy("居民身份证号码"), max_length=18)
    org_name = forms.CharField(label=gettext_lazy("单位名称"), max_length=128, required=False)
    org_credit_code = forms.CharField(label=gettext_lazy("统一社会信用代码"), max_length=18, required=False)
    legal_representative = forms.CharField(label=gettext_lazy("法定代表人"), max_length=64, required=False)

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password2"):
            self.add_error("password2", _("两次输入的密码不一致。"))
        return data


def _show_error(form: forms.Form, exc: DomainError) -> None:
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    """Step 1: the applicant's kind and mobile; sends the SMS code."""
    form = MobileForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        mobile = form.cleaned_data["mobile"]
        try:
            accounts.sms_code_send(mobile=mobile, purpose="register")
        except DomainError as exc:
            _show_error(form, exc)
        else:
            request.session[SESSION_KEY] = {"mobile": mobile, "kind": form.cleaned_data["kind"]}
            messages.success(request, _("验证码已发送至%(m)s，5分钟内有效。") % {"m": mask_mobile(mobile)})
            return redirect("register-details")
    return render(request, "core/register.html", {"form": form})


@require_http_methods(["GET", "POST"])
def register_details(request: HttpRequest) -> HttpResponse:
    """Step 2: the code and the real-name details; creates the account and signs it in."""
    pending = request.session.get(SESSION_KEY)
    if not pending:
        return redirect("register")
    if request.method == "POST" and request.POST.get("action") == "resend":
        return _resend(request, pending)
    form = DetailsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = accounts.applicant_register(**_register_args(form.cleaned_data, pending))
        except DomainError as exc:
            _show_error(form, exc)
        else:
            del request.session[SESSION_KEY]
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("注册成功，欢迎使用网上政务服务大厅。"))
            return redirect("/")
    context = {"form": form, "mobile_masked": mask_mobile(pending["mobile"]), "kind": pending["kind"]}
    return render(request, "core/register_details.html", context)


def _register_args(data: dict, pending: dict) -> dict:
    fields = (
        "username", "password", "real_name", "id_number", "code", "org_name", "org_credit_code",
        "legal_representative",
    )  # fmt: skip
    return {**{name: data[name] for name in fields}, "mobile": pending["mobile"], "kind": pending["kind"]}


def _resend(request: HttpRequest, pending: dict) -> HttpResponse:
    try:
        accounts.sms_code_send(mobile=pending["mobile"], purpose="register")
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("验证码已重新发送。"))
    return redirect("register-details")


class LoginView(auth_views.LoginView):
    """Staff and applicant login; every attempt is audited (等保 2.0: event, result, source address).

    A staff user with a TOTP device goes on to the code step (``views_twofactor.verify``).

    Lockout after repeated failures is django-axes' (settings AXES_*): its middleware answers with
    the lockout page before this view sees the request.
    """

    template_name = "core/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if twofactor.needs_verification(user):
            # Password right, second factor owed (RULES.md "Security"): not logged in yet.
            return views_twofactor.start_pending(self.request, user, self.get_success_url())
        response = super().form_valid(form)
        audit.record(action="accounts.login", actor=form.get_user(), obj=form.get_user())
        return response

    def form_invalid(self, form):
        username = (form.data.get("username") or "")[:150]
        audit.record(action="accounts.login", success=False, detail={"username": username})
        return super().form_invalid(form)


class LogoutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        user = request.user if request.user.is_authenticated else None
        if user is not None:
            audit.record(action="accounts.logout", actor=user, obj=user)
        return super().post(request, *args, **kwargs)
