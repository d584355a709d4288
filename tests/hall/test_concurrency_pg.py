"""Races on PostgreSQL with real threads: the last place and "one a day" hold under concurrency.

The capacity counter moves by a conditional UPDATE that re-checks ``booked < capacity`` on the row
it locks, under a check constraint; "one a day" is a partial unique index. SQLite runs one writer
at a time, so these races can only be shown on PostgreSQL.
"""

import threading

import pytest
import time_machine
from django.db import connections

from govhall.hall.models import Appointment, AppointmentState, Slot
from govhall.hall.services import appointment_book
from tests.hall import factories as hf
from tests.hall.factories import at, d

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(works) -> tuple[list, list]:
    barrier = threading.Barrier(len(works))
    results, errors = [], []

    def run(work):
        try:
            barrier.wait()
            results.append(work())
        except Exception as error:  # noqa: BLE001 - every outcome is asserted below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(work,)) for work in works]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def test_eight_people_racing_for_the_last_place_exactly_one_books(postgres_only):
    w = hf.world()
    slot = w.slot(d(11, 23), 14)  # capacity 1
    people = [hf.person("张" + "甲乙丙丁戊己庚辛"[i]) for i in range(8)]
    with time_machine.travel(at(11, 19, 10), tick=False):
        results, errors = _race(
            [lambda p=p: appointment_book(slot=slot, item=w.item, actor=p) for p in people]
        )
    assert len(results) == 1, errors
    assert len(errors) == 7 and {e.code for e in errors} == {"hall.full"}
    slot.refresh_from_db()
    assert slot.booked == 1
    assert Appointment.objects.filter(slot=slot, state=AppointmentState.BOOKED).count() == 1


def test_two_places_and_five_people_give_two_bookings(postgres_only):
    w = hf.world()
    slot = w.slot(d(11, 23), 9)  # capacity 2
    people = [hf.person("李" + "甲乙丙丁戊"[i]) for i in range(5)]
    with time_machine.travel(at(11, 19, 10), tick=False):
        results, errors = _race(
            [lambda p=p: appointment_book(slot=slot, item=w.item, actor=p) for p in people]
        )
    assert len(results) == 2 and {e.code for e in errors} == {"hall.full"}
    assert Slot.objects.get(pk=slot.pk).booked == 2


def test_one_person_booking_two_slots_of_a_day_at_once_gets_one(postgres_only):
    w = hf.world()
    nine, ten = w.slot(d(11, 23), 9), w.slot(d(11, 23), 10)
    with time_machine.travel(at(11, 19, 10), tick=False):
        results, errors = _race(
            [
                lambda s=s: appointment_book(slot=s, item=w.item, actor=w.applicant)
                for s in (nine, ten, nine, ten)
            ]
        )
    assert len(results) == 1, errors
    assert {e.code for e in errors} == {"hall.one_per_day"}
    # The losers' places went back with their rolled-back transactions.
    assert sum(Slot.objects.filter(pk__in=[nine.pk, ten.pk]).values_list("booked", flat=True)) == 1
