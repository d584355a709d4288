"""/api/v1/staffing: sign in from the pad, my month, leave through the API; errors as {code, message}."""

import datetime as dt

import pytest

from govhall.core.accounts import api_token_create
from govhall.staffing.models import LeaveRequest
from tests.staffing import factories as f

TUESDAY = dt.date(2026, 11, 10)


def _auth(staff) -> dict:
    _token, raw = api_token_create(user=staff.user, label="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_sign_in_from_the_pad_then_my_month(client, clerk):
    headers = _auth(clerk)
    with f.travel(f.at(TUESDAY, 9, 12)):
        response = client.post("/api/v1/staffing/attendance/sign-in", {"source": "pad"},
                               content_type="application/json", **headers)  # fmt: skip
        assert response.status_code == 200, response.content
        assert response.json()["late_minutes"] == 12 and response.json()["sign_in_source"] == "pad"
        again = client.post(
            "/api/v1/staffing/attendance/sign-in", {}, content_type="application/json", **headers
        )
        assert again.status_code == 409 and again.json()["code"] == "staffing.already_signed_in"
        month = client.get("/api/v1/staffing/me/month?period=2026-11", **headers).json()
    assert month["late"] == 1 and month["deductions"]["late_major"] == "2.0"
    assert month["records"][0]["session"] == "am"
    assert (
        client.get("/api/v1/staffing/me/month?period=2026-99", **headers).json()["code"]
        == "staffing.bad_period"
    )
    assert client.get("/api/v1/staffing/me/month").status_code == 401


def test_leave_through_the_api(client, clerk, duty):
    mine, theirs = _auth(clerk), _auth(duty)
    body = {"kind": "annual", "start_day": "2026-11-16", "end_day": "2026-11-16", "reason": "休假"}
    with f.travel(f.at(TUESDAY, 9)):
        bad = client.post(
            "/api/v1/staffing/leave", body | {"kind": "x"}, content_type="application/json", **mine
        )
        assert bad.status_code == 400 and bad.json()["code"] == "staffing.bad_leave_kind"
        assert LeaveRequest.objects.count() == 0
        created = client.post("/api/v1/staffing/leave", body, content_type="application/json", **mine)
        assert created.status_code == 201 and created.json()["days"] == "1"
        leave_id = created.json()["id"]
        url = f"/api/v1/staffing/leave/{leave_id}/actions/approve"
        refused = client.post(url, {}, content_type="application/json", **mine)
        assert refused.status_code == 403
        ok = client.post(url, {"note": "同意"}, content_type="application/json", **theirs)
        assert ok.status_code == 200 and ok.json()["state"] == "approved"
        illegal = client.post(f"/api/v1/staffing/leave/{leave_id}/actions/withdraw", {},
                              content_type="application/json", **mine)  # fmt: skip
        assert illegal.status_code == 409
    assert [x["state"] for x in client.get("/api/v1/staffing/leave", **mine).json()] == ["approved"]


@pytest.mark.parametrize("who", ["clerk"])
def test_another_persons_month_is_not_found(client, clerk, who):
    other = f.clerk(name="别人")
    response = client.get(f"/api/v1/staffing/staff/{other.pk}/month", **_auth(clerk))
    assert response.status_code == 404 and response.json()["code"] == "staffing.staff_not_found"
