"""Service-level rules of the staff second factor: who may enrol, and how the mode setting is read."""

import pytest
from django.contrib.auth import get_user_model
from django_otp.plugins.otp_totp.models import TOTPDevice

from govhall.core import twofactor
from govhall.core.errors import NotFound
from govhall.core.models import AuditEvent
from govhall.core.twofactor import TwoFactorError
from govhall.org.models import Role
from tests.org import factories as f

pytestmark = pytest.mark.django_db


def test_an_applicant_cannot_enrol_and_nothing_is_created():
    applicant = get_user_model().objects.create_user(username="zhangsan", password=f.PASSWORD, kind="person")

    with pytest.raises(TwoFactorError) as exc:
        twofactor.totp_setup_start(user=applicant, actor=applicant)

    assert exc.value.code == "2fa_not_staff" and "工作人员" in exc.value.message
    assert not TOTPDevice.objects.exists() and not AuditEvent.objects.exists()


def test_a_second_enrolment_is_refused_while_a_device_is_confirmed():
    staff = f.staff(role=Role.CLERK, username="clerk")
    TOTPDevice.objects.create(user=staff.user, name="TOTP", confirmed=True)

    with pytest.raises(TwoFactorError) as exc:
        twofactor.totp_setup_start(user=staff.user, actor=staff.user)

    assert exc.value.code == "2fa_already_enrolled"
    assert TOTPDevice.objects.filter(user=staff.user).count() == 1


def test_confirm_without_a_pending_device_is_not_found_and_nothing_changes():
    staff = f.staff(role=Role.CLERK, username="clerk")
    before = AuditEvent.objects.count()

    with pytest.raises(NotFound) as exc:
        twofactor.totp_confirm(user=staff.user, code="123456", actor=staff.user)

    assert exc.value.code == "2fa_no_pending" and "重新开始绑定" in exc.value.message
    assert AuditEvent.objects.count() == before and not TOTPDevice.objects.exists()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "optional"),
        ("off", "off"),
        ("optional", "optional"),
        ("required", "required"),
        ("Off ", "required"),
    ],
)
def test_mode_reads_the_setting_and_treats_a_typo_as_required(settings, value, expected):
    if value is None:
        del settings.GOVHALL_STAFF_2FA
    else:
        settings.GOVHALL_STAFF_2FA = value
    assert twofactor.mode() == expected


def test_only_users_with_a_staff_record_are_staff():
    staff = f.staff(role=Role.CLERK, username="clerk")
    applicant = get_user_model().objects.create_user(username="qiye", password=f.PASSWORD, kind="enterprise")

    assert twofactor.is_staff_user(staff.user) and not twofactor.is_staff_user(applicant)
