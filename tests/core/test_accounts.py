"""SMS codes and applicant registration: every bad input names its problem in Chinese and changes nothing."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from govhall.core import accounts
from govhall.core.accounts import AccountError, RateLimited
from govhall.core.crypto import keyed_digest
from govhall.core.errors import DomainError
from govhall.core.models import AuditEvent, OutboxMessage, SmsCode, User
from govhall.core.personal import user_id_number, user_mobile
from tests.api.accounts_helpers import (
    CREDIT_CODE,
    MOBILE,
    OTHER_ID,
    OTHER_MOBILE,
    PASSWORD,
    ZHANG_SAN_ID,
    register_person,
    send_code,
)

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
MORNING = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)


def _register(**overrides):
    args = {
        "username": "zhangsan",
        "password": PASSWORD,
        "real_name": "张三",
        "id_number": ZHANG_SAN_ID,
        "mobile": MOBILE,
        "code": "",
        "kind": "person",
    }
    args.update(overrides)
    return accounts.applicant_register(**args)


# --- sending codes --------------------------------------------------------------------------


def test_send_queues_one_sms_with_a_six_digit_code_and_stores_only_a_digest():
    code = send_code(MOBILE)

    sms = SmsCode.objects.get()
    assert len(code) == 6 and code.isdigit()
    assert code not in sms.code_digest and sms.mobile_digest == keyed_digest(MOBILE)
    assert sms.expires_at - sms.created_at == timedelta(minutes=5)
    row = OutboxMessage.objects.get(kind="sms")
    assert row.payload["mobile"] == MOBILE and row.topic == "sms_code.register"
    assert AuditEvent.objects.filter(action="accounts.sms_code_send").count() == 1


def test_send_to_an_invalid_mobile_is_refused_and_nothing_is_queued():
    with pytest.raises(AccountError) as exc:
        accounts.sms_code_send(mobile="12345678901", purpose="register")

    assert exc.value.code == "accounts.mobile_invalid" and "号段" in exc.value.message
    assert not SmsCode.objects.exists() and not OutboxMessage.objects.exists()


def test_unknown_purpose_is_refused():
    with pytest.raises(AccountError, match="用途"):
        accounts.sms_code_send(mobile=MOBILE, purpose="spam")
    assert not SmsCode.objects.exists()


def test_one_code_per_minute_per_number():
    with time_machine.travel(MORNING, tick=False) as clock:
        send_code(MOBILE)
        clock.shift(timedelta(seconds=30))
        with pytest.raises(RateLimited) as exc:
            accounts.sms_code_send(mobile=MOBILE, purpose="register")
        assert exc.value.http_status == 429 and "30秒后再试" in exc.value.message
        assert SmsCode.objects.count() == 1 and OutboxMessage.objects.count() == 1

        send_code(OTHER_MOBILE)  # another number is not held back
        clock.shift(timedelta(seconds=31))
        send_code(MOBILE)
    assert SmsCode.objects.count() == 3


def test_at_most_ten_codes_a_day_per_number():
    with time_machine.travel(MORNING, tick=False) as clock:
        for _ in range(accounts.SMS_DAILY_LIMIT):
            send_code(MOBILE)
            clock.shift(timedelta(minutes=2))
        with pytest.raises(RateLimited) as exc:
            accounts.sms_code_send(mobile=MOBILE, purpose="register")
        assert exc.value.code == "accounts.sms_daily_limit" and "明天" in exc.value.message
        assert SmsCode.objects.count() == 10

        clock.move_to(datetime(2026, 3, 3, 0, 0, 1, tzinfo=SHANGHAI))  # a new day in Beijing time
        send_code(MOBILE)
    assert SmsCode.objects.count() == 11


# --- verifying codes ------------------------------------------------------------------------


def test_right_code_verifies_once():
    code = send_code(MOBILE)

    sms = accounts.sms_code_verify(mobile=MOBILE, purpose="register", code=code)
    assert sms.used_at is not None
    with pytest.raises(AccountError) as exc:
        accounts.sms_code_verify(mobile=MOBILE, purpose="register", code=code)
    assert exc.value.code == "accounts.code_used"


def test_wrong_guesses_are_counted_and_the_fifth_locks_the_code():
    code = send_code(MOBILE)
    wrong = "000000" if code != "000000" else "111111"

    for left in (4, 3, 2, 1):
        with pytest.raises(AccountError, match=f"还可尝试{left}次"):
            accounts.sms_code_verify(mobile=MOBILE, purpose="register", code=wrong)
    with pytest.raises(AccountError, match="错误次数过多"):
        accounts.sms_code_verify(mobile=MOBILE, purpose="register", code=wrong)
    # Even the right code no longer works after five wrong guesses.
    with pytest.raises(AccountError) as exc:
        accounts.sms_code_verify(mobile=MOBILE, purpose="register", code=code)
    assert exc.value.code == "accounts.code_locked"
    assert SmsCode.objects.get().attempts == 5 and SmsCode.objects.get().used_at is None


def test_code_expires_after_five_minutes():
    with time_machine.travel(MORNING, tick=False) as clock:
        code = send_code(MOBILE)
        clock.shift(timedelta(minutes=5, seconds=1))
        with pytest.raises(AccountError) as exc:
            accounts.sms_code_verify(mobile=MOBILE, purpose="register", code=code)
    assert exc.value.code == "accounts.code_expired" and "过期" in exc.value.message


def test_code_is_bound_to_its_purpose_and_number():
    code = send_code(MOBILE)
    with pytest.raises(AccountError, match="请先获取"):
        accounts.sms_code_verify(mobile=MOBILE, purpose="login", code=code)
    with pytest.raises(AccountError, match="请先获取"):
        accounts.sms_code_verify(mobile=OTHER_MOBILE, purpose="register", code=code)


# --- registration ---------------------------------------------------------------------------


def test_person_registers_with_encrypted_identity_and_audit():
    user = register_person()

    user.refresh_from_db()
    assert user.kind == "person" and not user.is_staff and user.check_password(PASSWORD)
    assert user.real_name == "张三" and user.mobile_verified_at is not None
    assert ZHANG_SAN_ID not in user.id_number_cipher and user_id_number(user) == ZHANG_SAN_ID
    assert user_mobile(user) == MOBILE
    event = AuditEvent.objects.get(action="accounts.applicant_register")
    assert event.actor_id == user.pk and ZHANG_SAN_ID not in str(event.after)


def test_enterprise_operator_registers_with_credit_code():
    code = send_code(MOBILE)
    user = _register(
        kind="enterprise",
        code=code,
        org_credit_code=CREDIT_CODE,
        org_name="七里市示范科技有限公司",
        legal_representative="王建国",
    )
    assert user.kind == "enterprise" and user.org_credit_code == CREDIT_CODE


def _assert_refused(code_: str, text: str, **overrides) -> DomainError:
    users_before = User.objects.count()
    registered = AuditEvent.objects.filter(action="accounts.applicant_register")
    audits_before = registered.count()
    with pytest.raises(DomainError) as exc:
        _register(**overrides)
    assert exc.value.code == code_, exc.value.message
    assert text in exc.value.message
    assert User.objects.count() == users_before and registered.count() == audits_before
    return exc.value


@pytest.mark.parametrize(
    ("overrides", "code_", "text"),
    [
        ({"id_number": "110105194912310021"}, "accounts.id_invalid", "校验码错误"),
        ({"id_number": "1101051949"}, "accounts.id_invalid", ""),
        ({"password": "abcdefgh"}, "accounts.password_weak", "至少3类"),
        ({"password": "Ab1#"}, "accounts.password_weak", "密码不符合要求"),
        ({"username": "1x"}, "accounts.username_invalid", "用户名"),
        ({"real_name": "张3"}, "accounts.name_invalid", "真实姓名"),
        ({"kind": "staff"}, "accounts.kind_invalid", "自然人或法人"),
        ({"kind": "enterprise", "org_credit_code": "91110000100000000X"}, "accounts.uscc_invalid", "校验码"),
    ],
)
def test_bad_registration_input_is_refused_and_keeps_the_code(overrides, code_, text):
    code = send_code(MOBILE)
    error = _assert_refused(code_, text, code=code, **overrides)
    assert error.field
    # The code was not consumed by a refused form: it still registers the account.
    assert SmsCode.objects.get().used_at is None
    assert _register(code=code).username == "zhangsan"


def test_bad_mobile_is_refused():
    code = send_code(MOBILE)
    _assert_refused("accounts.mobile_invalid", "11位", mobile="1380013800", code=code)


def test_wrong_code_is_refused():
    code = send_code(MOBILE)
    _assert_refused("accounts.code_wrong", "验证码错误", code="000000" if code != "000000" else "111111")
    assert SmsCode.objects.get().attempts == 1


def test_expired_code_is_refused():
    with time_machine.travel(MORNING, tick=False) as clock:
        code = send_code(MOBILE)
        clock.shift(timedelta(minutes=6))
        _assert_refused("accounts.code_expired", "已过期", code=code)


def test_reused_code_is_refused():
    code = send_code(MOBILE)
    accounts.sms_code_verify(mobile=MOBILE, purpose="register", code=code)
    _assert_refused("accounts.code_used", "已使用", code=code)


def test_registration_without_any_code_sent_is_refused():
    _assert_refused("accounts.code_missing", "请先获取短信验证码", code="123456")


def test_duplicate_username_is_refused_case_insensitively():
    register_person(username="zhangsan")
    code = send_code(OTHER_MOBILE)
    _assert_refused(
        "accounts.username_taken",
        "已被注册",
        username="ZhangSan",
        mobile=OTHER_MOBILE,
        id_number=OTHER_ID,
        code=code,
    )


def test_same_id_number_cannot_register_twice():
    register_person()
    code = send_code(OTHER_MOBILE)
    _assert_refused(
        "accounts.id_registered", "身份证号已注册", username="lisi", mobile=OTHER_MOBILE, code=code
    )


def test_same_mobile_cannot_register_twice():
    with time_machine.travel(MORNING, tick=False) as clock:
        register_person()
        clock.shift(timedelta(minutes=2))
        code = send_code(MOBILE)
        _assert_refused(
            "accounts.mobile_registered", "手机号已注册", username="lisi", id_number=OTHER_ID, code=code
        )
