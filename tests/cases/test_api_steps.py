"""/api/v1/cases: every case action after intake, step operations on tasks, the detail with steps,
tasks, clocks and allowed actions, notices as PDF, and the public lookup's notices and throttle.

The engine and the lifecycle services are tested on their own; here each endpoint is shown to
reach them, to answer 409 / 403 / 404 / 400 with the agreed body, and to change nothing on error.
"""

import datetime as dt

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from govhall.cases.models import Case, CaseCopy, CaseStep, StepTask
from govhall.cases.services import case_accept, case_submit
from govhall.org.models import Role
from tests.api.accounts_helpers import register_person
from tests.cases import factories as f
from tests.cases import flow_factories as ff
from tests.cases.test_api import auth
from tests.org import factories as org

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def w():
    """受理 → 承办 (approver of SCJ) → 批准 (SCJ's chief, with a delegation)."""
    return ff.world()


@pytest.fixture
def handler(w):
    """A window clerk of the item's department (intake, special procedures, conclusion, delivery)."""
    return org.staff(role=Role.CLERK, dept=w.department, name="吴窗口").user


@pytest.fixture
def colleague(w):
    return ff.approver(w.department, "周同事")


def _post(client, user, url, body=None):
    return client.post(f"/api/v1/cases/{url}", body or {}, content_type="application/json", **auth(user))


def act(client, user, number, action, body=None):
    return _post(client, user, f"{number}/actions/{action}", body)


def op(client, user, number, task, name, body=None):
    return _post(client, user, f"{number}/tasks/{task.pk}/actions/{name}", body)


def detail(client, user, number) -> dict:
    response = client.get(f"/api/v1/cases/{number}", **auth(user))
    assert response.status_code == 200, response.json()
    return response.json()


def _accepted(w, handler):
    case = case_submit(**f.submit_kwargs(w.item, handler))
    return case_accept(case=case, actor=handler)


def _unchanged(call):
    """``call()`` answers an error and writes nothing; returns the response."""
    before = ff.counts()
    response = call()
    assert response.status_code >= 400
    assert ff.counts() == before
    return response


# --- detail and notices --------------------------------------------------------------------------


def test_detail_has_steps_tasks_clocks_allowed_actions_and_notices(client, w, handler):
    case = _accepted(w, handler)
    body = detail(client, handler, case.number)
    assert [s["name"] for s in body["steps"]] == ["承办"]
    step = body["steps"][0]
    assert step["state"] == "active" and step["status"] == "normal" and step["due_at"]
    [task] = step["tasks"]
    assert (task["state"], task["kind"], task["department"]) == ("pending", "sign", w.department.name)
    assert task["id"] == StepTask.objects.get(case=case).pk
    clocks = body["clocks"]
    assert clocks["status"] == "normal" and clocks["status_label"] == "正常"
    assert float(clocks["used"]) >= 0 and float(clocks["left"]) > 0 and clocks["due_at"]
    assert set(body["allowed_actions"]) == {
        "request_supplement",
        "special_start",
        "extend",
        "conclude",
        "withdraw",
    }
    [notice] = body["notices"]
    assert notice["kind"] == "acceptance" and notice["url"].endswith(f"{case.number}-SL01.pdf")
    pdf = client.get(notice["url"], **auth(handler))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_notice_pdf_outside_scope_or_unknown_is_404(client, w, handler):
    case = _accepted(w, handler)
    outsider = org.staff(role=Role.CLERK, site=org.township()).user
    url = f"/api/v1/cases/{case.number}/notices/{case.number}-SL01.pdf"
    assert client.get(url, **auth(outsider)).json()["code"] == "cases.not_found"
    missing = client.get(url.replace("SL01", "BJ09"), **auth(handler))
    assert missing.status_code == 404 and missing.json()["code"] == "cases.notice_not_found"


# --- step operations -----------------------------------------------------------------------------


def test_complete_through_both_steps_decides_then_conclude_and_deliver(client, w, handler):
    case = _accepted(w, handler)
    task = ff.pending(case)
    response = op(
        client, w.handler, case.number, task, "complete", {"opinion": "approve", "comment": "符合条件"}
    )
    assert response.status_code == 200 and response.json()["state"] == "accepted"
    chief_task = ff.pending(case)
    assert ff.active(case).name == "批准"
    decided = op(client, w.chief, case.number, chief_task, "complete", {"opinion": "approve"})
    assert decided.json()["state"] == "decided"
    until = (timezone.localdate() + dt.timedelta(days=365 * 5)).isoformat()
    concluded = act(client, handler, case.number, "conclude",
                    {"result_code": 0, "certificate_no": "JY15101000001", "certificate_valid_until": until})  # fmt: skip
    assert concluded.status_code == 200, concluded.json()
    assert concluded.json()["state"] == "concluded" and concluded.json()["report_status"] == 11
    delivered = act(client, handler, case.number, "deliver", {"method": "window", "recipient_name": "张三"})
    assert delivered.json()["state"] == "delivered"
    kinds = [n["kind"] for n in detail(client, handler, case.number)["notices"]]
    assert kinds[0] == "acceptance" and "conclusion" in kinds and "delivery" in kinds


def test_complete_with_a_bad_opinion_changes_nothing(client, w, handler):
    case = _accepted(w, handler)
    task = ff.pending(case)
    auth(w.handler)
    response = _unchanged(lambda: op(client, w.handler, case.number, task, "complete", {"opinion": "maybe"}))
    assert response.status_code == 400 and response.json()["code"] == "cases.bad_input"
    assert "意见" in response.json()["message"]


def test_return_to_an_earlier_step(client, w, handler):
    case = _accepted(w, handler)
    op(client, w.handler, case.number, ff.pending(case), "complete", {"opinion": "approve"})
    response = op(
        client, w.chief, case.number, ff.pending(case), "return", {"to_flow_order": 2, "reason": "核查场所"}
    )
    assert response.status_code == 200
    current = ff.active(case)
    assert (current.name, current.round) == ("承办", 3)


def test_return_to_a_later_step_is_refused(client, w, handler):
    case = _accepted(w, handler)
    task = ff.pending(case)
    auth(w.handler)
    response = _unchanged(
        lambda: op(client, w.handler, case.number, task, "return", {"to_flow_order": 3, "reason": "x"})
    )
    assert response.json()["code"] == "cases.bad_return_target"


def test_withdraw_the_signed_step_while_the_next_is_untouched(client, w, handler):
    case = _accepted(w, handler)
    mine = ff.pending(case)
    op(client, w.handler, case.number, mine, "complete", {"opinion": "approve"})
    mine.refresh_from_db()
    response = op(client, w.handler, case.number, mine, "withdraw_step")
    assert response.status_code == 200, response.json()
    assert ff.active(case).name == "承办"


def test_transfer_delegate_and_signers(client, w, handler, colleague):
    case = _accepted(w, handler)
    task = ff.pending(case)
    moved = op(
        client, w.handler, case.number, task, "transfer", {"to_user": colleague.username, "reason": "请假"}
    )
    assert moved.status_code == 200, moved.json()
    task.refresh_from_db()
    new = StepTask.objects.get(parent=task, relation="transfer")
    assert task.state == "transferred" and new.assignee == colleague
    delegated = op(
        client, colleague, case.number, new, "delegate", {"to_user": w.handler.username, "note": "请核对"}
    )
    assert delegated.status_code == 200
    assert StepTask.objects.get(parent=new, relation="delegate").assignee == w.handler


def test_add_and_remove_a_signer(client, w, handler, colleague):
    case = _accepted(w, handler)
    task = ff.pending(case)
    added = op(
        client,
        w.handler,
        case.number,
        task,
        "add_signers",
        {"users": [colleague.username], "position": "after"},
    )
    assert added.status_code == 200, added.json()
    signer = StepTask.objects.get(parent=task, relation="add_after")
    assert signer.assignee == colleague and signer.state == "waiting"
    removed = op(client, w.handler, case.number, signer, "remove_signer", {"reason": "无需会签"})
    assert removed.status_code == 200, removed.json()
    signer.refresh_from_db()
    assert signer.state == "cancelled"


def test_urge_counts_and_stops_at_the_limit(client, w, handler, settings):
    settings.GOVHALL_URGE_LIMIT = 1
    case = _accepted(w, handler)
    task = ff.pending(case)
    assert op(client, handler, case.number, task, "urge", {"note": "申请人催问"}).status_code == 200
    task.refresh_from_db()
    assert task.urge_count == 1
    response = _unchanged(lambda: op(client, handler, case.number, task, "urge"))
    assert response.status_code == 409 and response.json()["code"] == "cases.urge_limit"
    assert response.json()["state"] == "accepted" and "allowed_actions" in response.json()


def test_copy_and_site_inspection_with_photos(client, w, handler, colleague):
    case = _accepted(w, handler)
    copied = act(client, w.handler, case.number, "copy", {"to_users": [colleague.username], "note": "请知悉"})
    assert copied.status_code == 200, copied.json()
    assert CaseCopy.objects.get(case=case).to_user == colleague
    added = act(client, w.handler, case.number, "inspection_add", {"inspector": w.inspector.username})
    assert added.status_code == 200, added.json()
    inspection = StepTask.objects.get(case=case, kind="inspect")
    photo = ff.photo(case, w.inspector)
    report = op(client, w.inspector, case.number, inspection, "inspection_report",
                {"findings": "场所与申报一致", "photos": [photo.pk]})  # fmt: skip
    assert report.status_code == 200, report.json()
    inspection.refresh_from_db()
    assert inspection.state == "done" and inspection.result["findings"] == "场所与申报一致"


def test_a_photo_of_another_case_is_refused(client, w, handler):
    case, other = _accepted(w, handler), _accepted(w, handler)
    act(client, w.handler, case.number, "inspection_add", {"inspector": w.inspector.username})
    inspection = StepTask.objects.get(case=case, kind="inspect")
    photo = ff.photo(other, w.inspector)
    auth(w.inspector)
    response = _unchanged(
        lambda: op(
            client,
            w.inspector,
            case.number,
            inspection,
            "inspection_report",
            {"findings": "一致", "photos": [photo.pk]},
        )  # fmt: skip
    )
    assert response.status_code == 400 and response.json()["field"] == "photos"


def test_step_op_errors_403_404_and_unknown(client, w, handler):
    case, other = _accepted(w, handler), _accepted(w, handler)
    task = ff.pending(case)
    stranger = register_person()
    auth(stranger), auth(handler)
    hidden = _unchanged(lambda: op(client, stranger, case.number, task, "complete", {"opinion": "approve"}))
    assert hidden.status_code == 404 and hidden.json()["code"] == "cases.not_found"
    wrong_case = _unchanged(
        lambda: op(client, handler, other.number, task, "complete", {"opinion": "approve"})
    )
    assert wrong_case.json()["code"] == "cases.task_not_found"
    unknown = _unchanged(lambda: op(client, handler, case.number, task, "sign"))
    assert unknown.status_code == 404 and unknown.json()["code"] == "cases.unknown_action"
    not_holder = _unchanged(
        lambda: op(client, handler, case.number, task, "complete", {"opinion": "approve"})
    )
    assert not_holder.status_code == 403


def test_step_op_on_a_suspended_case_is_409_with_the_allowed_actions(client, w, handler):
    case = _accepted(w, handler)
    task = ff.pending(case)
    act(client, handler, case.number, "special_start",
        {"kind": "hearing", "reason": "听证", "announced_workdays": 5})  # fmt: skip
    auth(w.handler)
    response = _unchanged(
        lambda: op(client, w.handler, case.number, task, "complete", {"opinion": "approve"})
    )
    assert response.status_code == 409
    body = response.json()
    # What the approver may do instead, on the suspended case: end the procedure or conclude.
    assert body["state"] == "suspended" and body["allowed_actions"] == ["special_end", "conclude"]


# --- case actions after intake -------------------------------------------------------------------


def test_special_procedure_start_and_end(client, w, handler):
    case = _accepted(w, handler)
    started = act(client, handler, case.number, "special_start",
                  {"kind": "expert_review", "reason": "专家评审", "announced_workdays": "3"})  # fmt: skip
    assert started.status_code == 200 and started.json()["state"] == "suspended"
    assert "special_end" in started.json()["allowed_actions"]
    ended = act(client, handler, case.number, "special_end")
    assert ended.json()["state"] == "accepted" and ended.json()["report_status"] == 10


def test_special_procedure_bad_input_changes_nothing(client, w, handler):
    case = _accepted(w, handler)
    auth(handler)
    bad_kind = _unchanged(lambda: act(client, handler, case.number, "special_start",
                                      {"kind": "party", "reason": "x", "announced_workdays": 3}))  # fmt: skip
    assert bad_kind.status_code == 400
    no_days = _unchanged(
        lambda: act(client, handler, case.number, "special_start", {"kind": "hearing", "reason": "x"})
    )
    assert no_days.json()["code"] == "cases.bad_input" and no_days.json()["field"] == "announced_workdays"


def test_extend_once_with_the_chief_as_approver(client, w, handler):
    case = _accepted(w, handler)
    before = Case.objects.get(pk=case.pk).legal_due_at
    body = {"workdays": 10, "reason": "需实地核查", "approver": w.chief.username}
    response = act(client, handler, case.number, "extend", body)
    assert response.status_code == 200, response.json()
    assert Case.objects.get(pk=case.pk).legal_due_at > before
    assert "extend" not in response.json()["allowed_actions"]
    again = _unchanged(lambda: act(client, handler, case.number, "extend", body))
    assert again.status_code == 409


def test_extend_with_an_unknown_approver_changes_nothing(client, w, handler):
    case = _accepted(w, handler)
    auth(handler)
    response = _unchanged(
        lambda: act(
            client, handler, case.number, "extend", {"workdays": 10, "reason": "x", "approver": "ghost"}
        )
    )
    assert response.status_code == 400 and response.json()["field"] == "approver"


def test_conclude_without_a_certificate_is_refused(client, w, handler):
    case = _accepted(w, handler)
    auth(handler)
    response = _unchanged(lambda: act(client, handler, case.number, "conclude", {"result_code": 0}))
    assert response.status_code in (400, 409)


def test_conclude_returned_then_revoke_by_the_chief(client, w, handler):
    case = _accepted(w, handler)
    done = act(client, handler, case.number, "conclude", {"result_code": 5, "reason": "申请人放弃"})
    assert done.status_code == 200 and done.json()["state"] == "concluded"
    assert CaseStep.objects.filter(case=case, state="active").count() == 0
    revoked = act(client, w.chief, case.number, "revoke", {"reason": "以欺骗手段取得"})
    assert revoked.status_code == 200, revoked.json()
    assert revoked.json()["state"] == "revoked" and revoked.json()["report_status"] == 15


def test_applicant_cannot_revoke(client, w, handler):
    person = register_person()
    case = case_accept(case=case_submit(**f.submit_kwargs(w.item, handler, applicant=person)), actor=handler)
    auth(person)
    response = _unchanged(lambda: act(client, person, case.number, "revoke", {"reason": "x"}))
    assert response.status_code == 403


@pytest.fixture
def tolerant_item(w):
    w.item.tolerant = w.item.commitment = True
    w.item.save(update_fields=["tolerant", "commitment"])
    return w.item


def test_tolerant_acceptance_and_fulfilment(client, w, handler, tolerant_item):
    case = case_submit(**f.submit_kwargs(tolerant_item, handler))
    body = {
        "owed": ["食品安全管理制度文本"],
        "undertaking_text": "本人承诺5个工作日内补齐",
        "deadline_workdays": 3,
    }
    accepted = act(client, handler, case.number, "accept_tolerant", body)
    assert accepted.status_code == 200, accepted.json()
    assert (
        accepted.json()["state"] == "accepted" and "undertaking_fulfil" in accepted.json()["allowed_actions"]
    )
    fulfilled = act(client, handler, case.number, "undertaking_fulfil", {"note": "已补齐"})
    assert fulfilled.status_code == 200 and "undertaking_fulfil" not in fulfilled.json()["allowed_actions"]


def test_tolerant_acceptance_of_a_main_material_is_refused(client, w, handler, tolerant_item):
    case = case_submit(**f.submit_kwargs(tolerant_item, handler))
    auth(handler)
    body = {"owed": ["食品经营许可申请书"], "undertaking_text": "承诺", "deadline_workdays": 3}
    response = _unchanged(lambda: act(client, handler, case.number, "accept_tolerant", body))
    assert response.status_code == 400


def test_commitment_found_false_revokes(client, w, handler, tolerant_item):
    case = case_submit(**f.submit_kwargs(tolerant_item, handler))
    assert (
        act(client, handler, case.number, "accept_commitment", {"undertaking_text": "承诺属实"}).status_code
        == 200
    )
    response = act(
        client, handler, case.number, "commitment_verify", {"truthful": False, "note": "经核查场所不符"}
    )
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "revoked"


def test_pre_review_return_and_resubmit(client, w, handler):
    person = register_person()
    number = client.post("/api/v1/cases", {"item": w.item.code, "site": org.centre().code},
                         content_type="application/json", **auth(person)).json()["number"]  # fmt: skip
    auth(handler)
    no_reason = _unchanged(lambda: act(client, handler, number, "pre_review", {"passed": False}))
    assert no_reason.json()["code"] == "cases.reason_required"
    returned = act(client, handler, number, "pre_review", {"passed": False, "reasons": "营业执照照片不清晰"})
    assert returned.json()["state"] == "pre_review_returned"
    assert (
        act(client, person, number, "resubmit", {"form_data": {"note": "已重新上传"}}).json()["state"]
        == "pre_review"
    )
    passed = act(client, handler, number, "pre_review_pass")
    assert passed.json()["state"] == "submitted"


# --- public lookup -------------------------------------------------------------------------------


def test_public_lookup_lists_notices_and_serves_the_masked_pdf(client, w, handler):
    case = case_submit(**f.submit_kwargs(w.item, handler))
    password = case.query_password
    case_accept(case=case, actor=handler)
    anonymous = Client()
    body = anonymous.get(f"/api/v1/public/cases/{case.number}", {"password": password}).json()
    [notice] = body["notices"]
    pdf = anonymous.get(notice["url"], {"password": password})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert anonymous.get(notice["url"], {"password": "x"}).json()["code"] == "cases.not_found"


def test_public_lookup_throttles_guessing(client, w, handler, settings):
    settings.GOVHALL_LOOKUP_TRIES = 2
    case = case_submit(**f.submit_kwargs(w.item, handler))
    anonymous = Client()
    url = f"/api/v1/public/cases/{case.number}"
    for _ in range(2):
        assert anonymous.get(url, {"password": "x"}).status_code == 404
    throttled = anonymous.get(url, {"password": case.query_password})
    assert throttled.status_code == 429 and throttled.json()["code"] == "cases.lookup_throttled"


def test_a_malformed_body_is_422_and_nothing_changes(client, w, handler):
    case = _accepted(w, handler)
    auth(handler)
    body = {"kind": "hearing", "reason": "听证", "announced_workdays": "五天"}
    response = _unchanged(lambda: act(client, handler, case.number, "special_start", body))
    assert response.status_code == 422 and response.json()["code"] == "invalid_request"
