"""/api/v1/cases and /api/v1/public/cases: filing, reads by scope, intake actions, public lookup."""

import pytest
from django.test import Client

from govhall.cases.models import Case
from govhall.cases.services import case_submit
from govhall.core import accounts
from govhall.org.models import Role
from tests.api.accounts_helpers import OTHER_ID, register_person
from tests.cases import factories as f
from tests.org import factories as org

pytestmark = pytest.mark.django_db


def auth(user) -> dict:
    """One token per user object per test (issuing one is audited, so counts are taken after it)."""
    if not hasattr(user, "_test_token"):
        user._test_token = accounts.api_token_create(user=user, label="test")[1]
    return {"HTTP_AUTHORIZATION": f"Bearer {user._test_token}"}


@pytest.fixture
def person(db):
    return register_person()


@pytest.fixture
def reviewer(item):
    """A window clerk of the item's department: pre-reviews its online filings."""
    return org.staff(role=Role.CLERK, dept=item.department).user


def _online(client, person, reviewer, item) -> str:
    """An online filing that passed pre-review: received, waiting for the Art. 32 decision."""
    number = _file(client, person, item).json()["number"]
    assert _act(client, reviewer, number, "pre_review_pass").status_code == 200
    return number


def _file(client, user, the_item, *, key=None, **body):
    headers = auth(user) | ({"HTTP_IDEMPOTENCY_KEY": key} if key else {})
    data = {"item": the_item.code, "site": org.centre().code} | body
    return client.post("/api/v1/cases", data, content_type="application/json", **headers)


def _act(client, user, number, action, body=None):
    url = f"/api/v1/cases/{number}/actions/{action}"
    return client.post(url, body or {}, content_type="application/json", **auth(user))


# --- filing --------------------------------------------------------------------------------------


def test_online_filing_takes_identity_from_the_account(client, person, item):
    response = _file(client, person, item, applicant_name="李四", key="k-1")
    assert response.status_code == 201, response.json()
    body = response.json()
    case = Case.objects.get(number=body["number"])
    assert (case.channel, case.applicant, case.applicant_name) == ("online", person, "张三")
    # An online filing waits for the item's reviewer (pre-review) before it counts as received.
    assert body["state"] == "pre_review" and case.pre_review_due_at is not None
    assert len(body["query_password"]) == 6
    assert body["allowed_actions"] == ["withdraw"]  # what the applicant may do now
    again = _file(client, person, item, key="k-1")
    assert again.status_code == 200
    assert again.json()["number"] == body["number"] and again.json()["query_password"] is None
    assert Case.objects.count() == 1


def test_staff_intake_gives_the_applicant_in_the_body(client, clerk, item):
    response = _file(client, clerk, item, applicant_name="王五", applicant_id_number=f.ric())
    assert response.status_code == 201
    assert Case.objects.get(number=response.json()["number"]).channel == "window"


@pytest.mark.parametrize(
    ("body", "code", "words"),
    [
        ({"item": "NOPE"}, "cases.item_unknown", "事项编码"),
        ({"site": "NOPE"}, "cases.site_unknown", "服务场所"),
        (
            {"applicant_name": "王五", "applicant_id_number": "110105194912310021"},
            "cases.applicant_id",
            "身份证",
        ),
    ],
)
def test_bad_filing_is_refused_and_nothing_changes(client, clerk, item, body, code, words):
    auth(clerk)
    before = f.counts()
    response = _file(client, clerk, item, **body)
    assert response.status_code == 400
    assert response.json()["code"] == code and words in response.json()["message"]
    assert f.counts() == before


def test_filing_needs_a_token(client, item):
    response = client.post(
        "/api/v1/cases", {"item": item.code, "site": "QL"}, content_type="application/json"
    )
    assert response.status_code == 401 and Case.objects.count() == 0


# --- reads ---------------------------------------------------------------------------------------


def test_detail_for_owner_and_staff_with_timeline(client, person, reviewer, clerk, item):
    number = _online(client, person, reviewer, item)
    assert _act(client, clerk, number, "accept").status_code == 200
    clerk_name = clerk.real_name or clerk.username
    own = client.get(f"/api/v1/cases/{number}", **auth(person)).json()
    assert own["state"] == "accepted" and own["legal_due_at"] and own["report_status"] == 3
    assert [e["action"] for e in own["timeline"]][:3] == ["submit", "pre_review_pass", "accept"]
    assert own["timeline"][2]["actor"] != clerk_name and own["timeline"][2]["actor"].endswith("*")
    staff_view = client.get(f"/api/v1/cases/{number}", **auth(clerk)).json()
    assert staff_view["timeline"][2]["actor"] == clerk_name


def test_others_get_the_same_404_as_an_unknown_number(client, person, item):
    number = _file(client, person, item).json()["number"]
    stranger = register_person(username="lisi", mobile="13912345678", id_number=OTHER_ID)
    township_clerk = org.staff(role=Role.CLERK, site=org.township()).user
    for user in (stranger, township_clerk):
        response = client.get(f"/api/v1/cases/{number}", **auth(user))
        assert response.status_code == 404 and response.json()["code"] == "cases.not_found"
    unknown = client.get("/api/v1/cases/QL-NOPE", **auth(stranger))
    assert unknown.json() == response.json()


def test_list_is_scoped_and_newest_first(client, person, clerk, item):
    mine = [_file(client, person, item).json()["number"] for _ in range(2)]
    case_submit(**f.submit_kwargs(item, clerk, applicant_id_number=f.ric("44030819900101123")))
    numbers = [c["number"] for c in client.get("/api/v1/cases", **auth(person)).json()]
    assert numbers == mine[::-1]
    listed = client.get("/api/v1/cases", **auth(clerk)).json()
    assert len(listed) == 3 and {c["applicant_name"] for c in listed} == {"张*"}  # a list masks names
    assert client.get(f"/api/v1/cases/{mine[0]}", **auth(person)).json()["applicant_name"] == "张三"
    page = client.get("/api/v1/cases", {"limit": 1, "offset": 1}, **auth(person)).json()
    assert [c["number"] for c in page] == [mine[0]]
    bad = client.get("/api/v1/cases", {"limit": 0}, **auth(person))
    assert bad.status_code == 400 and bad.json()["code"] == "cases.bad_limit"


def test_list_query_count_does_not_grow_with_cases(client, clerk, item, django_assert_num_queries):
    headers = auth(clerk)
    for n in range(2):
        case_submit(**f.submit_kwargs(item, clerk, idempotency_key=f"q{n}"))
    client.get("/api/v1/cases", **headers)  # warm: content types, token's first use
    # token lookup, staff, scope (windows, sites), the page of cases, the page's facts for the
    # allowed actions (one-time notices, extensions, undertakings), and one notice check per group
    # of cases sharing those facts (here one group: same item, site and state)
    with django_assert_num_queries(9):
        assert len(client.get("/api/v1/cases", **headers).json()) == 2
    for n in range(2, 6):
        case_submit(**f.submit_kwargs(item, clerk, idempotency_key=f"q{n}"))
    with django_assert_num_queries(9):
        assert len(client.get("/api/v1/cases", **headers).json()) == 6


# --- actions -------------------------------------------------------------------------------------


def test_actions_move_the_case(client, clerk, received):
    response = _act(client, clerk, received.number, "request_supplement", {"materials": ["营业执照", "章程"]})
    assert response.status_code == 200 and response.json()["state"] == "supplement_requested"
    assert _act(client, clerk, received.number, "supplement_received").json()["state"] == "submitted"
    refused = _act(client, clerk, received.number, "refuse", {"reason": "不属于本机关职权范围"})
    assert refused.json()["state"] == "refused" and refused.json()["allowed_actions"] == []


def test_applicant_withdraws_own_case(client, person, item):
    number = _file(client, person, item).json()["number"]
    assert _act(client, person, number, "withdraw").json()["state"] == "withdrawn"


def test_illegal_transition_is_409_and_nothing_changes(client, reviewer, received):
    _act(client, reviewer, received.number, "accept")
    before = f.counts()
    response = _act(client, reviewer, received.number, "refuse", {"reason": "理由"})
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "cases.illegal_transition" and body["state"] == "accepted"
    # What this caller (a clerk of the item's department) may do: revoking needs a chief or approver.
    assert set(body["allowed_actions"]) == {
        "request_supplement", "special_start", "extend", "conclude", "withdraw"
    }  # fmt: skip
    assert "不能执行" in body["message"]
    assert f.counts() == before


def test_applicant_cannot_accept_and_nothing_changes(client, person, reviewer, item):
    number = _online(client, person, reviewer, item)
    before = f.counts()
    response = _act(client, person, number, "accept")
    assert response.status_code == 403 and response.json()["message"]
    assert f.counts() == before and Case.objects.get(number=number).state == "submitted"


def test_unknown_action_and_missing_reason(client, clerk, received):
    auth(clerk)
    before = f.counts()
    unknown = _act(client, clerk, received.number, "approve")
    assert unknown.status_code == 404 and unknown.json()["code"] == "cases.unknown_action"
    no_reason = _act(client, clerk, received.number, "refuse", {"reason": "  "})
    assert no_reason.status_code == 400 and no_reason.json()["code"] == "cases.reason_required"
    assert f.counts() == before


def test_staff_outside_scope_cannot_act(client, received):
    township_clerk = org.staff(role=Role.CLERK, site=org.township()).user
    auth(township_clerk)
    before = f.counts()
    response = _act(client, township_clerk, received.number, "accept")
    assert response.status_code == 404 and response.json()["code"] == "cases.not_found"
    assert f.counts() == before


# --- public lookup -------------------------------------------------------------------------------


def test_public_lookup_with_password_hides_staff(client, person, reviewer, clerk, item):
    created = _file(client, person, item).json()
    _act(client, reviewer, created["number"], "pre_review_pass")
    _act(client, clerk, created["number"], "accept")
    anonymous = Client()
    url = f"/api/v1/public/cases/{created['number']}"
    body = anonymous.get(url, {"password": created["query_password"]}).json()
    assert body["state"] == "accepted" and body["item_name"] == item.name and body["legal_due_at"]
    actors = [e["actor"] for e in body["timeline"]]
    assert actors[0] == "申请人" and set(actors[1:]) == {"工作人员"}
    assert clerk.username not in str(body) and reviewer.username not in str(body)
    assert "applicant_name" not in body and "张三" not in str(body)


def test_public_lookup_wrong_password_is_like_unknown_number(client, person, item):
    created = _file(client, person, item).json()
    wrong_pw = "000000" if created["query_password"] != "000000" else "111111"
    anonymous = Client()
    wrong = anonymous.get(f"/api/v1/public/cases/{created['number']}", {"password": wrong_pw})
    missing = anonymous.get(f"/api/v1/public/cases/{created['number']}")
    unknown = anonymous.get("/api/v1/public/cases/QL-NOPE", {"password": wrong_pw})
    assert wrong.status_code == missing.status_code == unknown.status_code == 404
    assert wrong.json() == missing.json() == unknown.json()
    assert wrong.json()["code"] == "cases.not_found"
