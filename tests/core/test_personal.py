"""Personal data at rest: encrypted columns, lookup by keyed digest, validation without side effects."""

import pytest
from django.utils import timezone

from govhall.core.crypto import keyed_digest
from govhall.core.errors import Conflict, ValidationFailed
from govhall.core.models import AuditEvent, User
from govhall.core.personal import (
    user_find_by_id_number,
    user_find_by_mobile,
    user_id_number,
    user_mobile,
    user_set_identity,
)

ZHANG_SAN_ID = "440306199003071232"
ZHANG_SAN_MOBILE = "13812345678"
LI_SI_ID = "33010220000229004X"
LI_SI_MOBILE = "15012345678"


@pytest.fixture
def zhang_san(db):
    user = User.objects.create_user(username="zhangsan", password="Govhall#2026", kind="person")
    return user_set_identity(
        user=user, real_name="张三", id_number=ZHANG_SAN_ID, mobile=f"+86 {ZHANG_SAN_MOBILE}"
    )


@pytest.fixture
def li_si(db):
    return User.objects.create_user(username="lisi", password="Govhall#2026", kind="person")


def _columns(user: User) -> dict:
    user.refresh_from_db()
    fields = ("real_name", "id_number_cipher", "id_number_digest", "mobile_cipher", "mobile_digest")
    return {f: getattr(user, f) for f in (*fields, "mobile_verified_at")}


@pytest.mark.django_db
def test_identity_round_trips_through_encrypted_columns(zhang_san):
    stored = User.objects.get(pk=zhang_san.pk)
    assert stored.real_name == "张三"
    assert user_id_number(stored) == ZHANG_SAN_ID
    assert user_mobile(stored) == ZHANG_SAN_MOBILE  # normalised from "+86 …"
    assert ZHANG_SAN_ID not in stored.id_number_cipher
    assert ZHANG_SAN_MOBILE not in stored.mobile_cipher
    assert stored.id_number_digest == keyed_digest(ZHANG_SAN_ID)


@pytest.mark.django_db
def test_lookup_by_digest_accepts_any_spelling(zhang_san, li_si):
    user_set_identity(user=li_si, real_name="李四", id_number=LI_SI_ID.lower(), mobile=LI_SI_MOBILE)
    assert user_find_by_id_number(ZHANG_SAN_ID) == zhang_san
    assert user_find_by_id_number(LI_SI_ID.lower()) == li_si
    assert user_find_by_mobile("138-1234-5678") == zhang_san
    assert user_find_by_mobile(f"86{LI_SI_MOBILE}") == li_si
    assert user_find_by_id_number("11010519491231002X") is None  # valid, but nobody holds it
    assert user_find_by_id_number("not a number") is None
    assert user_find_by_mobile("12345") is None


@pytest.mark.django_db
def test_the_audit_event_carries_masked_values_only(zhang_san):
    event = AuditEvent.objects.filter(action="user.identity_set", object_id=str(zhang_san.pk)).get()
    assert event.after == {"real_name": "张*", "id_number": "440306********1232", "mobile": "138****5678"}
    assert event.before == {"real_name": "", "id_number": "", "mobile": ""}
    assert event.actor_id == zhang_san.pk


@pytest.mark.parametrize(
    ("field", "values", "message"),
    [
        ("id_number", {"id_number": "440306199003071230"}, "身份证号码无效：校验码错误，应为2"),
        ("id_number", {"id_number": "440306900307123"}, "身份证号码无效：15位一代身份证号码已停止使用"),
        ("mobile", {"mobile": "12012345678"}, "手机号码无效：号段“1201”不是已分配的手机号段"),
        ("real_name", {"real_name": "  "}, "姓名不能为空"),
        ("real_name", {"real_name": "张3"}, "姓名不能包含数字或符号"),
    ],
)
@pytest.mark.django_db
def test_bad_input_is_refused_and_changes_nothing(zhang_san, field, values, message):
    before, events = _columns(zhang_san), AuditEvent.objects.count()
    good = {"real_name": "张三", "id_number": ZHANG_SAN_ID, "mobile": "13900001111"}
    with pytest.raises(ValidationFailed) as caught:
        user_set_identity(user=zhang_san, **{**good, **values})
    assert caught.value.field == field
    assert caught.value.message.startswith(message)
    assert caught.value.code == "identity_invalid"
    assert _columns(zhang_san) == before
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_every_bad_field_is_reported_at_once(li_si):
    with pytest.raises(ValidationFailed) as caught:
        user_set_identity(user=li_si, real_name="", id_number="123", mobile="abc")
    assert set(caught.value.extra["errors"]) == {"real_name", "id_number", "mobile"}
    assert "长度应为18位，实际为3位" in caught.value.message
    assert _columns(li_si)["id_number_digest"] == ""


@pytest.mark.django_db
def test_an_id_number_or_mobile_belongs_to_one_account(zhang_san, li_si):
    before = _columns(li_si)
    with pytest.raises(Conflict, match="该身份证号码已被其他账户使用"):
        user_set_identity(user=li_si, real_name="李四", id_number=ZHANG_SAN_ID.lower(), mobile=LI_SI_MOBILE)
    with pytest.raises(Conflict, match="该手机号码已被其他账户使用"):
        user_set_identity(user=li_si, real_name="李四", id_number=LI_SI_ID, mobile=ZHANG_SAN_MOBILE)
    assert _columns(li_si) == before


@pytest.mark.django_db
def test_a_new_mobile_must_be_verified_again(zhang_san):
    User.objects.filter(pk=zhang_san.pk).update(mobile_verified_at=timezone.now())
    zhang_san.refresh_from_db()
    user_set_identity(user=zhang_san, real_name="张三", id_number=ZHANG_SAN_ID, mobile=ZHANG_SAN_MOBILE)
    assert _columns(zhang_san)["mobile_verified_at"] is not None  # same mobile: still verified
    user_set_identity(user=zhang_san, real_name="张三", id_number=ZHANG_SAN_ID, mobile=LI_SI_MOBILE)
    assert _columns(zhang_san)["mobile_verified_at"] is None
    assert user_mobile(zhang_san) == LI_SI_MOBILE
    assert user_find_by_mobile(ZHANG_SAN_MOBILE) is None


@pytest.mark.django_db
def test_an_actor_other_than_the_user_is_recorded(li_si):
    clerk = User.objects.create_user(username="clerk_for_test", password="Govhall#2026")
    user_set_identity(user=li_si, real_name="李四", id_number=LI_SI_ID, mobile=LI_SI_MOBILE, actor=clerk)
    event = AuditEvent.objects.get(action="user.identity_set", object_id=str(li_si.pk))
    assert event.actor_id == clerk.pk
