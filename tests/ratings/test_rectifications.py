"""Bad ratings open a rectification: every transition of the table, the return visit, the reviews,
the 15-working-day deadline (across a holiday) and the overdue flag."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from govhall.core.errors import DomainError
from govhall.core.models import AuditEvent, OutboxMessage
from govhall.ratings import rectifications as r
from govhall.ratings.models import RECT_TRANSITIONS, Rectification, RectState
from govhall.ratings.services import rating_submit
from tests.org import factories as org
from tests.ratings import factories as rf

pytestmark = pytest.mark.django_db


def refused(call, code: str, words: str = ""):
    before = rf.counts()
    with pytest.raises(DomainError) as err:
        call()
    assert err.value.code == code, (err.value.code, err.value.message)
    assert words in err.value.message, err.value.message
    assert rf.counts() == before
    return err.value


@pytest.fixture
def rect(concluded, zhang_san, chief):
    rating = rating_submit(level=5, channel="pc", actor=zhang_san, case=concluded, reasons=["attitude", "trips"],
                           comment="跑了三次")  # fmt: skip
    return rating.rectification


def fresh(rect) -> Rectification:
    return Rectification.objects.get(pk=rect.pk)


def visit(rect, actor):
    return r.return_visit_record(
        rectification=rect, method="phone", result="satisfied", note="已致歉", actor=actor
    )


def test_a_bad_rating_opens_a_rectification_and_tells_the_unit(rect, concluded, chief):
    assert (rect.state, rect.unit, rect.overdue) == ("pending", concluded.item.department, False)
    assert rect.due_at > rect.opened_at
    sms = OutboxMessage.objects.get(topic="rating_rectification")
    assert sms.dedupe_key.endswith(f":{chief.pk}") and "差评" in sms.payload["text"]
    assert AuditEvent.objects.filter(action="ratings.rectification_open").count() == 1


def test_start_visit_and_rectify(rect, clerk):
    r.rectification_start(rectification=rect, actor=clerk)
    refused(lambda: r.rectification_complete(rectification=rect, measures="加强培训", actor=clerk),
            "ratings.visit_required", "回访")  # fmt: skip
    v = visit(rect, clerk)
    assert (v.visited_by, v.method, v.result) == (clerk, "phone", "satisfied")
    done = r.rectification_complete(rectification=rect, measures="加强培训", public_result="已对窗口人员批评教育",
                                    actor=clerk)  # fmt: skip
    assert (done.state, done.public_result, done.closed_at is not None, done.overdue) == (
        "rectified",
        "已对窗口人员批评教育",
        True,
        False,
    )
    actions = list(AuditEvent.objects.filter(action__startswith="ratings.rectification_").values_list(
        "action", flat=True).order_by("id"))  # fmt: skip
    assert actions == ["ratings.rectification_open", "ratings.rectification_start",
                       "ratings.rectification_visit", "ratings.rectification_rectify"]  # fmt: skip
    refused(
        lambda: r.rectification_start(rectification=rect, actor=clerk), "ratings.illegal_transition", "已整改"
    )
    refused(lambda: visit(rect, clerk), "ratings.illegal_transition")


def test_appeal_upheld_makes_the_rating_invalid(rect, clerk, supervisor):
    refused(
        lambda: r.rectification_appeal(rectification=rect, reason=" ", actor=clerk), "ratings.text_required"
    )
    r.rectification_appeal(rectification=rect, reason="评价人与办件无关，恶意差评", actor=clerk)
    assert fresh(rect).state == "invalid_review"
    refused(
        lambda: r.rectification_review(rectification=fresh(rect), uphold=True, actor=clerk), "org.forbidden"
    )
    refused(lambda: r.rectification_review(rectification=fresh(rect), uphold="yes", actor=supervisor),
            "ratings.review_result")  # fmt: skip
    done = r.rectification_review(rectification=fresh(rect), uphold=True, note="核实属实", actor=supervisor)
    assert (done.state, done.reviewed_by, done.closed_at is not None) == ("invalid", supervisor, True)


def test_appeal_rejected_goes_to_rectifying(rect, clerk, manager):
    r.rectification_appeal(rectification=rect, reason="非本单位事项", actor=clerk)
    refused(lambda: r.rectification_review(rectification=fresh(rect), uphold=False, actor=manager),
            "ratings.text_required", "理由")  # fmt: skip
    done = r.rectification_review(rectification=fresh(rect), uphold=False, note="属本单位事项", actor=manager)
    assert done.state == "rectifying" and done.due_at == rect.due_at  # the deadline does not move


def test_cannot_rectify_upheld_or_rejected(rect, clerk, supervisor):
    r.rectification_start(rectification=rect, actor=clerk)
    r.rectification_cannot(rectification=rect, reason="法定材料，不能减免", actor=clerk)
    back = r.rectification_review(
        rectification=fresh(rect), uphold=False, note="可优化告知", actor=supervisor
    )
    assert back.state == "rectifying"
    r.rectification_cannot(rectification=rect, reason="法律规定须本人到场", actor=clerk)
    done = r.rectification_review(rectification=fresh(rect), uphold=True, actor=supervisor)
    assert done.state == "cannot_rectify"


def test_nobody_reviews_their_own_claim(rect, manager):
    r.rectification_appeal(rectification=rect, reason="重复评价", actor=manager)
    refused(lambda: r.rectification_review(rectification=fresh(rect), uphold=True, actor=manager),
            "ratings.self_review")  # fmt: skip


def test_only_the_unit_handles_it(rect):
    outsider = org.staff(role="clerk", name="外单位").user
    refused(lambda: r.rectification_start(rectification=rect, actor=outsider), "ratings.not_your_unit")
    person = rf.person()
    refused(lambda: r.rectification_start(rectification=rect, actor=person), "org.forbidden")


def test_every_illegal_move_is_refused_with_the_allowed_ones(rect, clerk, supervisor):
    # pending allows start and appeal only
    error = refused(lambda: r.rectification_cannot(rectification=rect, reason="x", actor=clerk),
                    "ratings.illegal_transition", "待处理")  # fmt: skip
    assert sorted(error.extra["allowed_actions"]) == ["appeal", "start"] and error.http_status == 409
    refused(lambda: r.rectification_review(rectification=rect, uphold=True, actor=supervisor),
            "ratings.illegal_transition")  # fmt: skip
    refused(lambda: r.return_visit_record(rectification=rect, method="fax", result="satisfied", actor=clerk),
            "ratings.visit_method")  # fmt: skip
    refused(lambda: r.return_visit_record(rectification=rect, method="phone", result="", actor=clerk),
            "ratings.visit_result")  # fmt: skip
    assert len(RECT_TRANSITIONS) == 8


def test_the_deadline_is_15_working_days_across_a_holiday(zhang_san, item, clerk):
    # Rated on Friday 25 Sep 2026; National Day holiday 1–7 Oct (2026: 1–7, with adjusted days).
    when = rf.at(9, 25, 10)
    case = rf.concluded_case(zhang_san, item=item, clerk=clerk, when=when - dt.timedelta(hours=1))
    with time_machine.travel(when, tick=False):
        rect = rating_submit(
            level=4, channel="pc", actor=zhang_san, case=case, reasons=["slow"]
        ).rectification
    from govhall.core import workdays

    due_day = timezone.localtime(rect.due_at).date() - dt.timedelta(days=1)  # ends at 24:00 of that day
    assert workdays.workdays_between(when.date(), due_day) == 15
    assert due_day > when.date() + dt.timedelta(days=21)  # the holiday week is not counted
    assert workdays.is_workday(due_day)


def test_the_sweep_flags_overdue_once(rect, clerk):
    assert r.rectifications_flag_overdue(now=rect.due_at - dt.timedelta(seconds=1)) == 0
    assert r.rectifications_flag_overdue(now=rect.due_at) == 1
    assert r.rectifications_flag_overdue(now=rect.due_at + dt.timedelta(days=1)) == 0
    assert fresh(rect).overdue and fresh(rect).overdue_at == rect.due_at
    # finished late: still overdue
    with time_machine.travel(rect.due_at + dt.timedelta(days=2), tick=False):
        r.rectification_start(rectification=rect, actor=clerk)
        visit(rect, clerk)
        done = r.rectification_complete(rectification=rect, measures="整改", actor=clerk)
    assert done.overdue and done.state == RectState.RECTIFIED


def test_a_late_rectification_is_flagged_when_it_ends(rect, clerk):
    with time_machine.travel(rect.due_at + dt.timedelta(hours=1), tick=False):
        r.rectification_start(rectification=rect, actor=clerk)
        visit(rect, clerk)
        done = r.rectification_complete(rectification=rect, measures="整改", actor=clerk)
    assert done.overdue and done.overdue_at == rect.due_at
