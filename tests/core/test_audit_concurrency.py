"""Concurrent audit writers on PostgreSQL: real threads, real transactions, one unforked chain."""

import threading

import pytest
from django.db import connection, connections, transaction

from govhall.core import audit
from govhall.core.models import AuditEvent

THREADS = 8
PER_THREAD = 25


def _writer(worker: int, barrier: threading.Barrier, errors: list) -> None:
    try:
        barrier.wait()
        for i in range(PER_THREAD):
            # Each record is its own business transaction, as in a service.
            with transaction.atomic():
                audit.record(action="test.concurrent", object_type="worker", object_id=f"{worker}-{i}")
    except Exception as error:  # collected and asserted by the test thread
        errors.append(error)
    finally:
        connections.close_all()


@pytest.fixture
def empty_audit_table_afterwards(transactional_db):
    yield
    # The test database is flushed with TRUNCATE, which the trigger allows only on an empty table;
    # leave it empty the way the prune does.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL govhall.audit_prune = 'on'")
        cursor.execute("DELETE FROM core_auditevent")


@pytest.mark.postgres
def test_concurrent_writers_keep_one_chain(postgres_only, empty_audit_table_afterwards):
    barrier = threading.Barrier(THREADS)
    errors: list = []
    threads = [threading.Thread(target=_writer, args=(n, barrier, errors)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    total = THREADS * PER_THREAD
    assert AuditEvent.objects.filter(action="test.concurrent").count() == total
    # Other events (e.g. the calendar seed of a fresh test database) may precede the writers.
    prev_hashes = list(AuditEvent.objects.order_by("id").values_list("prev_hash", flat=True))
    assert len(set(prev_hashes)) == len(prev_hashes)  # no two events share a predecessor: no fork
    result = audit.verify_chain(batch_size=37)
    assert result.intact and result.checked == len(prev_hashes)
