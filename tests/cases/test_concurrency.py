"""Races on PostgreSQL: row locks and the unique idempotency key decide, never luck."""

import threading

import pytest
from django.db import connections

from govhall.cases.models import Case
from govhall.cases.services import case_accept, case_submit
from govhall.core.errors import DomainError
from tests.cases import factories as f

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(n: int, work) -> tuple[list, list]:
    barrier = threading.Barrier(n)
    results: list = []
    errors: list = []

    def run():
        try:
            barrier.wait()
            results.append(work())
        except DomainError as error:
            errors.append(error)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def test_two_clerks_accept_at_once_exactly_one_wins(postgres_only, received):
    other = f.clerk()
    clerks = iter([received.events.get().actor, other])
    lock = threading.Lock()

    def accept():
        with lock:
            actor = next(clerks)
        return case_accept(case=received, actor=actor)

    results, errors = _race(2, accept)
    assert len(results) == 1 and len(errors) == 1
    assert errors[0].code == "cases.illegal_transition"
    assert Case.objects.get(pk=received.pk).events.filter(action="accept").count() == 1


def test_twenty_submissions_with_one_key_make_one_case(postgres_only, clerk, item):
    kwargs = f.submit_kwargs(item, clerk, idempotency_key="retry-42")
    results, errors = _race(20, lambda: case_submit(**kwargs))
    assert errors == []
    assert len({case.pk for case in results}) == 1
    assert Case.objects.filter(idempotency_key="retry-42").count() == 1
    assert Case.objects.count() == 1
