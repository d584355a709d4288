"""Personal data at rest: a user's ID number and mobile, SM4-encrypted with a keyed SM3 digest.

The plain values exist only in memory; the database holds ``*_cipher`` (SM4-GCM) and ``*_digest``
(HMAC-SM3 of the normalised value) so an exact-value lookup needs no decryption (GB/T 39786-2021).
Audit records carry masked values only.
"""

import re

from django.db import transaction
from django.utils.translation import gettext as _

from govhall.core import audit, crypto
from govhall.core.errors import Conflict, ValidationFailed
from govhall.core.identity import check_mobile, check_ric
from govhall.core.masking import mask_id_number, mask_mobile, mask_name
from govhall.core.models import User

REAL_NAME_MAX = 64
# Letters of any script, the middle dot of minority and foreign names (阿依古丽·买买提), spaces.
_NAME_FORBIDDEN = re.compile(r"[0-9０-９@#$%^&*_=+<>{}\[\]\\|/;:\"!?？！，,。]")


def _check_real_name(value: str) -> tuple[str, str]:
    name = re.sub(r"\s+", " ", str(value or "")).strip()
    if not name:
        return name, _("姓名不能为空")
    if len(name) > REAL_NAME_MAX:
        return name, _("姓名不能超过%(n)d个字符") % {"n": REAL_NAME_MAX}
    if _NAME_FORBIDDEN.search(name):
        return name, _("姓名不能包含数字或符号")
    return name, ""


def _validated(real_name: str, id_number: str, mobile: str) -> tuple[str, str, str]:
    """All three values normalised, or ValidationFailed naming every bad field in Chinese."""
    name, name_error = _check_real_name(real_name)
    ric, phone = check_ric(id_number), check_mobile(mobile)
    errors = {}
    if name_error:
        errors["real_name"] = name_error
    if not ric.valid:
        errors["id_number"] = _("身份证号码无效：%(r)s") % {"r": ric.reason}
    if not phone.valid:
        errors["mobile"] = _("手机号码无效：%(r)s") % {"r": phone.reason}
    if errors:
        raise ValidationFailed(
            "；".join(errors.values()), code="identity_invalid", field=next(iter(errors)), errors=errors
        )
    return name, ric.normalized, phone.normalized


def _ensure_unused(*, user: User, id_digest: str, mobile_digest: str) -> None:
    # One natural person, one account: the ID number and the mobile (used for SMS login) are unique.
    others = User.objects.exclude(pk=user.pk)
    if others.filter(id_number_digest=id_digest).exists():
        raise Conflict(_("该身份证号码已被其他账户使用"), code="id_number_taken", field="id_number")
    if others.filter(mobile_digest=mobile_digest).exists():
        raise Conflict(_("该手机号码已被其他账户使用"), code="mobile_taken", field="mobile")


def _masked_identity(user: User) -> dict:
    return {
        "real_name": mask_name(user.real_name),
        "id_number": mask_id_number(user_id_number(user)),
        "mobile": mask_mobile(user_mobile(user)),
    }


@transaction.atomic
def user_set_identity(*, user: User, real_name: str, id_number: str, mobile: str, actor=None) -> User:
    """Validate and store a user's real name, ID number and mobile; ``actor`` defaults to the user.

    A changed mobile clears ``mobile_verified_at``: possession must be proven again by SMS code.
    """
    name, ric, phone = _validated(real_name, id_number, mobile)
    id_digest, mobile_digest = crypto.keyed_digest(ric), crypto.keyed_digest(phone)
    locked = User.objects.select_for_update().get(pk=user.pk)
    _ensure_unused(user=locked, id_digest=id_digest, mobile_digest=mobile_digest)
    before = _masked_identity(locked)
    locked.real_name = name
    locked.id_number_cipher, locked.id_number_digest = crypto.encrypt(ric), id_digest
    if locked.mobile_digest != mobile_digest:
        locked.mobile_verified_at = None
    locked.mobile_cipher, locked.mobile_digest = crypto.encrypt(phone), mobile_digest
    fields = ["real_name", "id_number_cipher", "id_number_digest", "mobile_cipher", "mobile_digest"]
    locked.save(update_fields=[*fields, "mobile_verified_at"])
    audit.record(
        action="user.identity_set",
        actor=actor if actor is not None else locked,
        obj=locked,
        before=before,
        after=_masked_identity(locked),
    )
    for field in [*fields, "mobile_verified_at"]:
        setattr(user, field, getattr(locked, field))
    return user


def user_id_number(user: User) -> str:
    """The user's ID number in clear (for a page or export that truly needs it whole)."""
    return crypto.decrypt(user.id_number_cipher)


def user_mobile(user: User) -> str:
    """The user's mobile in clear, 11 digits (e.g. to address an SMS)."""
    return crypto.decrypt(user.mobile_cipher)


def user_find_by_id_number(value: str) -> User | None:
    """The user holding this ID number (any accepted spelling, e.g. lower-case x), or None."""
    result = check_ric(value)
    if not result.valid:
        return None
    return User.objects.filter(id_number_digest=crypto.keyed_digest(result.normalized)).first()


def user_find_by_mobile(value: str) -> User | None:
    """The user holding this mobile ("+86 138-…" accepted), or None."""
    result = check_mobile(value)
    if not result.valid:
        return None
    return User.objects.filter(mobile_digest=crypto.keyed_digest(result.normalized)).first()
