"""SMS-code brute force through the registration page: five guesses per code, then a new code is
needed; codes are limited per number (one a minute, ten a day)."""

import re

import pytest

from govhall.core.models import OutboxMessage, User
from tests.api.accounts_helpers import PASSWORD, ZHANG_SAN_ID

pytestmark = pytest.mark.django_db
MOBILE = "13800138000"


def _details(code: str) -> dict:
    return {"code": code, "username": "zhangsan", "password": PASSWORD, "password2": PASSWORD,
            "real_name": "张三", "id_number": ZHANG_SAN_ID, "action": "register"}  # fmt: skip


def test_guessing_the_code_is_stopped_after_five_tries(client):
    client.post("/accounts/register/", {"kind": "person", "mobile": MOBILE})
    sent = OutboxMessage.objects.get(kind="sms", payload__mobile=MOBILE).payload["text"]
    right = re.search(r"\d{6}", sent).group(0)
    wrong = [f"{(int(right) + n) % 1_000_000:06d}" for n in range(1, 6)]
    for guess in wrong:
        client.post("/accounts/register/details/", _details(guess))
    page = client.post("/accounts/register/details/", _details(right)).content.decode()
    assert "错误次数过多" in page
    assert not User.objects.filter(username="zhangsan").exists()


def test_codes_are_rate_limited_per_number(client):
    client.post("/accounts/register/", {"kind": "person", "mobile": MOBILE})
    page = client.post("/accounts/register/", {"kind": "person", "mobile": MOBILE}).content.decode()
    assert "验证码发送过于频繁" in page
    assert OutboxMessage.objects.filter(kind="sms", payload__mobile=MOBILE).count() == 1
