"""Consultations: ask, take (the lock), answer, release, close, promote to an FAQ, overdue flag."""

import datetime as dt

import pytest
import time_machine

from govhall.catalog.models import Faq, ServiceItem
from govhall.core.calendar import calendar_set_day
from govhall.core.errors import Conflict, PermissionDenied, ValidationFailed
from govhall.core.models import AuditEvent
from govhall.inquiries import services
from govhall.inquiries.models import Answer, Question, QuestionState
from govhall.inquiries.sweep import inquiries_sweep
from tests.inquiries import factories as f
from tests.inquiries.factories import at


def ask(w, text="食品经营许可需要哪些材料？", item="item"):
    return services.question_ask(text=text, item=w.item if item == "item" else item, actor=w.applicant)


def test_ask_on_an_item_goes_to_its_department_with_an_answer_deadline(w):
    with time_machine.travel(at(11, 26, 10), tick=False):  # a Thursday
        q = ask(w)
    assert q.state == QuestionState.OPEN and q.department_id == w.unit.pk
    assert q.due_at == at(11, 28)  # 24:00 of Friday, the next working day
    assert AuditEvent.objects.filter(action="inquiries.question_ask", object_id=str(q.pk)).count() == 1


def test_a_general_question_has_no_department(w):
    q = ask(w, item=None)
    assert q.item_id is None and q.department_id is None


@pytest.mark.parametrize("text", ["", "   ", None, "问" * 1001])
def test_an_empty_or_too_long_question_is_refused_and_nothing_changes(w, text):
    before = f.counts()
    with pytest.raises(ValidationFailed) as exc:
        services.question_ask(text=text, item=w.item, actor=w.applicant)
    assert exc.value.code in {"inquiries.question_required", "inquiries.text_too_long"}
    assert f.counts() == before


def test_an_anonymous_visitor_cannot_ask(w):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        services.question_ask(text="你好", actor=AnonymousUser())


def test_a_cancelled_item_is_refused(w):
    ServiceItem.objects.filter(pk=w.item.pk).update(status="cancelled")
    w.item.refresh_from_db()
    with pytest.raises(ValidationFailed) as exc:
        ask(w)
    assert exc.value.code == "inquiries.item_cancelled"


def test_take_locks_the_question_for_one_staff_member(w):
    q = ask(w)
    taken = services.question_take(question=q, actor=w.clerk)
    assert taken.state == QuestionState.TAKEN and taken.taken_by_id == w.clerk.pk
    before = f.counts()
    with pytest.raises(Conflict) as exc:
        services.question_take(question=q, actor=w.chief)
    assert exc.value.code == "inquiries.question_taken"
    with pytest.raises(Conflict):
        services.question_answer(question=q, text="抢答", actor=w.chief)
    assert f.counts() == before
    assert Question.objects.get(pk=q.pk).taken_by_id == w.clerk.pk


def test_a_lapsed_take_can_be_taken_by_another(w):
    with time_machine.travel(at(11, 26, 10), tick=False):
        q = ask(w)
        services.question_take(question=q, actor=w.clerk)
    with time_machine.travel(at(11, 26, 10, 16), tick=False):  # the 15-minute lease has lapsed
        taken = services.question_take(question=q, actor=w.chief)
    assert taken.taken_by_id == w.chief.pk


def test_the_holder_answers_and_the_answer_time_is_recorded(w):
    with time_machine.travel(at(11, 26, 10), tick=False):
        q = ask(w)
    with time_machine.travel(at(11, 26, 10, 30), tick=False):
        services.question_take(question=q, actor=w.clerk)
        answer = services.question_answer(question=q, text="营业执照、申请书。", actor=w.clerk)
    q.refresh_from_db()
    assert q.state == QuestionState.ANSWERED and answer.answered_by_id == w.clerk.pk
    assert q.first_answered_at == at(11, 26, 10, 30) and q.answer_seconds == 1800
    assert AuditEvent.objects.filter(action="inquiries.question_answer").count() == 1
    texts = [m.payload for m in f.sms("question")]
    assert len(texts) == 1 and texts[0]["mobile"] == "13912345678" and f"#{q.pk}" in texts[0]["text"]


def test_an_open_question_is_taken_and_answered_in_one_step(w):
    q = ask(w)
    services.question_answer(question=q, text="可以。", actor=w.chief)
    assert Question.objects.get(pk=q.pk).state == QuestionState.ANSWERED


@pytest.mark.parametrize("text", ["", "  ", "答" * 2001])
def test_an_empty_answer_is_refused_and_nothing_changes(w, text):
    q = ask(w)
    services.question_take(question=q, actor=w.clerk)
    before = f.counts()
    with pytest.raises(ValidationFailed):
        services.question_answer(question=q, text=text, actor=w.clerk)
    assert f.counts() == before
    assert Question.objects.get(pk=q.pk).state == QuestionState.TAKEN


def test_answering_a_closed_question_is_a_conflict_and_changes_nothing(w):
    q = ask(w)
    services.question_close(question=q, actor=w.applicant)
    before = f.counts()
    with pytest.raises(Conflict) as exc:
        services.question_answer(question=q, text="迟到的解答", actor=w.clerk)
    assert exc.value.code == "inquiries.question_state" and exc.value.extra["state"] == "closed"
    with pytest.raises(Conflict):
        services.question_take(question=q, actor=w.clerk)
    assert f.counts() == before


def test_a_second_answer_to_an_answered_question_is_a_conflict(w):
    q = ask(w)
    services.question_answer(question=q, text="第一次", actor=w.clerk)
    with pytest.raises(Conflict):
        services.question_answer(question=q, text="第二次", actor=w.clerk)
    assert Answer.objects.filter(question=q).count() == 1


def test_staff_of_another_unit_cannot_answer_an_item_question_but_may_answer_a_general_one(w):
    q = ask(w)
    before = f.counts()
    with pytest.raises(PermissionDenied):
        services.question_take(question=q, actor=w.other_clerk)
    with pytest.raises(PermissionDenied):
        services.question_answer(question=q, text="不是我的事项", actor=w.other_clerk)
    assert f.counts() == before
    general = ask(w, item=None)
    services.question_answer(question=general, text="请到一楼咨询台。", actor=w.other_clerk)


def test_applicants_and_supervisors_do_not_answer(w):
    q = ask(w)
    for actor in (w.applicant, w.stranger, w.supervisor):
        with pytest.raises(PermissionDenied):
            services.question_answer(question=q, text="x", actor=actor)


def test_release_by_the_holder_only(w):
    q = ask(w)
    services.question_take(question=q, actor=w.clerk)
    with pytest.raises(PermissionDenied):
        services.question_release(question=q, actor=w.chief)
    released = services.question_release(question=q, actor=w.clerk)
    assert released.state == QuestionState.OPEN and released.taken_by_id is None
    with pytest.raises(Conflict):
        services.question_release(question=q, actor=w.clerk)


def test_the_asker_closes_an_answered_question_and_a_stranger_cannot(w):
    q = ask(w)
    services.question_answer(question=q, text="可以。", actor=w.clerk)
    with pytest.raises(PermissionDenied):
        services.question_close(question=q, actor=w.stranger)
    closed = services.question_close(question=q, actor=w.applicant)
    assert closed.state == QuestionState.CLOSED and closed.closed_at is not None
    with pytest.raises(Conflict):
        services.question_close(question=q, actor=w.applicant)


def test_a_manager_promotes_a_good_answer_to_an_faq_on_the_items_guide(w):
    q = ask(w, text="个体工商户能否办理食品经营许可？")
    services.question_answer(question=q, text="可以，持营业执照办理。", actor=w.clerk)
    version = w.item.version
    promoted = services.question_promote(question=q, actor=w.manager)
    faq = Faq.objects.get(item=w.item, question="个体工商户能否办理食品经营许可？")
    assert faq.answer == "可以，持营业执照办理。"
    assert promoted.promoted_at is not None and promoted.faq_question == faq.question
    assert ServiceItem.objects.get(pk=w.item.pk).version == version + 1
    with pytest.raises(Conflict) as exc:
        services.question_promote(question=q, actor=w.manager)
    assert exc.value.code == "inquiries.already_promoted"


def test_promotion_refusals_change_nothing(w):
    unanswered = ask(w)
    general = ask(w, item=None)
    services.question_answer(question=general, text="好的", actor=w.clerk)
    answered = ask(w, text="第二个问题")
    services.question_answer(question=answered, text="好的", actor=w.clerk)
    before, faqs = f.counts(), Faq.objects.count()
    with pytest.raises(Conflict):
        services.question_promote(question=unanswered, actor=w.manager)
    with pytest.raises(ValidationFailed):
        services.question_promote(question=general, actor=w.manager)
    with pytest.raises(PermissionDenied):
        services.question_promote(question=answered, actor=w.clerk)  # a clerk is not the chief
    with pytest.raises(PermissionDenied):
        services.question_promote(question=answered, actor=w.applicant)
    assert f.counts() == before and Faq.objects.count() == faqs
    services.question_promote(question=answered, actor=w.chief)  # the department's chief may


def test_the_sweep_flags_an_unanswered_question_once_across_a_weekend(w):
    with time_machine.travel(at(11, 27, 10), tick=False):  # Friday
        q = ask(w)
    assert q.due_at == at(12, 1)  # 24:00 of Monday 30 November
    assert inquiries_sweep(now=at(11, 30, 23, 59)).questions_overdue == 0
    assert inquiries_sweep(now=at(12, 1, 0, 1)).questions_overdue == 1
    assert inquiries_sweep(now=at(12, 1, 0, 2)).questions_overdue == 0
    assert Question.objects.get(pk=q.pk).overdue_at == at(12, 1, 0, 1)


def test_a_holiday_moves_the_answer_deadline(w):
    calendar_set_day(day=dt.date(2026, 11, 30), is_workday=False, note="闭厅", actor=None)
    with time_machine.travel(at(11, 27, 10), tick=False):
        q = ask(w)
    assert q.due_at == at(12, 2)  # Monday is a rest day: 24:00 of Tuesday


def test_working_hours_as_the_answer_limit(w, settings):
    settings.GOVHALL_INQUIRY_ANSWER_LIMIT = "2"
    settings.GOVHALL_INQUIRY_ANSWER_UNIT = "workhour"
    with time_machine.travel(at(11, 27, 23), tick=False):  # Friday 23:00
        q = ask(w)
    assert q.due_at == at(11, 30, 1)  # the weekend does not count
    with time_machine.travel(at(11, 26, 10), tick=False):
        assert ask(w).due_at == at(11, 26, 12)


def test_an_answered_question_is_not_flagged(w):
    with time_machine.travel(at(11, 27, 10), tick=False):
        q = ask(w)
        services.question_answer(question=q, text="好的", actor=w.clerk)
    assert inquiries_sweep(now=at(12, 10)).questions_overdue == 0
