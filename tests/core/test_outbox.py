"""The outbox: rows commit with the business change, each is claimed once, crashes lose nothing."""

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import transaction

from govhall.core import outbox
from govhall.core.models import AuditEvent, OutboxMessage
from govhall.core.models.outbox import OutboxState
from govhall.core.notify import FileSmsBackend, SmsBackend, client_message_id

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOON = datetime(2026, 3, 2, 12, 0, tzinfo=SHANGHAI)
MOBILE = "13800138000"


class BrokenSmsBackend(SmsBackend):
    def send(self, *, message_id, mobile, text):
        raise ConnectionError("短信网关无响应")


@pytest.fixture(autouse=True)
def sms_file(settings, tmp_path):
    settings.GOVHALL_SMS_BACKEND = "govhall.core.notify.FileSmsBackend"
    settings.GOVHALL_SMS_OUTBOX_FILE = tmp_path / "sms.log"
    return tmp_path / "sms.log"


def _lines(path) -> list[dict]:
    return [json.loads(raw) for raw in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def _sms(text="您的办件已受理", **extra) -> OutboxMessage | None:
    return outbox.enqueue(
        kind="sms", topic="case_accepted", payload={"mobile": MOBILE, "text": text}, **extra
    )


def test_sms_is_delivered_once_with_the_outbox_id(sms_file):
    message = _sms()
    assert outbox.deliver_pending() == 1
    assert outbox.deliver_pending() == 0
    message.refresh_from_db()
    assert message.state == OutboxState.SENT and message.attempts == 1 and message.sent_at is not None
    (line,) = _lines(sms_file)
    assert (
        line["id"] == client_message_id(message)
        and line["mobile"] == MOBILE
        and line["text"] == "您的办件已受理"
    )
    assert set(line) == {"id", "mobile", "text", "at"}


def test_enqueue_in_a_rolled_back_transaction_sends_nothing(sms_file):
    with pytest.raises(RuntimeError), transaction.atomic():
        _sms()
        raise RuntimeError("business rule failed")
    assert not OutboxMessage.objects.exists()
    assert outbox.deliver_pending() == 0
    assert _lines(sms_file) == []


def test_dedupe_key_queues_an_effect_once():
    first = _sms(dedupe_key="invite:case-1")
    assert _sms(dedupe_key="invite:case-1") is None
    assert list(OutboxMessage.objects.values_list("id", flat=True)) == [first.id]


def test_crashed_worker_row_is_delivered_once_after_the_lease(sms_file):
    with time_machine.travel(NOON, tick=False):
        message = _sms()
        (claimed,) = outbox.claim(10)  # the worker dies here, before sending
        assert claimed.id == message.id
        assert outbox.deliver_pending() == 0  # the lease still holds it
    with time_machine.travel(NOON + timedelta(minutes=6), tick=False):
        assert outbox.deliver_pending() == 1
        assert outbox.deliver_pending() == 0
    message.refresh_from_db()
    assert message.state == OutboxState.SENT and message.attempts == 2
    assert len(_lines(sms_file)) == 1


def test_crash_after_the_gateway_accepted_sends_no_duplicate(sms_file):
    with time_machine.travel(NOON, tick=False):
        message = _sms()
        (claimed,) = outbox.claim(10)
        # The gateway accepted it, then the worker died before marking the row sent.
        FileSmsBackend().send(message_id=client_message_id(claimed), mobile=MOBILE, text="您的办件已受理")
    with time_machine.travel(NOON + timedelta(minutes=6), tick=False):
        assert outbox.deliver_pending() == 1
    assert [line["id"] for line in _lines(sms_file)] == [client_message_id(message)]


def test_failure_backs_off_then_fails_after_max_attempts(settings, sms_file):
    settings.GOVHALL_SMS_BACKEND = "tests.core.test_outbox.BrokenSmsBackend"
    settings.GOVHALL_OUTBOX_MAX_ATTEMPTS = 2
    with time_machine.travel(NOON, tick=False):
        message = _sms()
        assert outbox.deliver_pending() == 0
        message.refresh_from_db()
        assert message.state == OutboxState.PENDING and message.attempts == 1
        assert message.available_at == NOON + timedelta(seconds=30)
        assert "短信网关无响应" in message.last_error
        assert outbox.deliver_pending() == 0  # not due yet
        message.refresh_from_db()
        assert message.attempts == 1
    with time_machine.travel(NOON + timedelta(seconds=31), tick=False):
        assert outbox.deliver_pending() == 0
    message.refresh_from_db()
    assert message.state == OutboxState.FAILED and message.attempts == 2
    assert _lines(sms_file) == []


def test_retry_puts_failed_rows_back_and_is_audited(settings, sms_file):
    settings.GOVHALL_SMS_BACKEND = "tests.core.test_outbox.BrokenSmsBackend"
    settings.GOVHALL_OUTBOX_MAX_ATTEMPTS = 1
    message = _sms()
    outbox.deliver_pending()
    message.refresh_from_db()
    assert message.state == OutboxState.FAILED
    settings.GOVHALL_SMS_BACKEND = "govhall.core.notify.FileSmsBackend"
    call_command("outbox", "retry", str(message.id))
    assert AuditEvent.objects.get(action="outbox.retry_failed").detail == {"ids": [message.id], "count": 1}
    call_command("outbox", "deliver")
    message.refresh_from_db()
    assert message.state == OutboxState.SENT and len(_lines(sms_file)) == 1


def test_unknown_kind_is_recorded_as_an_error():
    message = outbox.enqueue(kind="fax", payload={})
    assert outbox.deliver_pending() == 0
    message.refresh_from_db()
    assert message.state == OutboxState.PENDING and "未知的消息类型：fax" in message.last_error


def test_email_goes_through_django_mail_with_a_stable_message_id():
    message = outbox.enqueue(
        kind="email", payload={"to": "zhangsan@example.cn", "subject": "办件结果", "body": "您的申请已办结。"}
    )
    assert outbox.deliver_pending() == 1
    (sent,) = mail.outbox
    assert sent.to == ["zhangsan@example.cn"] and sent.subject == "办件结果"
    assert sent.extra_headers["Message-ID"] == f"<{client_message_id(message)}@govhall>"


def test_one_delivery_kick_per_transaction(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        _sms("一")
        _sms("二")
    assert [callback.__name__ for callback in callbacks] == ["_kick"]


def test_kick_delivers_at_commit_when_huey_is_immediate(django_capture_on_commit_callbacks, sms_file):
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            message = _sms()
    finally:
        HUEY.immediate = False
    assert [line["id"] for line in _lines(sms_file)] == [client_message_id(message)]


def test_stats_command_counts_by_state(capsys):
    _sms()
    call_command("outbox", "stats")
    assert "待发送\t1" in capsys.readouterr().out
