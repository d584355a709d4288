"""Portal personas: 张三 (a person with a real-name account), 李四 (another person), an enterprise
operator, a window clerk for the item, an agent at a station; an online item with three materials."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from govhall.core import accounts
from govhall.core.personal import user_set_identity
from govhall.org.models import Role
from tests.cases import factories as f
from tests.core.test_uploads import pdf
from tests.org import factories as org


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The home page's facts are cached per process: each test starts without them."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def item(db):
    org.centre()
    return f.item(pre_review_limit=Decimal("2"))


@pytest.fixture
def clerk(item):
    return org.staff(role=Role.CLERK, dept=item.department).user


def person(username: str, body17: str, mobile: str, name: str = "张三"):
    user = org.applicant(username)
    return user_set_identity(user=user, real_name=name, id_number=f.ric(body17), mobile=mobile)


@pytest.fixture
def zhang_san(db):
    return person("zhang_san", "11010519491231002", "13800138000")


@pytest.fixture
def li_si(db):
    return person("li_si", "44030819900101123", "13912345678", name="李四")


def a_pdf(name: str = "申请书.pdf", pages: int = 1):
    return SimpleUploadedFile(name, pdf(pages), content_type="application/pdf")


def register_enterprise(
    username: str, mobile: str, body17: str, *, credit_code: str, legal_rep: str = "王建国", code: str = ""
):
    code = code or sms_code(mobile)
    return accounts.applicant_register(
        username=username, password="Govhall#2026", real_name="王芳", id_number=f.ric(body17), mobile=mobile,
        code=code, kind="enterprise", org_credit_code=credit_code, org_name="七里市示范科技有限公司",
        legal_representative=legal_rep,
    )  # fmt: skip


def sms_code(mobile: str) -> str:
    """Send a registration code and read it back from the outbox row (the demo gateway's text)."""
    import re

    from govhall.core.models import OutboxMessage

    accounts.sms_code_send(mobile=mobile, purpose="register")
    row = OutboxMessage.objects.filter(kind="sms", payload__mobile=mobile).order_by("-id").first()
    return re.search(r"\d{6}", row.payload["text"]).group(0)
