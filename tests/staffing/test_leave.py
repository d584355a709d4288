"""Leave requests: the state machine, who may decide, and bad input that changes nothing."""

import datetime as dt
from decimal import Decimal

import pytest

from govhall.core.errors import Conflict, PermissionDenied, ValidationFailed
from govhall.core.models import AuditEvent, OutboxMessage
from govhall.org.models import Role
from govhall.staffing import services
from govhall.staffing.models import LeaveRequest
from tests.staffing import factories as f

NOW = f.at(dt.date(2026, 11, 9), 8, 0)  # a Monday
NEXT_MONDAY, NEXT_FRIDAY = dt.date(2026, 11, 16), dt.date(2026, 11, 20)


def submit(staff, start=NEXT_MONDAY, end=NEXT_MONDAY, start_session="am", end_session="pm", kind="personal"):
    with f.travel(NOW):
        return services.leave_submit(kind=kind, start_day=start, start_session=start_session, end_day=end,
                                     end_session=end_session, reason="家中有事", actor=staff.user)  # fmt: skip


@pytest.mark.parametrize(
    ("start", "s_session", "end", "e_session", "half_days"),
    [(NEXT_MONDAY, "am", NEXT_MONDAY, "am", 1), (NEXT_MONDAY, "pm", NEXT_MONDAY, "pm", 1),
     (NEXT_MONDAY, "pm", NEXT_FRIDAY, "am", 8), (dt.date(2026, 11, 13), "am", dt.date(2026, 11, 16), "pm", 4)],
)  # fmt: skip
def test_half_days_are_working_half_days(clerk, start, s_session, end, e_session, half_days):
    leave = submit(clerk, start, end, s_session, e_session)
    assert leave.half_days == half_days and leave.state == "submitted"
    assert AuditEvent.objects.filter(action="staffing.leave_submit", object_id=str(leave.pk)).exists()


def test_approve_then_revoke_and_each_decision_sends_one_sms(clerk, duty):
    leave = submit(clerk)
    with f.travel(NOW):
        services.leave_decide(leave=leave, action="approve", note="同意", actor=duty.user)
        leave.refresh_from_db()
        assert (leave.state, leave.decided_by_id, leave.decision_note) == ("approved", duty.user_id, "同意")
        services.leave_revoke(leave=leave, note="工作需要", actor=duty.user)
    leave.refresh_from_db()
    assert leave.state == "revoked"
    sms = OutboxMessage.objects.filter(topic="staffing_leave").order_by("id")
    assert [m.dedupe_key for m in sms] == [
        f"staffing_leave:{leave.pk}:approved",
        f"staffing_leave:{leave.pk}:revoked",
    ]


def test_reject_needs_a_reason_and_withdraw_is_the_applicants(clerk, duty):
    leave = submit(clerk)
    before = f.counts()
    with f.travel(NOW):
        with pytest.raises(ValidationFailed) as exc:
            services.leave_decide(leave=leave, action="reject", note=" ", actor=duty.user)
        assert exc.value.code == "staffing.reason_required"
        with pytest.raises(PermissionDenied):
            services.leave_withdraw(leave=leave, actor=duty.user)
        assert f.counts() == before
        services.leave_withdraw(leave=leave, actor=clerk.user)
        with pytest.raises(Conflict) as illegal:
            services.leave_decide(leave=leave, action="approve", actor=duty.user)
    assert illegal.value.code == "staffing.leave_illegal"
    assert LeaveRequest.objects.get().state == "withdrawn"


def test_long_leave_needs_the_manager_and_nobody_decides_their_own(clerk, duty, manager):
    long = submit(clerk, NEXT_MONDAY, NEXT_FRIDAY)  # 5 working days
    assert long.days == Decimal(5)
    mine = submit(duty)
    before = f.states(LeaveRequest)
    with f.travel(NOW):
        with pytest.raises(PermissionDenied) as exc:
            services.leave_decide(leave=long, action="approve", actor=duty.user)
        assert exc.value.code == "staffing.manager_required"
        with pytest.raises(PermissionDenied) as own:
            services.leave_decide(leave=mine, action="approve", actor=duty.user)
        assert own.value.code == "staffing.own_leave"
        with pytest.raises(PermissionDenied):
            services.leave_decide(leave=long, action="approve", actor=clerk.user)
        assert f.states(LeaveRequest) == before
        services.leave_decide(leave=long, action="approve", actor=manager.user)
    assert LeaveRequest.objects.get(pk=long.pk).state == "approved"


def test_revoking_leave_that_has_started_is_refused(clerk, duty):
    leave = submit(clerk)
    with f.travel(NOW):
        services.leave_decide(leave=leave, action="approve", actor=duty.user)
    with f.travel(f.at(NEXT_MONDAY, 10, 0)), pytest.raises(Conflict) as exc:
        services.leave_revoke(leave=leave, actor=duty.user)
    assert exc.value.code == "staffing.leave_started"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [({"kind": "holiday"}, "staffing.bad_leave_kind"), ({"start_session": "noon"}, "staffing.bad_session"),
     ({"end_day": dt.date(2026, 11, 13)}, "staffing.bad_span"),
     ({"start_day": dt.date(2026, 11, 14), "end_day": dt.date(2026, 11, 15)}, "staffing.no_workday"),
     ({"start_day": dt.date(2026, 9, 1), "end_day": dt.date(2026, 9, 1)}, "staffing.too_late"),
     ({"reason": ""}, "staffing.reason_required"), ({"start_day": "2026-11-16"}, "staffing.bad_date")],
)  # fmt: skip
def test_bad_leave_requests_change_nothing(clerk, kwargs, code):
    data = {"kind": "annual", "start_day": NEXT_MONDAY, "start_session": "am", "end_day": NEXT_MONDAY,
            "end_session": "pm", "reason": "休假"} | kwargs  # fmt: skip
    before = f.counts()
    with f.travel(NOW), pytest.raises(ValidationFailed) as exc:
        services.leave_submit(**data, actor=clerk.user)
    assert exc.value.code == code
    assert f.counts() == before


def test_overlapping_leave_is_refused(clerk):
    submit(clerk, NEXT_MONDAY, NEXT_MONDAY, "am", "am")
    submit(clerk, NEXT_MONDAY, NEXT_MONDAY, "pm", "pm")  # the other half day is free
    before = f.counts()
    with pytest.raises(Conflict) as exc:
        submit(clerk, NEXT_MONDAY, NEXT_FRIDAY)
    assert exc.value.code == "staffing.leave_overlap"
    assert f.counts() == before


def test_only_leaders_see_pending_leave(clerk, duty):
    from govhall.staffing import selectors

    submit(clerk)
    assert selectors.pending_leave(duty.user).count() == 1
    with pytest.raises(PermissionDenied):
        selectors.pending_leave(clerk.user)
    assert Role.DUTY_LEADER == duty.role
