"""Complaints: filing on every channel, dispatch, reply (SMS once), satisfaction, reopen and
escalation, the deadline in working days, the sweep, and every refusal changing nothing."""

import datetime as dt

import pytest
import time_machine

from govhall.core.calendar import calendar_set_day
from govhall.core.errors import Conflict, PermissionDenied, ValidationFailed
from govhall.core.models import AuditEvent, OutboxMessage
from govhall.inquiries import services
from govhall.inquiries.models import Complaint, ComplaintState
from govhall.inquiries.sweep import inquiries_sweep
from govhall.org.models import Staff
from tests.inquiries import factories as f
from tests.inquiries.factories import at


def file(w, **extra):
    data = {"content": "窗口工作人员态度冷漠，材料被退回三次。", "subject": "department", "department": w.unit,
            "actor": w.applicant} | extra  # fmt: skip
    return services.complaint_file(**data)


def reply(w, c, text="已核实并批评教育相关人员。", upheld=True, actor=None):
    return services.complaint_reply(complaint=c, text=text, upheld=upheld, actor=actor or w.clerk)


def test_an_online_complaint_about_a_unit_is_assigned_with_a_five_working_day_deadline(w):
    with time_machine.travel(at(11, 26, 10), tick=False):  # Thursday
        c = file(w)
    assert c.state == ComplaintState.ASSIGNED and c.unit_id == w.unit.pk
    assert c.number.startswith("TS20261126") and c.complainant_id == w.applicant.pk
    assert c.complainant_name == "张三" and c.complainant_mobile_masked == "139****5678"
    assert c.reply_due_at == at(12, 4)  # Fri, Mon, Tue, Wed, Thu → 24:00 of Thursday 3 December
    assert AuditEvent.objects.filter(action="inquiries.complaint_file", object_id=str(c.pk)).count() == 1
    assert [m.payload["mobile"] for m in f.sms()] == ["13912345678"]  # the acknowledgement


def test_a_holiday_inside_the_period_moves_the_deadline(w):
    calendar_set_day(day=dt.date(2026, 12, 1), is_workday=False, note="闭厅", actor=None)
    with time_machine.travel(at(11, 26, 10), tick=False):
        c = file(w)
    assert c.reply_due_at == at(12, 5)


def test_the_reply_workdays_are_a_setting(w, settings):
    settings.GOVHALL_COMPLAINT_REPLY_WORKDAYS = 3
    with time_machine.travel(at(11, 27, 16), tick=False):  # Friday
        c = file(w)
    assert c.reply_due_at == at(12, 3)  # Mon, Tue, Wed


def test_window_staff_and_case_subjects_point_at_their_unit(w):
    by_window = file(w, subject="window", department=None, window=w.window)
    assert by_window.department_id == w.unit.pk and by_window.unit_id == w.unit.pk
    clerk = Staff.objects.get(user=w.clerk)
    by_staff = services.complaint_file(content="态度差", subject="staff", staff=clerk, channel="hotline",
                                       complainant_name="王五", complainant_mobile="13600001111", actor=w.supervisor)  # fmt: skip
    assert (
        by_staff.staff_id == clerk.pk and by_staff.window_id == w.window.pk and by_staff.unit_id == w.unit.pk
    )
    assert by_staff.complainant_id is None and by_staff.registered_by_id == w.supervisor.pk


def test_a_general_complaint_waits_for_dispatch(w):
    c = file(w, subject="general", department=None)
    assert c.state == ComplaintState.REGISTERED and c.unit_id is None and c.reply_due_at is None
    before = f.counts()
    with pytest.raises(PermissionDenied):
        services.complaint_assign(complaint=c, unit=w.other, actor=w.clerk)
    with pytest.raises(ValidationFailed):
        services.complaint_assign(complaint=c, unit=None, actor=w.supervisor)
    assert f.counts() == before
    assigned = services.complaint_assign(complaint=c, unit=w.other, actor=w.supervisor)
    assert assigned.state == ComplaintState.ASSIGNED and assigned.unit_id == w.other.pk
    with pytest.raises(Conflict):
        services.complaint_assign(complaint=c, unit=w.other, actor=w.supervisor)


@pytest.mark.parametrize(
    "extra, code",
    [
        ({"content": ""}, "inquiries.content_required"),
        ({"content": "   "}, "inquiries.content_required"),
        ({"content": "长" * 2001}, "inquiries.text_too_long"),
        ({"subject": "department", "department": None}, "inquiries.subject_missing"),
        ({"subject": "nonsense"}, "inquiries.subject_invalid"),
        ({"complainant_mobile": "12345"}, "inquiries.mobile_invalid"),
    ],
)
def test_bad_complaints_are_refused_and_nothing_changes(w, extra, code):
    before = f.counts()
    with pytest.raises(ValidationFailed) as exc:
        file(w, **extra)
    assert exc.value.code == code
    assert f.counts() == before


def test_an_applicant_cannot_enter_a_hotline_complaint_or_complain_anonymously_online(w):
    from django.contrib.auth.models import AnonymousUser

    before = f.counts()
    with pytest.raises(PermissionDenied):
        file(w, channel="hotline")
    with pytest.raises(PermissionDenied):
        file(w, actor=AnonymousUser())
    assert f.counts() == before


def test_a_complaint_about_a_case_must_be_about_ones_own(w, db):
    from govhall.cases.services import case_submit
    from tests.cases import factories as cf

    case = case_submit(**cf.submit_kwargs(w.item, w.clerk))
    with pytest.raises(ValidationFailed) as exc:
        file(w, subject="case", department=None, case=case)
    assert exc.value.code == "inquiries.case_not_yours"
    c = services.complaint_file(
        content="办件拖延", subject="case", case=case, channel="letter", actor=w.supervisor
    )
    assert c.unit_id == w.item.department_id and c.case_id == case.pk


def test_the_unit_replies_and_the_complainant_gets_one_sms(w):
    c = file(w)
    replied = reply(w, c)
    assert replied.state == ComplaintState.REPLIED and replied.upheld is True and replied.reply_count == 1
    texts = [m.payload["text"] for m in f.sms()]
    assert len(texts) == 2 and c.number in texts[1] and "答复" in texts[1]
    assert OutboxMessage.objects.filter(dedupe_key=f"complaint:{c.pk}:reply:1").count() == 1


def test_replying_to_another_units_complaint_is_forbidden_and_changes_nothing(w):
    c = file(w)
    before = f.counts()
    for actor in (w.other_clerk, w.applicant):
        with pytest.raises(PermissionDenied) as exc:
            reply(w, c, actor=actor)
        assert exc.value.code == "inquiries.not_your_unit"
    assert f.counts() == before
    assert Complaint.objects.get(pk=c.pk).state == ComplaintState.ASSIGNED


@pytest.mark.parametrize("text, upheld", [("", True), ("答复", None), ("答复", "yes")])
def test_a_reply_needs_text_and_a_finding(w, text, upheld):
    c = file(w)
    before = f.counts()
    with pytest.raises(ValidationFailed):
        reply(w, c, text=text, upheld=upheld)
    assert f.counts() == before


def test_replying_twice_is_a_conflict(w):
    c = file(w)
    reply(w, c)
    before = f.counts()
    with pytest.raises(Conflict) as exc:
        reply(w, c)
    assert exc.value.code == "inquiries.complaint_state"
    assert f.counts() == before


def test_satisfied_closes(w):
    c = reply(w, file(w))
    closed = services.complaint_rate(complaint=c, satisfied=True, actor=w.applicant)
    assert closed.state == ComplaintState.CLOSED and closed.satisfaction == "satisfied"


def test_unsatisfied_reopens_once_then_escalates(w):
    with time_machine.travel(at(11, 26, 10), tick=False):
        c = reply(w, file(w))
    with time_machine.travel(at(11, 30, 9), tick=False):  # Monday
        reopened = services.complaint_rate(complaint=c, satisfied=False, note="没解决", actor=w.applicant)
    assert reopened.state == ComplaintState.ASSIGNED and reopened.reopen_count == 1
    assert reopened.reply_due_at == at(12, 8)  # five new working days from Monday
    reply(w, reopened, text="重新核实，已退还多收费用。")
    assert OutboxMessage.objects.filter(dedupe_key=f"complaint:{c.pk}:reply:2").count() == 1
    escalated = services.complaint_rate(complaint=c, satisfied=False, actor=w.applicant)
    assert escalated.state == ComplaintState.ESCALATED and escalated.escalated_at is not None
    # The desk takes over: it answers itself and closes.
    reply(w, escalated, text="中心督办处理结果。", actor=w.supervisor)
    services.complaint_close(complaint=c, note="回访后办结", actor=w.supervisor)
    assert Complaint.objects.get(pk=c.pk).state == ComplaintState.CLOSED


def test_only_the_complainant_or_the_desk_rates(w):
    c = reply(w, file(w))
    before = f.counts()
    for actor in (w.stranger, w.clerk):
        with pytest.raises(PermissionDenied):
            services.complaint_rate(complaint=c, satisfied=True, actor=actor)
    with pytest.raises(ValidationFailed):
        services.complaint_rate(complaint=c, satisfied=None, actor=w.applicant)
    assert f.counts() == before
    services.complaint_rate(complaint=c, satisfied=True, actor=w.supervisor)  # a return call (回访)


def test_rating_before_a_reply_is_a_conflict(w):
    c = file(w)
    with pytest.raises(Conflict):
        services.complaint_rate(complaint=c, satisfied=True, actor=w.applicant)


def test_reassign_needs_the_desk_a_reason_and_another_unit(w):
    c = file(w)
    before = f.counts()
    with pytest.raises(PermissionDenied):
        services.complaint_reassign(complaint=c, unit=w.other, reason="不属本单位", actor=w.clerk)
    with pytest.raises(ValidationFailed):
        services.complaint_reassign(complaint=c, unit=w.other, reason="", actor=w.supervisor)
    with pytest.raises(ValidationFailed):
        services.complaint_reassign(complaint=c, unit=w.unit, reason="同一单位", actor=w.supervisor)
    assert f.counts() == before
    moved = services.complaint_reassign(complaint=c, unit=w.other, reason="属公安局职责", actor=w.supervisor)
    assert moved.unit_id == w.other.pk and moved.state == ComplaintState.ASSIGNED
    with pytest.raises(PermissionDenied):
        reply(w, moved)  # the first unit no longer answers
    reply(w, moved, actor=w.other_clerk)


def test_close_needs_the_desk_and_a_note(w):
    c = file(w, subject="general", department=None)
    with pytest.raises(PermissionDenied):
        services.complaint_close(complaint=c, note="x", actor=w.clerk)
    with pytest.raises(ValidationFailed):
        services.complaint_close(complaint=c, note="", actor=w.supervisor)
    closed = services.complaint_close(complaint=c, note="非投诉事项，已转咨询", actor=w.supervisor)
    assert closed.state == ComplaintState.CLOSED
    with pytest.raises(Conflict):
        services.complaint_close(complaint=c, note="again", actor=w.supervisor)


def test_the_sweep_escalates_an_overdue_complaint_once_and_tells_the_units_leader(w):
    with time_machine.travel(at(11, 26, 10), tick=False):
        c = file(w)
    assert inquiries_sweep(now=at(12, 3, 23, 59)).complaints_escalated == 0
    assert inquiries_sweep(now=at(12, 4, 0, 1)).complaints_escalated == 1
    assert inquiries_sweep(now=at(12, 4, 0, 2)).complaints_escalated == 0
    c.refresh_from_db()
    assert c.state == ComplaintState.ESCALATED and c.overdue_at == at(12, 4, 0, 1)
    leader_sms = [m for m in f.sms() if m.payload["mobile"] == "13800990001"]
    assert len(leader_sms) == 1 and c.number in leader_sms[0].payload["text"]
    # The desk hands it back to the unit with a new clock; it is not escalated a second time.
    with time_machine.travel(at(12, 4, 9), tick=False):
        services.complaint_reassign(complaint=c, unit=w.unit, reason="限期办理", actor=w.supervisor)
    assert inquiries_sweep(now=at(12, 20)).complaints_escalated == 1  # marked overdue only
    c.refresh_from_db()
    assert c.state == ComplaintState.ASSIGNED and c.overdue_at == at(12, 20)
    assert len([m for m in f.sms() if m.payload["mobile"] == "13800990001"]) == 1


def test_a_reply_left_unrated_is_closed_after_the_rating_period(w):
    with time_machine.travel(at(11, 26, 10), tick=False):
        c = reply(w, file(w))
    assert inquiries_sweep(now=at(12, 6, 9)).complaints_closed_unrated == 0
    assert inquiries_sweep(now=at(12, 6, 11)).complaints_closed_unrated == 1
    c.refresh_from_db()
    assert c.state == ComplaintState.CLOSED and c.satisfaction == ""


def test_the_sweep_command_prints_its_phases(w, capsys):
    from django.core.management import call_command

    call_command("inquiries_sweep")
    out = capsys.readouterr().out
    assert "逾期升级投诉：0" in out and "超时未答咨询：0" in out
