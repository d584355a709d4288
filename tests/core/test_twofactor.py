"""Staff second factor (TOTP): enrolment, the code step after the password, modes, applicants never asked.

Codes are computed here from the device key with django-otp's RFC 6238 implementation, at a frozen
time (time_machine), so each test controls which 30-second step a code belongs to.
"""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from govhall.core.models import AuditEvent
from govhall.org.models import Role
from tests.org import factories as f

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 2, 9, 0, 0, tzinfo=SHANGHAI)
MIDDLEWARE_PATH = "govhall.core.twofactor.TwoFactorMiddleware"
WRONG_CODE_MESSAGE = "动态验证码错误或已过期"


def code_for(device: TOTPDevice) -> str:
    """The code an authenticator app shows now (the test's clock is frozen by time_machine)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def wrong_code(device: TOTPDevice) -> str:
    return f"{(int(code_for(device)) + 1) % 1_000_000:06d}"


def enrolled_manager(username: str = "manager"):
    staff = f.staff(role=Role.MANAGER, username=username, name="王经理")
    device = TOTPDevice.objects.create(user=staff.user, name="TOTP", confirmed=True)
    return staff.user, device


def password_login(client, username: str, next_url: str = ""):
    data = {"username": username, "password": f.PASSWORD}
    url = "/accounts/login/" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data)


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def with_middleware(settings):
    middleware = list(settings.MIDDLEWARE)
    middleware.insert(middleware.index("django_otp.middleware.OTPMiddleware") + 1, MIDDLEWARE_PATH)
    settings.MIDDLEWARE = middleware
    return settings


# --- enrolment ------------------------------------------------------------------------------


def test_enrolment_shows_qr_and_secret_and_a_real_code_confirms_the_device(client, clock):
    staff = f.staff(role=Role.MANAGER, username="manager")
    client.force_login(staff.user)

    page = client.get("/accounts/2fa/setup/").content.decode()

    device = TOTPDevice.objects.get(user=staff.user)
    assert not device.confirmed
    assert 'src="data:image/png;base64,' in page
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    assert secret  # the base32 secret an app can be given by hand
    assert "otpauth://" in device.config_url

    response = client.post("/accounts/2fa/setup/", {"code": code_for(device)})

    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    event = AuditEvent.objects.get(action="accounts.2fa_enrolled", success=True)
    assert event.actor_id == staff.user.pk
    assert AuditEvent.objects.filter(action="accounts.2fa_setup_started").count() == 1


def test_enrolment_with_a_wrong_code_is_refused_in_chinese_and_nothing_is_confirmed(client, clock):
    staff = f.staff(role=Role.MANAGER, username="manager")
    client.force_login(staff.user)
    client.get("/accounts/2fa/setup/")
    device = TOTPDevice.objects.get(user=staff.user)

    response = client.post("/accounts/2fa/setup/", {"code": wrong_code(device)})

    assert response.status_code == 200
    assert WRONG_CODE_MESSAGE in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed and device.throttling_failure_count == 1
    assert not AuditEvent.objects.filter(action="accounts.2fa_enrolled", success=True).exists()
    assert AuditEvent.objects.filter(action="accounts.2fa_enrolled", success=False).count() == 1


def test_reloading_setup_keeps_the_same_unconfirmed_secret(client, clock):
    staff = f.staff(role=Role.MANAGER, username="manager")
    client.force_login(staff.user)
    client.get("/accounts/2fa/setup/")
    client.get("/accounts/2fa/setup/")

    assert TOTPDevice.objects.filter(user=staff.user).count() == 1


# --- the code step after the password -------------------------------------------------------


def test_enrolled_staff_is_not_logged_in_until_the_code_is_verified(client, clock):
    user, device = enrolled_manager()

    response = password_login(client, "manager", next_url="/org/")

    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/verify/"
    protected = client.get("/org/")
    assert protected.status_code == 302 and protected["Location"].startswith("/accounts/login/")
    assert AuditEvent.objects.filter(action="accounts.login_password", actor_id=user.pk).count() == 1
    assert not AuditEvent.objects.filter(action="accounts.login").exists()

    response = client.post("/accounts/2fa/verify/", {"code": code_for(device)})

    assert response.status_code == 302 and response["Location"] == "/org/"
    assert client.get("/org/").status_code == 200
    login_event = AuditEvent.objects.get(action="accounts.login", success=True)
    assert login_event.actor_id == user.pk and login_event.detail == {"second_factor": "totp"}
    assert AuditEvent.objects.filter(action="accounts.2fa_verify", success=True).count() == 1


def test_wrong_code_is_refused_in_chinese_audited_and_does_not_log_in(client, clock):
    user, device = enrolled_manager()
    password_login(client, "manager")

    response = client.post("/accounts/2fa/verify/", {"code": wrong_code(device)})

    assert response.status_code == 200
    assert WRONG_CODE_MESSAGE in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get("/org/")["Location"].startswith("/accounts/login/")
    failure = AuditEvent.objects.get(action="accounts.2fa_verify", success=False)
    assert failure.actor_id == user.pk and failure.detail == {"reason": "wrong_code"}
    assert not AuditEvent.objects.filter(action="accounts.login").exists()


def test_repeated_wrong_codes_are_throttled_even_a_right_code_waits(client, clock):
    user, device = enrolled_manager()
    password_login(client, "manager")
    client.post("/accounts/2fa/verify/", {"code": wrong_code(device)})

    # django-otp: after n failures the next attempt must wait 2**(n-1) seconds.
    response = client.post("/accounts/2fa/verify/", {"code": code_for(device)})

    assert "验证码错误次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session
    clock.shift(timedelta(seconds=2))
    response = client.post("/accounts/2fa/verify/", {"code": code_for(device)})
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(user.pk)


def test_non_numeric_code_is_refused_with_its_own_message(client, clock):
    enrolled_manager()
    password_login(client, "manager")

    response = client.post("/accounts/2fa/verify/", {"code": "abcdef"})

    assert "请输入6位数字动态验证码" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_code_step_expires_after_five_minutes(client, clock):
    _, device = enrolled_manager()
    password_login(client, "manager")
    clock.shift(timedelta(minutes=6))

    response = client.post("/accounts/2fa/verify/", {"code": code_for(device)})

    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session


def test_verify_page_without_a_password_step_sends_to_login(client):
    response = client.get("/accounts/2fa/verify/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"


def test_staff_without_device_logs_in_with_password_only_under_optional(client, with_middleware):
    f.staff(role=Role.MANAGER, username="manager")

    response = password_login(client, "manager")

    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/org/").status_code == 200


def test_mode_off_asks_nobody_for_a_code(client, settings, with_middleware, clock):
    settings.GOVHALL_STAFF_2FA = "off"
    enrolled_manager()

    password_login(client, "manager")

    assert client.get("/org/").status_code == 200


# --- middleware: sessions opened elsewhere, and "required" ----------------------------------


def test_a_session_opened_without_the_code_is_held_at_verify(client, with_middleware, clock):
    user, device = enrolled_manager()
    client.force_login(user)  # as another login form (e.g. the admin's) would

    response = client.get("/org/")
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/verify/?next=%2Forg%2F"

    response = client.post("/accounts/2fa/verify/?next=/org/", {"code": code_for(device)})
    assert response["Location"] == "/org/"
    assert client.get("/org/").status_code == 200


def test_required_mode_sends_staff_without_device_to_setup_before_any_page(
    client, settings, with_middleware, clock
):
    settings.GOVHALL_STAFF_2FA = "required"
    staff = f.staff(role=Role.MANAGER, username="manager")
    password_login(client, "manager")

    for url in ("/org/", "/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/2fa/setup/")
    assert client.get("/accounts/2fa/setup/").status_code == 200
    assert client.get("/api/v1/org/departments").status_code != 302

    device = TOTPDevice.objects.get(user=staff.user)
    client.post("/accounts/2fa/setup/", {"code": code_for(device)})
    assert client.get("/org/").status_code == 200


@pytest.mark.parametrize("kind", ["person", "enterprise"])
def test_applicants_are_never_asked_even_when_required(client, settings, with_middleware, kind):
    settings.GOVHALL_STAFF_2FA = "required"
    get_user_model().objects.create_user(
        username="zhangsan", password=f.PASSWORD, kind=kind, real_name="张三"
    )

    response = password_login(client, "zhangsan")

    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    setup = client.get("/accounts/2fa/setup/")
    assert setup.status_code == 302 and setup["Location"] == "/"
    assert not TOTPDevice.objects.exists()
    assert AuditEvent.objects.filter(action="accounts.login", success=True).count() == 1


# --- removal --------------------------------------------------------------------------------


def test_removal_needs_the_current_code_and_is_audited(client, clock):
    user, device = enrolled_manager()
    client.force_login(user)

    response = client.post("/accounts/2fa/setup/", {"action": "remove", "code": wrong_code(device)})

    assert WRONG_CODE_MESSAGE in response.content.decode()
    assert TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    assert AuditEvent.objects.filter(action="accounts.2fa_removed", success=False).count() == 1

    clock.shift(timedelta(seconds=60))
    response = client.post("/accounts/2fa/setup/", {"action": "remove", "code": code_for(device)})

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert AuditEvent.objects.filter(action="accounts.2fa_removed", success=True).count() == 1


def test_device_removed_in_another_session_does_not_trap_this_one(client, with_middleware, clock):
    user, device = enrolled_manager()
    password_login(client, "manager")
    client.post("/accounts/2fa/verify/", {"code": code_for(device)})
    TOTPDevice.objects.filter(user=user).delete()  # as the other session's removal would

    response = client.get("/org/")  # this session's device is gone: it is no longer verified
    assert response["Location"] == "/accounts/2fa/verify/?next=%2Forg%2F"

    response = client.get(response["Location"])
    assert response["Location"] == "/org/"
    assert client.get("/org/").status_code == 200


def test_the_middleware_adds_no_query_once_the_session_knows_the_state(client, settings, clock):
    user = f.staff(role=Role.MANAGER, username="manager").user
    client.force_login(user)

    def queries_for_org_page() -> int:
        client.get("/org/")  # warm the session and the caches
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/org/").status_code == 200
        return len(captured)

    without = queries_for_org_page()
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, MIDDLEWARE_PATH]
    client.handler.load_middleware()

    assert queries_for_org_page() == without
