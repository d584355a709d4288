"""/api/v1/supervision: warnings, anomalies, orders and rules — who sees what, every write through
its service, errors as {code, message}, and the query budget of each list."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from govhall.catalog.services import item_create
from govhall.core import accounts
from govhall.core.models import AuditEvent
from govhall.org.models import Role
from govhall.supervision import anomalies as rules
from govhall.supervision.models import Anomaly, AnomalyRule, SupervisionOrder, Warning
from govhall.supervision.orders import order_issue
from tests.catalog import factories as cat
from tests.org import factories as org
from tests.supervision import factories as sf
from tests.supervision.factories import at

pytestmark = pytest.mark.django_db
BASE = "/api/v1/supervision"


def auth(user) -> dict:
    if not hasattr(user, "_test_token"):
        user._test_token = accounts.api_token_create(user=user, label="test")[1]
    return {"HTTP_AUTHORIZATION": f"Bearer {user._test_token}"}


def get(client, user, path, **params):
    return client.get(f"{BASE}{path}", params, **auth(user))


def post(client, user, path, body=None):
    return client.post(f"{BASE}{path}", body or {}, content_type="application/json", **auth(user))


@pytest.fixture
def two_units(w):
    """Red cards and overdue anomalies in two departments: w's (SCJ) and 住建局 (ZJJ)."""
    zjj = cat.department("ZJJ", "住房和城乡建设局")
    data = cat.item_data(code="11510100MB0000001X-950", name="建筑工程施工许可", department=zjj)
    item = item_create(data=data, materials=cat.materials(), fees=cat.fees(), flow=cat.flow(), actor=None)
    clerk = org.staff(role=Role.CLERK, dept=zjj, name="住建窗口").user
    other = sf.World(
        item=item, department=zjj, clerk=clerk, approver=None, chief=None, supervisor=w.supervisor
    )
    ours, theirs = w.accept(at(9, 23, 10)), other.accept(at(9, 23, 10))
    sf.sweep_at(at(10, 12))
    return ours, theirs, zjj


# --- warnings -------------------------------------------------------------------------------------------


def test_a_supervisor_sees_every_card_and_a_units_staff_their_units(client, w, two_units):
    ours, theirs, zjj = two_units
    everything = get(client, w.supervisor, "/warnings", limit=100)
    assert everything.status_code == 200
    assert {row["case_number"] for row in everything.json()} == {ours.number, theirs.number}
    mine = get(client, w.clerk, "/warnings", limit=100).json()
    assert mine and {row["case_number"] for row in mine} == {ours.number}
    assert {row["department"] for row in mine} == {w.department.code}
    row = next(r for r in mine if r["rule"] == "promised_limit")
    assert (row["level"], row["level_label"], row["open"], row["person"], row["leader"]) == (
        "red", "红牌", True, "李窗口", "王首席",
    )  # fmt: skip
    step_row = next(r for r in mine if r["rule"] == "step_limit")
    assert step_row["step"].startswith("审核")


def test_warning_filters(client, w, two_units):
    _ours, theirs, zjj = two_units
    rows = get(client, w.supervisor, "/warnings", department="ZJJ", level="red", open="true").json()
    assert rows and {r["case_number"] for r in rows} == {theirs.number}
    assert get(client, w.supervisor, "/warnings", open="false").json() == []
    bad = get(client, w.supervisor, "/warnings", level="purple")
    assert (bad.status_code, bad.json()["code"]) == (400, "supervision.bad_filter")
    unknown = get(client, w.supervisor, "/warnings", department="NOPE")
    assert (unknown.status_code, unknown.json()["code"]) == (400, "supervision.department_unknown")
    too_many = get(client, w.supervisor, "/warnings", limit=101)
    assert (too_many.status_code, too_many.json()["code"]) == (400, "supervision.bad_limit")


def test_applicants_and_strangers_see_no_warnings(client, w, two_units):
    applicant = org.applicant("zhang_san")
    denied = get(client, applicant, "/warnings")
    assert (denied.status_code, denied.json()["code"]) == (403, "org.forbidden")
    anonymous = client.get(f"{BASE}/warnings")
    assert (anonymous.status_code, anonymous.json()["code"]) == (401, "unauthorized")


def test_a_supervisor_removes_a_card_through_the_api(client, w, two_units):
    ours, _theirs, _zjj = two_units
    card = Warning.objects.get(case=ours, rule="promised_limit", cleared_at__isnull=True)
    no_reason = post(client, w.supervisor, f"/warnings/{card.pk}/remove", {"reason": " "})
    assert (no_reason.status_code, no_reason.json()["code"]) == (400, "supervision.reason_required")
    clerk = post(client, w.clerk, f"/warnings/{card.pk}/remove", {"reason": "已处理"})
    assert (clerk.status_code, clerk.json()["code"]) == (403, "org.forbidden")
    done = post(client, w.supervisor, f"/warnings/{card.pk}/remove", {"reason": "已电话督促"})
    assert done.status_code == 200, done.json()
    assert (done.json()["open"], done.json()["clear_kind"], done.json()["clear_reason"]) == (
        False,
        "removed",
        "已电话督促",
    )
    again = post(client, w.supervisor, f"/warnings/{card.pk}/remove", {"reason": "已电话督促"})
    assert (again.status_code, again.json()["code"]) == (409, "supervision.warning_closed")


def test_another_units_card_is_not_found(client, w, two_units):
    _ours, theirs, _zjj = two_units
    card = Warning.objects.filter(case=theirs).first()
    response = post(client, w.clerk, f"/warnings/{card.pk}/remove", {"reason": "x"})
    assert (response.status_code, response.json()["code"]) == (404, "supervision.warning_not_found")


# --- anomalies ------------------------------------------------------------------------------------------


def test_anomalies_are_listed_for_the_centre_with_their_evidence(client, w, two_units):
    ours, _theirs, _zjj = two_units
    rows = get(client, w.supervisor, "/anomalies", rule=rules.OVERDUE, department=w.department.code).json()
    assert [r["case_number"] for r in rows] == [ours.number]
    assert (rows[0]["state"], rows[0]["severity"], rows[0]["rule_name"]) == ("open", "high", "超期办理")
    detail = get(client, w.supervisor, f"/anomalies/{rows[0]['id']}").json()
    assert [e["action"] for e in detail["case_events"]] == ["accept"]
    assert [(a["action"], a["object_id"]) for a in detail["audit_events"]] == [("cases.accept", str(ours.pk))]
    assert detail["case_events"][0]["case_number"] == ours.number


def test_unit_staff_do_not_see_anomalies_or_rules(client, w, two_units):
    for path in ("/anomalies", "/rules"):
        response = get(client, w.clerk, path)
        assert (response.status_code, response.json()["code"]) == (403, "supervision.forbidden")


def test_a_supervisor_confirms_and_dismisses_through_the_api(client, w, two_units):
    ours, theirs, _zjj = two_units
    first = Anomaly.objects.get(case=ours, rule__code=rules.OVERDUE)
    second = Anomaly.objects.get(case=theirs, rule__code=rules.OVERDUE)
    confirmed = post(client, w.supervisor, f"/anomalies/{first.pk}/confirm", {"note": "已约谈"})
    assert (confirmed.status_code, confirmed.json()["state"]) == (200, "confirmed")
    missing = post(client, w.supervisor, f"/anomalies/{second.pk}/dismiss", {})
    assert (missing.status_code, missing.json()["code"], missing.json()["field"]) == (
        400, "supervision.reason_required", "reason",
    )  # fmt: skip
    dismissed = post(client, w.supervisor, f"/anomalies/{second.pk}/dismiss", {"reason": "调休日误判"})
    assert dismissed.json()["state"] == "dismissed"
    twice = post(client, w.supervisor, f"/anomalies/{first.pk}/dismiss", {"reason": "x"})
    assert (twice.status_code, twice.json()["code"]) == (409, "supervision.anomaly_closed")
    assert get(client, w.supervisor, "/anomalies", state="dismissed").json()[0]["id"] == second.pk
    manager = org.staff(role=Role.MANAGER).user  # sees them, may not decide them
    assert get(client, manager, "/anomalies").status_code == 200
    denied = post(client, manager, f"/anomalies/{first.pk}/confirm")
    assert (denied.status_code, denied.json()["code"]) == (403, "org.forbidden")
    unknown = get(client, w.supervisor, "/anomalies/999999")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "supervision.anomaly_not_found")


# --- orders ---------------------------------------------------------------------------------------------


def test_the_life_of_an_order_through_the_api(client, w, two_units):
    ours, _theirs, _zjj = two_units
    anomaly = Anomaly.objects.get(case=ours, rule__code=rules.OVERDUE)
    body = {"kind": "supervise", "unit": w.department.code, "content": "请说明超期原因", "reply_workdays": "3",
            "anomaly": anomaly.pk}  # fmt: skip
    created = post(client, w.supervisor, "/orders", body)
    assert created.status_code == 201, created.json()
    order = created.json()
    assert (order["state"], order["unit"], order["case_number"], order["rule"], order["level"]) == (
        "issued", w.department.code, ours.number, rules.OVERDUE, 1,
    )  # fmt: skip
    path = f"/orders/{order['id']}"
    replied = post(client, w.chief, f"{path}/reply", {"text": "已办结"})
    assert (replied.status_code, replied.json()["state"]) == (200, "replied")
    returned = post(client, w.supervisor, f"{path}/verify", {"accepted": False, "note": "未附材料"})
    assert (returned.json()["state"], returned.json()["returned_count"]) == ("returned", 1)
    post(client, w.clerk, f"{path}/reply", {"text": "补充材料"})
    assert post(client, w.supervisor, f"{path}/verify", {"accepted": True}).json()["state"] == "verified"
    closed = post(client, w.supervisor, f"{path}/close", {"note": "归档"})
    assert (closed.json()["state"], closed.json()["close_note"]) == ("closed", "归档")
    assert get(client, w.clerk, path).json()["state"] == "closed"


def test_orders_are_seen_by_their_unit_and_the_centre_only(client, w, two_units):
    _ours, _theirs, zjj = two_units
    mine = order_issue(unit=w.department, kind="supervise", content="甲", actor=w.supervisor)
    theirs = order_issue(unit=zjj, kind="correct", content="乙", actor=w.supervisor)
    assert [o["id"] for o in get(client, w.clerk, "/orders").json()] == [mine.pk]
    assert {o["id"] for o in get(client, w.supervisor, "/orders").json()} == {mine.pk, theirs.pk}
    assert [o["id"] for o in get(client, w.supervisor, "/orders", kind="correct").json()] == [theirs.pk]
    hidden = get(client, w.clerk, f"/orders/{theirs.pk}")
    assert (hidden.status_code, hidden.json()["code"]) == (404, "supervision.order_not_found")
    reply = post(client, w.clerk, f"/orders/{theirs.pk}/reply", {"text": "x"})
    assert reply.status_code == 404 and SupervisionOrder.objects.get(pk=theirs.pk).state == "issued"


def test_orders_overdue_filter(client, w):
    with sf.time_machine.travel(at(9, 23, 10), tick=False):
        order = order_issue(unit=w.department, kind="supervise", content="甲", actor=w.supervisor)
    with sf.time_machine.travel(at(10, 12), tick=False):
        late = get(client, w.supervisor, "/orders", overdue="true").json()
        assert [o["id"] for o in late] == [order.pk] and late[0]["overdue"] is True
        assert get(client, w.supervisor, "/orders", overdue="false").json() == []


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"unit": "NOPE"}, 400, "supervision.department_unknown"),
        ({"kind": "punish"}, 400, "supervision.order_kind"),
        ({"content": ""}, 400, "supervision.content_required"),
        ({"reply_workdays": "0"}, 400, "supervision.reply_workdays"),
        ({"anomaly": 999999}, 400, "supervision.source_unknown"),
        ({"rule": "nope"}, 400, "supervision.source_unknown"),
        ({"reply_workdays": "abc"}, 422, "invalid_request"),
    ],
)
def test_a_bad_order_changes_nothing(client, w, body, status, code):
    base = {"kind": "supervise", "unit": w.department.code, "content": "请说明原因"}
    auth(w.supervisor)
    before = (SupervisionOrder.objects.count(), AuditEvent.objects.filter(success=True).count())
    response = post(client, w.supervisor, "/orders", base | body)
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert (SupervisionOrder.objects.count(), AuditEvent.objects.filter(success=True).count()) == before


def test_only_a_supervisor_issues_and_only_the_unit_replies(client, w):
    body = {"kind": "supervise", "unit": w.department.code, "content": "请说明原因"}
    denied = post(client, w.chief, "/orders", body)
    assert (denied.status_code, denied.json()["code"]) == (403, "org.forbidden")
    order = post(client, w.supervisor, "/orders", body).json()
    stranger = post(client, w.supervisor, f"/orders/{order['id']}/reply", {"text": "x"})
    assert (stranger.status_code, stranger.json()["code"]) == (403, "supervision.not_unit_staff")
    early = post(client, w.supervisor, f"/orders/{order['id']}/close")
    assert (early.status_code, early.json()["code"], early.json()["state"]) == (
        409,
        "supervision.order_state",
        "issued",
    )


# --- rules ---------------------------------------------------------------------------------------------


def test_rules_are_listed_and_a_supervisor_adds_one_without_code(client, w):
    listed = get(client, w.supervisor, "/rules").json()
    assert {r["code"] for r in listed if r["kind"] == "builtin"} == set(rules.BUILTIN_CODES)
    body = {"kind": "rate", "code": "overdue_rate", "name": "超期办结率偏高", "rate_metric": "overdue_concluded",
            "rate_window_days": 90, "rate_threshold": "0.05", "rate_min_cases": 10, "severity": "high"}  # fmt: skip
    created = post(client, w.supervisor, "/rules", body)
    assert created.status_code == 201, created.json()
    assert (created.json()["rate_threshold"], created.json()["enabled"]) == ("0.0500", True)
    bad = post(client, w.supervisor, "/rules", body | {"code": "r2", "rate_metric": "salary"})
    assert (bad.status_code, bad.json()["code"], bad.json()["field"]) == (
        400,
        "supervision.rule_metric",
        "rate_metric",
    )
    off = post(client, w.supervisor, "/rules/overdue_rate/disable")
    assert (off.status_code, off.json()["enabled"]) == (200, False)
    assert AnomalyRule.objects.get(code="overdue_rate").enabled is False
    unknown = post(client, w.supervisor, "/rules/nope/enable")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "supervision.rule_not_found")


def test_an_event_rule_through_the_api(client, w):
    body = {"kind": "event", "code": "night", "name": "夜间办理", "event_action": "step_complete",
            "conditions": [{"field": "hour", "op": ">=", "value": 22}]}  # fmt: skip
    created = post(client, w.supervisor, "/rules", body)
    assert created.status_code == 201 and created.json()["conditions"] == body["conditions"]
    bad = post(
        client,
        w.supervisor,
        "/rules",
        body | {"code": "n2", "conditions": [{"field": "x", "op": "=", "value": 1}]},
    )
    assert (bad.status_code, bad.json()["code"]) == (400, "supervision.rule_field")
    clerk = post(client, w.clerk, "/rules", body | {"code": "n3"})
    assert clerk.status_code == 403 and not AnomalyRule.objects.filter(code="n3").exists()


# --- query budgets --------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/warnings", "/anomalies", "/orders", "/rules"])
def test_a_list_costs_the_same_for_one_row_as_for_many(client, w, path):
    def cost() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert (
                get(client, w.supervisor, path, **({} if path == "/rules" else {"limit": 100})).status_code
                == 200
            )
        return len(queries)

    cost()  # the token's first use is recorded once
    w.accept(at(9, 23, 10))
    sf.sweep_at(at(10, 12))
    order_issue(unit=w.department, kind="supervise", content="甲", actor=w.supervisor)
    one = cost()
    for _ in range(3):
        w.accept(at(9, 23, 10))
    sf.sweep_at(at(10, 12, 2))
    for _ in range(3):
        order_issue(unit=w.department, kind="supervise", content="乙", actor=w.supervisor)
    assert cost() == one <= 6
