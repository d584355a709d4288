"""/api/v1/hall/queue: public reads, bearer actions, the error shape."""

import pytest

from govhall.core.accounts import api_token_create
from govhall.hall.queue.models import Ticket
from tests.hall_queue import factories as f
from tests.org import factories as org

pytestmark = pytest.mark.django_db
BASE = "/api/v1/hall/queue"


def auth(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=user)[1]}"}


def test_issue_call_serve_finish(client, biz_a, window, clerk):
    device = org.staff().user  # the kiosk's device account
    made = client.post(f"{BASE}/tickets", {"business": biz_a.pk, "id_number": f.ric(), "name": "张三"},
                       content_type="application/json", **auth(device))  # fmt: skip
    assert made.status_code == 201 and made.json()["number"] == "A001" and made.json()["holder"] == "张*"
    headers = auth(clerk)
    assert client.post(f"{BASE}/windows/{window.pk}/open", {}, content_type="application/json", **headers).json() == {
        "state": "open", "silent": False}  # fmt: skip
    called = client.post(f"{BASE}/windows/{window.pk}/call-next", **headers).json()["ticket"]
    assert called["number"] == "A001" and called["voice"].startswith("请A零零一号")
    for action in ("serve", "finish"):
        answer = client.post(f"{BASE}/tickets/{called['id']}/actions/{action}", {}, content_type="application/json",
                             **headers)  # fmt: skip
        assert answer.status_code == 200, answer.json()
    assert answer.json()["state"] == "done"
    assert client.post(f"{BASE}/windows/{window.pk}/call-next", **headers).json() == {"ticket": None}


def test_errors_have_codes_and_change_nothing(client, biz_a, window, clerk):
    headers = auth(clerk)
    before = f.counts()
    unknown = client.post(f"{BASE}/tickets", {"business": 999, "id_number": f.ric()},
                          content_type="application/json", **headers)  # fmt: skip
    assert unknown.status_code == 404 and unknown.json()["code"] == "queue.business_not_found"
    closed = client.post(f"{BASE}/windows/{window.pk}/call-next", **headers)
    assert closed.status_code == 409 and closed.json()["code"] == "queue.window_closed"
    stranger = f.clerk_at(f.window(serves={biz_a: 1}))
    refused = client.post(
        f"{BASE}/windows/{window.pk}/open", {}, content_type="application/json", **auth(stranger)
    )
    assert refused.status_code in (403, 404)
    assert client.post(f"{BASE}/windows/{window.pk}/call-next").status_code == 401
    after = f.counts()
    after.pop("AuditEvent"), before.pop("AuditEvent")  # token creation is audited
    assert after == before


def test_public_businesses_and_screen(client, biz_a, window, clerk, open_desk):
    f.ticket(biz_a), f.ticket(biz_a)
    rows = client.get(f"{BASE}/businesses").json()
    assert {"prefix": "A", "waiting": 2}.items() <= next(r for r in rows if r["prefix"] == "A").items()
    from govhall.hall.queue import calling

    calling.ticket_call_next(window=window, actor=clerk)
    screen = client.get(f"{BASE}/screen").json()
    assert screen["calls"][0]["number"] == "A001" and Ticket.objects.count() == 2
