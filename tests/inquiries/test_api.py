"""/api/v1/inquiries: ask, list mine, answer (staff), file a complaint, list and reply (staff);
errors as {code, message}; applicants see only their own; another unit's complaint is 403."""

import pytest

from govhall.core import accounts
from govhall.inquiries import services
from govhall.inquiries.models import Complaint, Question
from tests.inquiries import factories as f

BASE = "/api/v1/inquiries"


def auth(user) -> dict:
    if not hasattr(user, "_test_token"):
        user._test_token = accounts.api_token_create(user=user, label="test")[1]
    return {"HTTP_AUTHORIZATION": f"Bearer {user._test_token}"}


@pytest.fixture(autouse=True)
def _tokens(w):
    """Tokens first: creating one is audited, and the tests count audit events."""
    for user in (w.applicant, w.stranger, w.clerk, w.chief, w.other_clerk, w.supervisor, w.manager):
        auth(user)


def get(client, user, path, **params):
    return client.get(f"{BASE}{path}", params, **auth(user))


def post(client, user, path, body=None):
    return client.post(f"{BASE}{path}", body or {}, content_type="application/json", **auth(user))


def test_ask_list_answer_and_the_asker_sees_the_answer(client, w):
    created = post(client, w.applicant, "/questions", {"text": "需要带原件吗？", "item": w.item.code})
    assert created.status_code == 201, created.content
    qid = created.json()["id"]
    assert created.json()["item_code"] == w.item.code and created.json()["state"] == "open"
    queue = get(client, w.clerk, "/questions/queue")
    assert [q["id"] for q in queue.json()] == [qid]
    assert post(client, w.clerk, f"/questions/{qid}/take").json()["taken_by_me"] is True
    clash = post(client, w.chief, f"/questions/{qid}/take")
    assert clash.status_code == 409 and clash.json()["code"] == "inquiries.question_taken"
    answered = post(client, w.clerk, f"/questions/{qid}/answer", {"text": "需要原件。"})
    assert answered.status_code == 200 and answered.json()["state"] == "answered"
    mine = get(client, w.applicant, "/questions").json()
    assert mine[0]["answers"][0]["text"] == "需要原件。"


def test_question_errors(client, w):
    before = f.counts()
    empty = post(client, w.applicant, "/questions", {"text": "  "})
    assert empty.status_code == 400 and empty.json()["code"] == "inquiries.question_required"
    unknown = post(client, w.applicant, "/questions", {"text": "问", "item": "NOPE"})
    assert unknown.status_code == 400 and unknown.json()["code"] == "inquiries.item_not_found"
    assert f.counts() == before
    q = services.question_ask(text="我的问题", actor=w.applicant)
    assert get(client, w.stranger, f"/questions/{q.pk}").status_code == 404
    assert get(client, w.stranger, "/questions").json() == []
    assert get(client, w.applicant, "/questions/queue").status_code == 403
    assert post(client, w.stranger, f"/questions/{q.pk}/answer", {"text": "x"}).status_code == 404
    services.question_close(question=q, actor=w.applicant)
    closed = post(client, w.clerk, f"/questions/{q.pk}/answer", {"text": "迟到"})
    assert closed.status_code == 409 and closed.json()["code"] == "inquiries.question_state"
    assert client.get(f"{BASE}/questions").status_code == 401


def test_file_list_reply_and_rate_a_complaint(client, w):
    created = post(client, w.applicant, "/complaints",
                   {"content": "收费不透明", "subject": "department", "department": w.unit.code})  # fmt: skip
    assert created.status_code == 201, created.content
    body = created.json()
    number = body["number"]
    assert body["state"] == "assigned" and body["complainant_name"] == "张*"
    assert body["complainant_mobile"] == "139****5678"
    assert [c["number"] for c in get(client, w.clerk, "/complaints").json()] == [number]
    assert get(client, w.other_clerk, "/complaints").json() == []
    before = f.counts()
    refused = post(
        client, w.other_clerk, f"/complaints/{number}/reply", {"text": "不归我管", "upheld": False}
    )
    assert refused.status_code == 403 and refused.json()["code"] == "inquiries.not_your_unit"
    assert f.counts() == before
    replied = post(client, w.clerk, f"/complaints/{number}/reply", {"text": "已公示收费标准", "upheld": True})
    assert replied.status_code == 200 and replied.json()["state"] == "replied"
    seen = get(client, w.applicant, f"/complaints/{number}").json()
    assert seen["reply_text"] == "已公示收费标准"
    assert get(client, w.stranger, f"/complaints/{number}").status_code == 404
    rated = post(client, w.applicant, f"/complaints/{number}/rate", {"satisfied": True})
    assert rated.json()["state"] == "closed"


def test_complaint_errors_and_the_desk(client, w):
    before = f.counts()
    bad = post(client, w.applicant, "/complaints", {"content": "", "subject": "general"})
    assert bad.status_code == 400 and bad.json()["code"] == "inquiries.content_required"
    dept = post(
        client, w.applicant, "/complaints", {"content": "x", "subject": "department", "department": "NOPE"}
    )
    assert dept.status_code == 400 and dept.json()["code"] == "inquiries.department_not_found"
    hotline = post(client, w.applicant, "/complaints", {"content": "x", "channel": "hotline"})
    assert hotline.status_code == 403
    assert f.counts() == before
    entered = post(client, w.supervisor, "/complaints",
                   {"content": "热线反映排队太久", "channel": "hotline", "complainant_name": "王五",
                    "complainant_mobile": "13600001111"})  # fmt: skip
    number = entered.json()["number"]
    assert entered.json()["state"] == "registered" and entered.json()["complainant_name"] == "王*"
    assert post(client, w.clerk, f"/complaints/{number}/assign", {"unit": w.unit.code}).status_code == 403
    assigned = post(client, w.supervisor, f"/complaints/{number}/assign", {"unit": w.unit.code})
    assert assigned.json()["state"] == "assigned" and assigned.json()["unit"] == w.unit.code
    assert get(client, w.supervisor, "/complaints", state="bogus").status_code == 400
    assert len(get(client, w.supervisor, "/complaints", state="assigned").json()) == 1
    assert get(client, w.applicant, "/complaints/TS0000").status_code == 404


def test_first_inquiries_api(client, w):
    created = post(client, w.clerk, "/first-inquiries",
                   {"question": "社保卡补办？", "outcome": "guided", "guided_to": "社保分中心", "asker_name": "王小明"})  # fmt: skip
    assert created.status_code == 201 and created.json()["asker_name"] == "王**"
    assert len(get(client, w.clerk, "/first-inquiries").json()) == 1
    assert get(client, w.applicant, "/first-inquiries").status_code == 403
    bad = post(client, w.clerk, "/first-inquiries", {"question": "x", "outcome": "guided"})
    assert bad.status_code == 400 and bad.json()["code"] == "inquiries.guided_to_required"


@pytest.mark.parametrize("path", ["/questions", "/complaints", "/first-inquiries"])
def test_lists_have_a_fixed_query_budget(client, w, path, django_assert_max_num_queries):
    for i in range(5):
        services.question_ask(text=f"问题{i}", actor=w.applicant)
        services.complaint_file(
            content=f"投诉{i}", subject="department", department=w.unit, actor=w.applicant
        )
        services.first_inquiry_record(actor=w.clerk, question=f"首问{i}", outcome="answered")
    user = w.applicant if path != "/first-inquiries" else w.clerk
    with django_assert_max_num_queries(8):
        response = get(client, user, path)
    assert len(response.json()) == 5
    assert Question.objects.count() == 5 and Complaint.objects.count() == 5
