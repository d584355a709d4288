"""Concurrent workers on PostgreSQL: every message delivered exactly once, outside any transaction."""

import threading

import pytest
from django.db import connection, connections

from govhall.core import outbox
from govhall.core.models import OutboxMessage
from govhall.core.models.outbox import OutboxState
from govhall.core.notify import SmsBackend

MESSAGES = 60
WORKERS = 4
_calls: list[tuple[str, bool]] = []
_calls_lock = threading.Lock()


class RecordingSmsBackend(SmsBackend):
    """Counts every send, duplicates included (unlike the idempotent file backend)."""

    def send(self, *, message_id, mobile, text):
        with _calls_lock:
            _calls.append((message_id, connection.in_atomic_block))


def _worker(barrier: threading.Barrier, errors: list) -> None:
    try:
        barrier.wait()
        while outbox.deliver_pending(limit=7):
            pass
    except Exception as error:  # asserted by the test thread
        errors.append(error)
    finally:
        connections.close_all()


@pytest.mark.postgres
def test_concurrent_workers_deliver_each_message_once(postgres_only, transactional_db, settings):
    settings.GOVHALL_SMS_BACKEND = "tests.core.test_outbox_concurrency.RecordingSmsBackend"
    _calls.clear()
    ids = [
        outbox.enqueue(kind="sms", payload={"mobile": "13800138000", "text": f"第{i}条"}).id
        for i in range(MESSAGES)
    ]
    barrier = threading.Barrier(WORKERS)
    errors: list = []
    threads = [threading.Thread(target=_worker, args=(barrier, errors)) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    sent_ids = sorted(int(message_id.split("-")[1]) for message_id, _ in _calls)
    assert sent_ids == sorted(ids)  # every message, none twice
    assert not any(in_transaction for _, in_transaction in _calls)  # no network I/O inside a transaction
    rows = OutboxMessage.objects.filter(id__in=ids)
    assert set(rows.values_list("state", flat=True)) == {OutboxState.SENT}
    assert set(rows.values_list("attempts", flat=True)) == {1}
