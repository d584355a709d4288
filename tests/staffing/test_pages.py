"""The staffing pages: who sees what, forms that work without JavaScript, refusals that change nothing."""

import datetime as dt

from govhall.org.models import Role
from govhall.staffing import awards
from govhall.staffing.models import AttendanceRecord, LeaveRequest, Vote
from tests.org import factories as org
from tests.staffing import factories as f

TUESDAY = dt.date(2026, 11, 10)


def test_sign_in_on_the_page_shows_in_my_month(client, clerk):
    client.force_login(clerk.user)
    with f.travel(f.at(TUESDAY, 9, 3)):
        assert client.get("/staffing/").status_code == 200
        response = client.post("/staffing/sign/", {"action": "in"}, follow=True)
        assert "签到成功" in response.content.decode()
        again = client.post("/staffing/sign/", {"action": "in"}, follow=True)
        assert "不能重复签到" in again.content.decode()
        month = client.get("/staffing/month/?period=2026-11").content.decode()
    record = AttendanceRecord.objects.get()
    assert (record.late_minutes, record.sign_in_source) == (3, "page")
    assert 'data-day="2026-11-10" data-session="am"' in month and "09:03" in month


def test_who_sees_whose_month_and_the_sheet(client, clerk, manager):
    colleague = f.clerk(dept=clerk.department, name="同事")
    chief = f.person(role=Role.CHIEF, dept=clerk.department, win=clerk.window, name="首席")
    stranger = f.clerk(name="外人")
    url = "/staffing/month/?period=2026-11&staff={}"
    cases = [(clerk, colleague, 404), (clerk, clerk, 200), (chief, colleague, 200), (chief, stranger, 404),
             (manager, stranger, 200)]  # fmt: skip
    for viewer, target, status in cases:
        client.force_login(viewer.user)
        assert client.get(url.format(target.pk)).status_code == status, (viewer.name, target.name)
    client.force_login(clerk.user)
    assert client.get("/staffing/sheet/").status_code == 403
    client.force_login(chief.user)
    sheet = client.get("/staffing/sheet/?period=2026-11").content.decode()
    assert "同事" in sheet and "外人" not in sheet
    client.force_login(manager.user)
    assert "外人" in client.get("/staffing/sheet/?period=2026-11").content.decode()
    assert client.get("/staffing/summary/?period=2026H2").status_code == 200
    assert client.get("/staffing/sheet/?period=nonsense").status_code == 400


def test_an_applicant_is_refused_and_an_anonymous_visitor_sent_to_log_in(client, db):
    assert client.get("/staffing/").status_code == 302
    client.force_login(org.applicant("zhang_san"))
    assert client.get("/staffing/").status_code == 403


def test_the_leave_form_shows_the_error_beside_the_field_and_writes_nothing(client, clerk, duty):
    client.force_login(clerk.user)
    data = {"kind": "annual", "start_day": "2026-11-16", "start_session": "am", "end_day": "2026-11-13",
            "end_session": "pm", "reason": "休假"}  # fmt: skip
    with f.travel(f.at(TUESDAY, 9)):
        response = client.post("/staffing/leave/", data)
        assert response.status_code == 400 and "结束时间不能早于开始时间" in response.content.decode()
        assert LeaveRequest.objects.count() == 0
        data["end_day"] = "2026-11-16"
        assert client.post("/staffing/leave/", data).status_code == 302
        leave = LeaveRequest.objects.get()
        assert client.get("/staffing/leave/approvals/").status_code == 403
        client.force_login(duty.user)
        assert "休假" in client.get("/staffing/leave/approvals/").content.decode()
        client.post(f"/staffing/leave/{leave.pk}/decide/", {"action": "approve", "note": "同意"})
    leave.refresh_from_db()
    assert leave.state == "approved"


def test_leaders_record_off_post_on_the_page(client, clerk, duty):
    client.force_login(duty.user)
    with f.travel(f.at(TUESDAY, 18)):
        bad = client.post(
            "/staffing/offpost/", {"staff": clerk.pk, "day": "2026-11-10", "start": "10:00", "end": "09:00"}
        )
        assert bad.status_code == 400
        ok = client.post("/staffing/offpost/", {"staff": clerk.pk, "day": "2026-11-10", "start": "10:00",
                                                "end": "10:20", "reason": "未请假离开"})  # fmt: skip
        assert ok.status_code == 302
    client.force_login(clerk.user)
    assert client.get("/staffing/offpost/").status_code == 403


def test_the_selection_page_for_leaders(client, clerk, duty, manager):
    client.force_login(clerk.user)
    assert client.get("/staffing/selection/").status_code == 403
    client.force_login(duty.user)
    with f.travel(f.at(TUESDAY, 10)):
        page = client.get("/staffing/selection/?award=red_flag&period=2026-10")
        assert page.status_code == 200 and clerk.window.name in page.content.decode()
        client.post("/staffing/selection/action/", {"award": "red_flag", "period": "2026-10", "action": "score",
                                                    "target": clerk.window_id, "score": "95"})  # fmt: skip
        client.post(
            "/staffing/selection/action/", {"award": "red_flag", "period": "2026-10", "action": "compute"}
        )
        refused = client.post("/staffing/selection/action/", {"award": "red_flag", "period": "2026-10",
                                                              "action": "publish"})  # fmt: skip
        assert refused.status_code == 403
        client.force_login(manager.user)
        client.post(
            "/staffing/selection/action/", {"award": "red_flag", "period": "2026-10", "action": "publish"}
        )
    assert clerk.window.name in client.get("/staffing/honours/").content.decode()


def test_the_public_vote_page(client, clerk, manager):
    with f.travel(f.at(TUESDAY, 10)):
        vote_period = awards.vote_period_open(award="red_flag", period="2026-11", actor=manager.user)
    page = client.get("/staffing/vote/")
    assert page.status_code == 200 and clerk.window.name in page.content.decode()
    client.post("/staffing/vote/", {"vote_period": vote_period.pk, "candidate": clerk.window_id})
    assert Vote.objects.count() == 0  # anonymous: told to log in
    person = f.voter()
    client.force_login(person)
    client.post("/staffing/vote/", {"vote_period": vote_period.pk, "candidate": clerk.window_id})
    again = client.post(
        "/staffing/vote/", {"vote_period": vote_period.pk, "candidate": clerk.window_id}, follow=True
    )
    assert "每人每期限投一票" in again.content.decode() or "您已在本期投票" in again.content.decode()
    assert Vote.objects.filter(voter=person).count() == 1
    bad = client.post("/staffing/vote/", {"vote_period": "x", "candidate": clerk.window_id})
    assert bad.status_code == 302 and Vote.objects.count() == 1
