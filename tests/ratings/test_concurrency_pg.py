"""Races on PostgreSQL: two submissions for one case at the same instant leave exactly one rating
(the partial unique index decides), and two sweeps at once invite a case once."""

import datetime as dt
import threading

import pytest
from django.db import connections

from govhall.core.errors import DomainError
from govhall.core.models import OutboxMessage
from govhall.ratings.models import Rating, RatingInvitation, Rectification
from govhall.ratings.services import rating_submit, ratings_invite

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(works) -> tuple[list, list]:
    barrier = threading.Barrier(len(works))
    results: list = []
    errors: list = []

    def run(work):
        try:
            barrier.wait()
            results.append(work())
        except Exception as error:  # noqa: BLE001 - asserted below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(w,)) for w in works]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def test_two_parallel_submissions_for_one_case_make_one_rating(postgres_only, concluded, zhang_san):
    def rate(level):
        return lambda: rating_submit(
            level=level, channel="pc", actor=zhang_san, case=concluded, reasons=["slow"]
        )

    results, errors = _race([rate(5), rate(4), rate(5), rate(1)])
    assert len(results) == 1 and len(errors) == 3, errors
    assert all(isinstance(e, DomainError) and e.code == "ratings.already_rated" for e in errors), errors
    assert Rating.objects.filter(case=concluded).count() == 1
    assert Rectification.objects.count() == (1 if results[0].level >= 4 else 0)


def test_two_sweeps_at_once_invite_once(postgres_only, concluded):
    now = concluded.concluded_at + dt.timedelta(days=3, minutes=1)
    results, errors = _race([lambda: ratings_invite(now=now), lambda: ratings_invite(now=now)])
    assert errors == [] and sorted(results) == [0, 1]
    assert RatingInvitation.objects.count() == 1
    assert OutboxMessage.objects.filter(topic="rating_invite").count() == 1
