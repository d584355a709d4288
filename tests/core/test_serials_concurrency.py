"""Concurrent callers on PostgreSQL get every number exactly once, with no gaps."""

import threading
from datetime import date

import pytest
from django.db import connections, transaction

from govhall.core.serials import current_serial, next_serial

THREADS = 8
PER_THREAD = 50
DAY = date(2026, 11, 26)


def _worker(barrier: threading.Barrier, taken: list, errors: list, *, scope: str) -> None:
    try:
        barrier.wait()
        for _ in range(PER_THREAD):
            # Each number inside its own transaction, as a service would take it.
            with transaction.atomic():
                taken.append(next_serial(scope=scope, day=DAY))
    except Exception as error:  # asserted by the test thread
        errors.append(error)
    finally:
        connections.close_all()


def _run_threads(scope: str) -> tuple[list, list]:
    barrier = threading.Barrier(THREADS)
    taken: list[int] = []
    errors: list = []
    threads = [
        threading.Thread(target=_worker, args=(barrier, taken, errors), kwargs={"scope": scope})
        for _ in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return taken, errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_serials_are_unique_and_gap_free(postgres_only):
    taken, errors = _run_threads("concurrent")
    assert errors == []
    assert sorted(taken) == list(range(1, THREADS * PER_THREAD + 1))
    assert current_serial(scope="concurrent", day=DAY) == THREADS * PER_THREAD


@pytest.mark.django_db(transaction=True)
def test_single_writer_serials_on_any_database():
    """SQLite has one writer; the same guarantee holds for sequential callers on every database."""
    taken = []
    for _ in range(THREADS * PER_THREAD // 4):
        with transaction.atomic():
            taken.append(next_serial(scope="single", day=DAY))
    assert taken == list(range(1, THREADS * PER_THREAD // 4 + 1))
