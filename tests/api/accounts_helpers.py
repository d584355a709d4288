"""Helpers shared by the account, API and browser tests: valid identity numbers, SMS codes, personas."""

import re

from govhall.core import accounts
from govhall.core.models import OutboxMessage, User
from govhall.core.models.users import UserKind

PASSWORD = "Govhall#2026"
# Valid by their check digits (GB 11643 / GB 32100) and an allocated mobile block.
ZHANG_SAN_ID = "11010519491231002X"


def _ric(body17: str) -> str:
    """GB 11643 MOD 11-2 check character, computed here independently of the code under test."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body17 + "10X98765432"[sum(int(c) * w for c, w in zip(body17, weights, strict=True)) % 11]


OTHER_ID = _ric("44030819900101123")
CREDIT_CODE = "91350100M000100Y43"
MOBILE = "13800138000"
OTHER_MOBILE = "13912345678"


def last_sms_code(mobile: str) -> str:
    """The code in the newest SMS queued to ``mobile`` (read from the outbox row, as the gateway would)."""
    row = OutboxMessage.objects.filter(kind="sms", payload__mobile=mobile).order_by("-id").first()
    assert row is not None, f"no SMS queued to {mobile}"
    return re.search(r"(\d{6})", row.payload["text"]).group(1)


def send_code(mobile: str = MOBILE, purpose: str = "register") -> str:
    accounts.sms_code_send(mobile=mobile, purpose=purpose)
    return last_sms_code(mobile)


def register_person(username: str = "zhangsan", mobile: str = MOBILE, id_number: str = ZHANG_SAN_ID) -> User:
    code = send_code(mobile)
    return accounts.applicant_register(
        username=username,
        password=PASSWORD,
        real_name="张三",
        id_number=id_number,
        mobile=mobile,
        code=code,
        kind=UserKind.PERSON,
    )


def make_staff(username: str = "clerk", *, superuser: bool = False) -> User:
    user = User(
        username=username, kind=UserKind.STAFF, is_staff=True, is_superuser=superuser, real_name="李四"
    )
    user.set_password(PASSWORD)
    user.save()
    return user
