"""A real huey consumer on Redis delivers an SMS from a committed outbox row exactly once.

The consumer is a separate process (``govhall run_huey``) with the production settings shape:
REDIS_URL set, DATABASE_URL pointing at this test's PostgreSQL database and the same var dir, so
both processes see the same SMS file. The test then does what a web process does after commit:
puts ``deliver_outbox_soon`` on the Redis queue.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection, transaction

from govhall.core import outbox
from govhall.core.models import OutboxMessage
from govhall.core.models.outbox import OutboxState
from govhall.core.notify import client_message_id

REDIS_URL = os.environ.get("GOVHALL_TEST_REDIS_URL", "redis://127.0.0.1:6379/2")
WAIT_SECONDS = 30

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def _redis_or_skip():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.skip(f"Redis is not reachable at {REDIS_URL}: {error}")
    return client


def _database_url() -> str:
    db = connection.settings_dict
    auth = quote(db["USER"] or "postgres")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _wait_for(predicate, seconds: float):
    """Bounded polling: the predicate's value, or None after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    return None


@pytest.fixture
def consumer(postgres_only, transactional_db, tmp_path):
    client = _redis_or_skip()
    name = f"govhall-test-{os.getpid()}"
    env = {
        **os.environ,
        "REDIS_URL": REDIS_URL,
        "DATABASE_URL": _database_url(),
        "GOVHALL_VAR_DIR": str(settings.VAR_DIR),
        "GOVHALL_HUEY_NAME": name,
        "GOVHALL_HUEY_IMMEDIATE": "0",
        "GOVHALL_SMS_BACKEND": "govhall.core.notify.FileSmsBackend",
    }
    log = tmp_path / "consumer.log"
    govhall = Path(sys.executable).with_name("govhall")
    with log.open("w") as handle:
        process = subprocess.Popen(
            [str(govhall), "run_huey", "--workers", "2", "--worker-type", "thread"],
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    try:
        started = _wait_for(
            lambda: "consumer started" in log.read_text().lower() or process.poll(), WAIT_SECONDS
        )
        assert started is True and process.poll() is None, log.read_text()
        yield {"name": name, "log": log}
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        for key in client.scan_iter(f"*{name}*"):
            client.delete(key)


def _queue_delivery(name: str) -> None:
    """What ``outbox.enqueue``'s commit hook does in a web process configured with Redis."""
    from huey import PriorityRedisHuey
    from huey.contrib.djhuey import HUEY

    from govhall.core.tasks import deliver_outbox_soon

    redis_huey = PriorityRedisHuey(name, url=REDIS_URL)
    redis_huey.storage.enqueue(HUEY.serialize_task(deliver_outbox_soon.s()), None)


def _lines_for(message_id: str) -> list[dict]:
    path = Path(settings.GOVHALL_SMS_OUTBOX_FILE)
    if not path.exists():
        return []
    lines = [json.loads(raw) for raw in path.read_text(encoding="utf-8").splitlines() if raw.strip()]
    return [line for line in lines if line["id"] == message_id]


def test_real_consumer_delivers_a_committed_sms_once(consumer):
    with transaction.atomic():
        message = outbox.enqueue(
            kind="sms",
            topic="case_accepted",
            payload={"mobile": "13800138000", "text": "您的办件已受理（集成测试）"},
        )
    assert not connection.in_atomic_block  # committed: the consumer can see the row
    message_id = client_message_id(message)
    _queue_delivery(consumer["name"])
    _queue_delivery(consumer["name"])  # a second kick, as from a second transaction: still one SMS

    def sent():
        row = OutboxMessage.objects.get(id=message.id)
        return row if row.state == OutboxState.SENT else None

    row = _wait_for(sent, WAIT_SECONDS)
    assert row is not None, consumer["log"].read_text()
    assert row.attempts == 1
    lines = _lines_for(message_id)
    assert len(lines) == 1 and lines[0]["text"] == "您的办件已受理（集成测试）"
