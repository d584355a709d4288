"""Races on PostgreSQL: two duty staff take or answer the same question at once → exactly one;
two sweeps at once escalate a complaint once and text its unit's leader once."""

import threading

import pytest
import time_machine
from django.db import connections

from govhall.core.errors import DomainError
from govhall.core.models import AuditEvent, OutboxMessage
from govhall.inquiries import services
from govhall.inquiries.complaints import complaints_escalate_overdue
from govhall.inquiries.models import Answer, Question, QuestionState
from tests.inquiries import factories as f
from tests.inquiries.factories import at

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(works) -> tuple[list, list]:
    barrier = threading.Barrier(len(works))
    results: list = []
    errors: list = []

    def run(work):
        try:
            barrier.wait()
            results.append(work())
        except DomainError as error:
            errors.append(error)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(work,)) for work in works]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


@pytest.fixture
def world(postgres_only, transactional_db):
    return f.world()


def test_two_duty_staff_take_the_same_question_exactly_one_wins(world):
    q = services.question_ask(text="并发认领", item=world.item, actor=world.applicant)
    results, errors = _race(
        [lambda a=a: services.question_take(question=q, actor=a) for a in (world.clerk, world.chief)]
    )
    assert len(results) == 1 and len(errors) == 1, errors
    assert errors[0].code == "inquiries.question_taken"
    q.refresh_from_db()
    assert q.state == QuestionState.TAKEN and q.taken_by_id == results[0].taken_by_id
    assert AuditEvent.objects.filter(action="inquiries.question_take").count() == 1


def test_two_duty_staff_answer_the_same_open_question_exactly_one_answer(world):
    q = services.question_ask(text="并发解答", item=world.item, actor=world.applicant)
    works = [lambda a=a: services.question_answer(question=q, text=f"解答{a.pk}", actor=a)
             for a in (world.clerk, world.chief)]  # fmt: skip
    results, errors = _race(works)
    assert len(results) == 1 and len(errors) == 1, errors
    assert errors[0].code in {"inquiries.question_taken", "inquiries.question_state"}
    assert Answer.objects.filter(question=q).count() == 1
    assert Question.objects.get(pk=q.pk).state == QuestionState.ANSWERED


def test_two_sweeps_escalate_once(world):
    with time_machine.travel(at(11, 26, 10), tick=False):
        c = services.complaint_file(
            content="逾期", subject="department", department=world.unit, actor=world.applicant
        )
    results, errors = _race([lambda: complaints_escalate_overdue(now=at(12, 10))] * 2)
    assert errors == [] and sorted(results) == [0, 1]
    assert AuditEvent.objects.filter(action="inquiries.complaint_escalate", object_id=str(c.pk)).count() == 1
    assert OutboxMessage.objects.filter(dedupe_key__startswith=f"complaint:{c.pk}:escalated").count() == 1
