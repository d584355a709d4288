"""The hall's attendance pad: 工号 + account password, source "pad", lockout, nothing else shown."""

import datetime as dt

import pytest
from django.core.cache import cache

from govhall.core.models import AuditEvent
from govhall.staffing.models import AttendanceRecord
from tests.org import factories as org
from tests.staffing import factories as f

DAY = dt.date(2026, 11, 10)  # a Tuesday
URL = "/staffing/pad/"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def _post(client, staff, action="in", password=org.PASSWORD, **extra):
    data = {"employee_no": staff.employee_no, "password": password, "action": action} | extra
    return client.post(URL, data, follow=True)


def test_the_pad_shows_todays_session_without_login(client):
    with f.travel(f.at(DAY, 9, 0)):
        page = client.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert "上午" in html and "2026-11-10" in html and 'name="csrfmiddlewaretoken"' in html
    assert 'type="password"' in html


def test_sign_in_and_out_on_the_pad_record_source_pad(client, clerk):
    with f.travel(f.at(DAY, 9, 3)):
        page = _post(client, clerk, "in")
    assert page.status_code == 200
    html = page.content.decode()
    assert "签到成功" in html and "迟到3分钟" in html and "刘*" in html and "刘一" not in html
    record = AttendanceRecord.objects.get(staff=clerk)
    assert (record.sign_in_source, record.late_minutes, record.session) == ("pad", 3, "am")
    assert AuditEvent.objects.filter(action="staffing.sign_in", actor_id=clerk.user_id).count() == 1
    with f.travel(f.at(DAY, 12, 0)):
        assert "签退成功" in _post(client, clerk, "out").content.decode()
    record.refresh_from_db()
    assert record.sign_out_source == "pad"
    # Nobody is logged in by the pad.
    assert "_auth_user_id" not in client.session


def test_a_wrong_password_writes_no_attendance(client, clerk):
    before = f.counts()
    with f.travel(f.at(DAY, 9, 0)):
        page = _post(client, clerk, password="wrong")
    assert page.status_code == 400
    assert "工号或密码错误" in page.content.decode()
    assert f.counts() == before
    assert AuditEvent.objects.filter(action="staffing.pad_failed", success=False).count() == 1


def test_an_unknown_number_looks_like_a_wrong_password(client, clerk):
    with f.travel(f.at(DAY, 9, 0)):
        page = client.post(URL, {"employee_no": "NOPE123", "password": org.PASSWORD, "action": "in"})
    assert page.status_code == 400 and "工号或密码错误" in page.content.decode()
    assert not AttendanceRecord.objects.exists()


def test_five_wrong_passwords_lock_the_number_even_with_the_right_one(client, clerk, settings):
    settings.AXES_FAILURE_LIMIT = 5
    with f.travel(f.at(DAY, 9, 0)):
        for _ in range(4):
            assert _post(client, clerk, password="wrong").status_code == 400
        fifth = _post(client, clerk, password="wrong")
        assert fifth.status_code == 403 and "错误次数过多" in fifth.content.decode()
        locked = _post(client, clerk)  # the right password is not even checked now
        assert locked.status_code == 403 and "错误次数过多" in locked.content.decode()
    assert not AttendanceRecord.objects.exists()
    # After the cool-off the right password works again.
    cache.clear()
    with f.travel(f.at(DAY, 9, 10)):
        assert "签到成功" in _post(client, clerk).content.decode()


def test_a_success_resets_the_count(client, clerk, settings):
    settings.AXES_FAILURE_LIMIT = 3
    with f.travel(f.at(DAY, 9, 0)):
        _post(client, clerk, password="wrong")
        _post(client, clerk, password="wrong")
        assert "签到成功" in _post(client, clerk).content.decode()
    with f.travel(f.at(DAY, 12, 0)):
        _post(client, clerk, "out", password="wrong")
        _post(client, clerk, "out", password="wrong")
        assert "签退成功" in _post(client, clerk, "out").content.decode()


def test_signing_in_twice_on_the_pad_gives_a_clear_message(client, clerk):
    with f.travel(f.at(DAY, 8, 55)):
        _post(client, clerk)
    before = f.counts()
    with f.travel(f.at(DAY, 9, 5)):
        again = _post(client, clerk)
    assert again.status_code == 409
    assert "本时段已签到或已签退，不能重复签到" in again.content.decode()
    assert f.counts() == before


def test_the_pad_never_shows_other_peoples_records(client, clerk):
    other = f.clerk(name="孙二")
    with f.travel(f.at(DAY, 8, 55)):
        f.sign_in(other, f.at(DAY, 8, 50))
        page = _post(client, clerk)
        later = client.get(URL).content.decode()
    html = page.content.decode()
    assert "孙" not in html and "孙" not in later and "刘一" not in html
    assert "刘*" not in later  # the result is shown once, then gone


def test_an_inactive_account_or_a_missing_action_is_refused(client, clerk):
    with f.travel(f.at(DAY, 9, 0)):
        assert _post(client, clerk, action="").status_code == 400
        clerk.user.is_active = False
        clerk.user.save(update_fields=["is_active"])
        assert _post(client, clerk).status_code == 400
    assert not AttendanceRecord.objects.exists()


def test_the_pad_needs_csrf(clerk):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    with f.travel(f.at(DAY, 9, 0)):
        response = strict.post(
            URL, {"employee_no": clerk.employee_no, "password": org.PASSWORD, "action": "in"}
        )
    assert response.status_code == 403
    assert not AttendanceRecord.objects.exists()
