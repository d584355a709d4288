"""The first-inquiry log (首问负责制) and the set-based complaint counts for reports."""

import datetime as dt

import pytest
import time_machine

from govhall.core.errors import PermissionDenied, ValidationFailed
from govhall.core.models import AuditEvent
from govhall.inquiries import selectors, services
from govhall.inquiries.selectors import ComplaintCount
from govhall.org.models import Staff
from tests.inquiries import factories as f
from tests.inquiries.factories import at


def record(w, **extra):
    data = {"actor": w.clerk, "question": "办理营业执照在哪个窗口？", "outcome": "guided",
            "guided_to": "二楼B区5号窗口", "asker_name": "王小明", "asker_mobile": "13500001111"} | extra  # fmt: skip
    return services.first_inquiry_record(**data)


def test_a_guided_inquiry_is_logged_with_the_staff_members_window(w):
    row = record(w)
    assert row.staff.user_id == w.clerk.pk and row.window_id == w.window.pk
    assert row.asker_mobile_masked == "135****1111" and row.asker_masked == "王**"
    assert "13500001111" not in row.asker_mobile_cipher  # encrypted at rest
    assert AuditEvent.objects.filter(action="inquiries.first_inquiry", object_id=str(row.pk)).count() == 1


def test_an_answered_inquiry_needs_no_destination(w):
    row = record(w, outcome="answered", guided_to="ignored", asker_name="", asker_mobile="")
    assert row.guided_to == "" and row.asker_masked == "—"


@pytest.mark.parametrize(
    "extra, code",
    [
        ({"question": ""}, "inquiries.question_required"),
        ({"outcome": "maybe"}, "inquiries.outcome_invalid"),
        ({"guided_to": ""}, "inquiries.guided_to_required"),
        ({"asker_mobile": "1234"}, "inquiries.mobile_invalid"),
        ({"asker_name": "名" * 65}, "inquiries.text_too_long"),
    ],
)
def test_bad_first_inquiries_are_refused_and_nothing_changes(w, extra, code):
    before = f.counts()
    with pytest.raises(ValidationFailed) as exc:
        record(w, **extra)
    assert exc.value.code == code
    assert f.counts() == before


def test_only_staff_log_first_inquiries(w):
    before = f.counts()
    with pytest.raises(PermissionDenied):
        record(w, actor=w.applicant)
    assert f.counts() == before


def test_the_log_is_scoped_and_filtered(w):
    with time_machine.travel(at(11, 25, 9), tick=False):
        old = record(w, outcome="answered")
    with time_machine.travel(at(11, 26, 9), tick=False):
        mine = record(w)
        theirs = record(w, actor=w.other_clerk)
    assert set(selectors.first_inquiries(w.clerk)) == {old, mine}  # not the other unit's staff
    assert set(selectors.first_inquiries(w.supervisor)) == {old, mine, theirs}
    assert list(selectors.first_inquiries(w.clerk, start=dt.date(2026, 11, 26))) == [mine]
    assert list(selectors.first_inquiries(w.clerk, end=dt.date(2026, 11, 25))) == [old]
    assert list(selectors.first_inquiries(w.supervisor, outcome="answered")) == [old]
    assert list(selectors.first_inquiries(w.supervisor, mine=True)) == []


def test_complaint_counts_by_staff_window_and_department_in_one_query(w, django_assert_num_queries):
    clerk = Staff.objects.get(user=w.clerk)
    with time_machine.travel(at(11, 2, 10), tick=False):
        a = services.complaint_file(content="态度差", subject="staff", staff=clerk, actor=w.applicant)
        b = services.complaint_file(content="排队久", subject="window", window=w.window, actor=w.applicant)
        services.complaint_file(content="公安", subject="department", department=w.other, actor=w.stranger)
        services.complaint_file(content="其他", subject="general", actor=w.stranger)
    with time_machine.travel(at(12, 2, 10), tick=False):  # outside the period
        services.complaint_file(content="十二月", subject="department", department=w.unit, actor=w.applicant)
    services.complaint_reply(complaint=a, text="属实，已处理", upheld=True, actor=w.clerk)
    services.complaint_reply(complaint=b, text="不属实", upheld=False, actor=w.clerk)
    start, end = dt.date(2026, 11, 1), dt.date(2026, 11, 30)
    with django_assert_num_queries(1):
        by_department = selectors.complaint_counts(start=start, end=end, by="department")
    assert by_department == {w.unit.pk: ComplaintCount(2, 1), w.other.pk: ComplaintCount(1, 0)}
    assert selectors.complaint_counts(start=start, end=end, by="staff") == {clerk.pk: ComplaintCount(1, 1)}
    assert selectors.complaint_counts(start=start, end=end, by="window") == {
        w.window.pk: ComplaintCount(2, 1)
    }
    assert selectors.complaint_counts(start=dt.date(2026, 11, 2), end=dt.date(2026, 11, 2), by="department")[
        w.unit.pk
    ] == ComplaintCount(2, 1)
    with pytest.raises(ValueError):
        selectors.complaint_counts(start=start, end=end, by="item")


def test_staff_see_their_units_complaints_and_the_desk_sees_all(w):
    ours = services.complaint_file(
        content="本单位", subject="department", department=w.unit, actor=w.applicant
    )
    theirs = services.complaint_file(
        content="他单位", subject="department", department=w.other, actor=w.applicant
    )
    assert list(selectors.complaints_for_staff(w.clerk)) == [ours]
    assert set(selectors.complaints_for_staff(w.supervisor)) == {ours, theirs}
    assert list(selectors.complaints_of(w.stranger)) == []
    with pytest.raises(PermissionDenied):
        selectors.complaint_get(user=w.clerk, complaint_id=theirs.pk)
    from govhall.core.errors import NotFound

    with pytest.raises(NotFound):
        selectors.complaint_get(user=w.stranger, complaint_id=ours.pk)
    assert selectors.complaint_get(user=w.applicant, complaint_id=ours.pk) == ours


def test_the_overdue_filter(w):
    with time_machine.travel(at(11, 2, 10), tick=False):
        late = services.complaint_file(
            content="早", subject="department", department=w.unit, actor=w.applicant
        )
    fresh = services.complaint_file(content="新", subject="department", department=w.unit, actor=w.applicant)
    with time_machine.travel(at(11, 26, 10), tick=False):
        assert list(selectors.complaints_for_staff(w.clerk, overdue=True)) == [late]
        assert list(selectors.complaints_for_staff(w.clerk, overdue=False)) == [fresh]
