"""等保 2.0 level 3 controls on pages: lockout, CSRF, CSP and headers, idle timeout, password policy."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import include, path

from govhall.core.models import AuditEvent
from tests.api.accounts_helpers import PASSWORD, make_staff

pytestmark = pytest.mark.django_db
NOON = datetime(2026, 3, 2, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
PAGES = ["/", "/accounts/login/", "/accounts/register/", "/api/v1/docs"]

# The account pages' own URLs first, as govhall.core.urls will route them (login audit lives there).
urlpatterns = [
    path("accounts/", include("govhall.core.account_urls")),
    path("", include("govhall.config.urls")),
]


def _login(client: Client, password: str, username: str = "clerk", ip: str = "10.1.1.1"):
    data = {"username": username, "password": password}
    return client.post("/accounts/login/", data, REMOTE_ADDR=ip)


# --- lockout (django-axes) -----------------------------------------------------------------


def test_five_failures_lock_the_account_for_five_minutes_by_user_and_address(client):
    make_staff("clerk")
    with time_machine.travel(NOON, tick=False) as clock:
        for _ in range(4):
            assert _login(client, "wrong-Pass1").status_code == 200
        locked = _login(client, "wrong-Pass1")
        assert locked.status_code == 429 and "账号已临时锁定" in locked.content.decode()
        # Now even the right password is refused from this address …
        again = _login(client, PASSWORD)
        assert again.status_code == 429 and "_auth_user_id" not in client.session
        # … but the same user from another address, and another user here, are not locked.
        assert _login(Client(), PASSWORD, ip="10.2.2.2").status_code == 302
        make_staff("chief")
        assert _login(Client(), PASSWORD, username="chief").status_code == 302

        clock.shift(timedelta(minutes=5, seconds=1))
        assert _login(client, PASSWORD).status_code == 302


def test_login_page_is_in_chinese_and_says_why_it_failed(client):
    make_staff("clerk")
    response = _login(client, "wrong-Pass1")
    body = response.content.decode()
    assert "用户名或密码错误" in body and "锁定5分钟" in body


@pytest.mark.urls(__name__)
def test_login_success_and_failure_are_audited_with_source_address(client):
    clerk = make_staff("clerk")
    _login(client, "wrong-Pass1", ip="10.9.9.9")
    _login(client, PASSWORD, ip="10.9.9.9")

    failed, ok = AuditEvent.objects.filter(action="accounts.login").order_by("id")
    assert not failed.success and failed.detail["username"] == "clerk" and failed.source_ip == "10.9.9.9"
    assert ok.success and ok.actor_id == clerk.pk
    client.post("/accounts/logout/")
    assert AuditEvent.objects.filter(action="accounts.logout", actor_id=clerk.pk).count() == 1


# --- CSRF ----------------------------------------------------------------------------------


def test_post_forms_require_the_csrf_token():
    make_staff("clerk")
    client = Client(enforce_csrf_checks=True)
    for url, data in [
        ("/accounts/login/", {"username": "clerk", "password": PASSWORD}),
        ("/accounts/register/", {"kind": "person", "mobile": "13800138000"}),
    ]:
        assert client.post(url, data).status_code == 403
    assert "_auth_user_id" not in client.session

    page = client.get("/accounts/login/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(
        "/accounts/login/", {"username": "clerk", "password": PASSWORD, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302 and "_auth_user_id" in client.session


# --- CSP and headers -----------------------------------------------------------------------


@pytest.mark.parametrize("url", PAGES)
def test_pages_carry_a_strict_content_security_policy(client, url):
    response = client.get(url)
    assert response.status_code == 200
    policy = dict(
        (part.strip().split(" ", 1) + [""])[:2]
        for part in response["Content-Security-Policy"].split(";")
        if part.strip()
    )
    assert policy["script-src"] == "'self'" and policy["default-src"] == "'self'"
    assert policy["object-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
    assert "unsafe" not in response["Content-Security-Policy"]
    body = response.content.decode()
    # Nothing the policy would block: no inline code, no handlers in markup, no external origin.
    for tag in re.findall(r"<script\b[^>]*>", body):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert not re.search(r"\son[a-z]+\s*=", body)
    assert not re.search(r'(?:src|href)="(?:https?:)?//', body)


@pytest.mark.parametrize("url", ["/accounts/login/", "/accounts/register/"])
def test_account_pages_have_no_inline_styles(client, url):
    assert " style=" not in client.get(url).content.decode()


def test_security_headers_and_cookie_flags(client):
    make_staff("clerk")
    response = _login(client, PASSWORD)
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


# --- idle timeout --------------------------------------------------------------------------


def test_session_ends_after_ten_idle_minutes_and_activity_extends_it(client):
    assert settings.SESSION_COOKIE_AGE == 600 and settings.SESSION_SAVE_EVERY_REQUEST
    clerk = make_staff("clerk")
    with time_machine.travel(NOON, tick=False) as clock:
        client.force_login(clerk)
        clock.shift(timedelta(minutes=9))
        assert client.get("/").wsgi_request.user.is_authenticated  # activity: the clock restarts
        clock.shift(timedelta(minutes=9))
        assert client.get("/").wsgi_request.user.is_authenticated
        clock.shift(timedelta(minutes=10, seconds=1))
        assert not client.get("/").wsgi_request.user.is_authenticated


# --- password policy -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "text"),
    [
        ("abcdefgh1", "至少3类"),  # two classes
        ("ABCDEFGH#", "至少3类"),
        ("Ab1#xyz", "8"),  # seven characters
        ("Password1", "常见"),  # three classes but on the common list
    ],
)
def test_password_policy_refuses_weak_passwords_in_chinese(password, text):
    with pytest.raises(ValidationError) as exc:
        validate_password(password)
    assert any(text in message for message in exc.value.messages), exc.value.messages


@pytest.mark.parametrize("password", ["Govhall#2026", "qiLi-2026x", "政务Abc123"])
def test_password_policy_accepts_strong_passwords(password):
    assert validate_password(password) is None
