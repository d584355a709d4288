"""Notification backends and the delivery of one outbox row by its kind (DESIGN.md mechanism 4).

Delivery is at-least-once: a worker may crash after the gateway accepted a message and before the
row is marked sent, and the row is then delivered again once its lease expires. Every backend is
therefore given the outbox row's id as the gateway's client message id, and must drop a message
whose id it has already accepted. ``FileSmsBackend`` does so for the demo; a real gateway does it
with its client-message-id (业务流水号) field. See docs/adr/0005-outbox-and-huey.md.
"""

import fcntl
import json
import logging
from collections.abc import Callable
from datetime import UTC
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone
from django.utils.module_loading import import_string

from govhall.core.masking import mask_mobile
from govhall.core.models import OutboxMessage

logger = logging.getLogger(__name__)


class SmsBackend:
    """What an SMS gateway does for the platform. ``message_id`` is unique per message."""

    def send(self, *, message_id: str, mobile: str, text: str) -> None:
        raise NotImplementedError


class FileSmsBackend(SmsBackend):
    """Demo gateway: one JSON line {"id", "mobile", "text", "at"} per message in a local file.

    The file is locked while a line is checked and written, so concurrent workers (threads or
    processes) never interleave lines or write one message id twice.
    """

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path or settings.GOVHALL_SMS_OUTBOX_FILE)

    def send(self, *, message_id: str, mobile: str, text: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a+", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                if self._already_sent(handle, message_id):
                    logger.info("sms %s already accepted; not written again", message_id)
                    return
                line = {"id": message_id, "mobile": mobile, "text": text, "at": timezone.now().isoformat()}
                handle.write(json.dumps(line, ensure_ascii=False) + "\n")
                handle.flush()
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    @staticmethod
    def _already_sent(handle, message_id: str) -> bool:
        handle.seek(0)
        needle = json.dumps(message_id)
        for raw in handle:
            if needle in raw and json.loads(raw).get("id") == message_id:
                return True
        return False

    def lines(self) -> list[dict]:
        """Every message written so far (used by tests and the demo's SMS page)."""
        if not self.path.exists():
            return []
        with self.path.open(encoding="utf-8") as handle:
            return [json.loads(raw) for raw in handle if raw.strip()]


class ConsoleSmsBackend(SmsBackend):
    """Development gateway: logs the message with the mobile number masked (个人信息保护法)."""

    def send(self, *, message_id: str, mobile: str, text: str) -> None:
        logger.info("SMS %s to %s: %s", message_id, mask_mobile(mobile), text)


def get_sms_backend() -> SmsBackend:
    return import_string(settings.GOVHALL_SMS_BACKEND)()


def client_message_id(message: OutboxMessage) -> str:
    """Unique per message for good: the creation time guards against ids restarting after a
    database is recreated while the gateway (or the demo file) still remembers old ids."""
    created = message.created_at.astimezone(UTC).strftime("%Y%m%d%H%M%S%f")
    return f"outbox-{message.pk}-{created}"


def _deliver_sms(message: OutboxMessage) -> None:
    payload = message.payload
    get_sms_backend().send(
        message_id=client_message_id(message), mobile=payload["mobile"], text=payload["text"]
    )


def _deliver_email(message: OutboxMessage) -> None:
    payload = message.payload
    # The Message-ID lets the receiving side drop a duplicate after an at-least-once retry.
    email = EmailMessage(
        subject=payload["subject"],
        body=payload["body"],
        to=[payload["to"]] if isinstance(payload["to"], str) else list(payload["to"]),
        headers={"Message-ID": f"<{client_message_id(message)}@govhall>"},
    )
    email.send(fail_silently=False)


def _deliver_event(message: OutboxMessage) -> None:
    from govhall.core import events

    events.fan_out(message)


def _deliver_handler(message: OutboxMessage) -> None:
    from govhall.core import events

    events.run_handler(message)


DISPATCH: dict[str, Callable[[OutboxMessage], None]] = {
    "sms": _deliver_sms,
    "email": _deliver_email,
    "event": _deliver_event,
    "event.handler": _deliver_handler,
}
# Kinds whose delivery only writes to this database: run in one transaction with the "sent" mark,
# so each happens exactly once (an event handler runs once per event).
TRANSACTIONAL_KINDS = frozenset({"event", "event.handler"})


class UnknownKind(Exception):
    pass


def dispatch(message: OutboxMessage) -> None:
    """Perform the side effect of one outbox row; raises on failure (the caller retries)."""
    try:
        deliver = DISPATCH[message.kind]
    except KeyError:
        raise UnknownKind(f"未知的消息类型：{message.kind}") from None
    deliver(message)
