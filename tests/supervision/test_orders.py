"""Supervision orders (督办 / 纠错): issue → reply → verify → close, rework, permissions, bad input,
and the escalation of an overdue order — once."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connections

from govhall.core import workdays
from govhall.core.crypto import decrypt
from govhall.core.errors import Conflict, PermissionDenied, ValidationFailed
from govhall.core.models import AuditEvent, OutboxMessage
from govhall.org.models import Role
from govhall.supervision import anomalies as rules
from govhall.supervision.anomalies import anomaly_dismiss
from govhall.supervision.models import Anomaly, SupervisionOrder
from govhall.supervision.orders import order_close, order_issue, order_reply, order_verify, orders_escalate
from tests.catalog import factories as cat
from tests.org import factories as org
from tests.supervision import factories as sf
from tests.supervision.factories import at

pytestmark = pytest.mark.django_db
ISSUED_AT = at(9, 23, 10)


def counts() -> dict[str, int]:
    return {
        "orders": SupervisionOrder.objects.count(),
        "sms": OutboxMessage.objects.count(),
        "audit": AuditEvent.objects.filter(success=True).count(),
    }


def issue(w, when=ISSUED_AT, **extra):
    data = {
        "unit": w.department,
        "kind": "supervise",
        "content": "请说明办件超期原因并限期办结。",
        "actor": w.supervisor,
    }
    with sf.time_machine.travel(when, tick=False):
        return order_issue(**data | extra)


def at_time(when, fn, **kwargs):
    with sf.time_machine.travel(when, tick=False):
        return fn(**kwargs)


def order_sms(order) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(dedupe_key__startswith=f"order:{order.pk}:").order_by("id"))


# --- issue ----------------------------------------------------------------------------------------------


def test_a_supervisor_issues_an_order_with_a_reply_deadline_in_working_days(w):
    order = issue(w, reply_workdays=Decimal("5"))
    assert (order.state, order.level, order.unit, order.issued_by, order.issued_at) == (
        "issued", 1, w.department, w.supervisor, ISSUED_AT,
    )  # fmt: skip
    # 24, 28, 29, 30 Sep and 8 Oct (Mid-Autumn and National Day in between): due at 24:00 of 8 Oct.
    assert order.reply_due_at == workdays.due_instant(ISSUED_AT, 5, "workday") == at(10, 9)
    event = AuditEvent.objects.get(action="supervision.order_issue")
    assert (event.actor, event.object_id, event.after["state"]) == (w.supervisor, str(order.pk), "issued")
    (sms,) = order_sms(order)
    assert sms.dedupe_key == f"order:{order.pk}:issued:{w.chief.pk}"
    assert sms.payload["mobile"] == decrypt(w.chief.mobile_cipher)
    assert "督办通知" in sms.payload["text"] and "2026-10-09 00:00" in sms.payload["text"]


def test_an_order_from_an_anomaly_takes_its_rule_and_case(w):
    case = w.accept(at(9, 14, 10))
    sf.sweep_at(at(9, 23, 9))
    anomaly = Anomaly.objects.get(case=case, rule__code=rules.OVERDUE)
    order = issue(w, kind="correct", anomaly=anomaly)
    assert (order.kind, order.anomaly, order.rule, order.case) == ("correct", anomaly, anomaly.rule, case)
    card = sf.cards(case, rule="promised_limit")[0]
    from_card = issue(w, warning=card)
    assert (from_card.warning, from_card.case, from_card.rule) == (card, case, None)


@pytest.mark.parametrize(
    ("extra", "code", "field"),
    [
        ({"kind": "punish"}, "supervision.order_kind", "kind"),
        ({"content": ""}, "supervision.content_required", "content"),
        ({"content": "   "}, "supervision.content_required", "content"),
        ({"content": "督" * 2001}, "supervision.text_too_long", "content"),
        ({"reply_workdays": 0}, "supervision.reply_workdays", "reply_workdays"),
        ({"reply_workdays": "0.3"}, "supervision.reply_workdays", "reply_workdays"),
        ({"reply_workdays": 61}, "supervision.reply_workdays", "reply_workdays"),
        ({"reply_workdays": "abc"}, "supervision.reply_workdays", "reply_workdays"),
        ({"reply_workdays": None}, "supervision.reply_workdays", "reply_workdays"),
        ({"unit": None}, "supervision.unit_invalid", "unit"),
    ],
)
def test_a_bad_order_is_refused_and_nothing_changes(w, extra, code, field):
    before = counts()
    with pytest.raises(ValidationFailed) as raised:
        issue(w, **extra)
    assert (raised.value.code, raised.value.field) == (code, field)
    assert counts() == before


def test_an_order_goes_to_the_unit_answering_for_its_anomaly_and_not_from_a_dismissed_one(w):
    case = w.accept(at(9, 14, 10))
    sf.sweep_at(at(9, 23, 9))
    anomaly = Anomaly.objects.get(case=case, rule__code=rules.OVERDUE)
    other = cat.department("ZJJ", "住房和城乡建设局")
    before = counts()
    with pytest.raises(ValidationFailed) as raised:
        issue(w, unit=other, anomaly=anomaly)
    assert raised.value.code == "supervision.unit_mismatch" and counts() == before
    anomaly_dismiss(anomaly=anomaly, reason="调休日误判", actor=w.supervisor)
    before = counts()
    with pytest.raises(ValidationFailed) as raised:
        issue(w, anomaly=anomaly)
    assert raised.value.code == "supervision.anomaly_dismissed" and counts() == before


def test_an_inactive_unit_gets_no_order(w):
    w.department.active = False
    w.department.save(update_fields=["active"])
    before = counts()
    with pytest.raises(ValidationFailed) as raised:
        issue(w)
    assert raised.value.code == "supervision.unit_invalid" and counts() == before


@pytest.mark.parametrize("role", [Role.CLERK, Role.CHIEF, Role.APPROVER, Role.MANAGER, Role.DUTY_LEADER])
def test_only_a_supervisor_issues_orders(w, role):
    actor = org.staff(role=role).user
    before = counts()
    with pytest.raises(PermissionDenied):
        issue(w, actor=actor)
    with pytest.raises(PermissionDenied):
        issue(w, actor=None)
    assert counts() == before


# --- reply, verify, close -------------------------------------------------------------------------------


def test_the_whole_life_of_an_order(w):
    order = issue(w)
    at_time(at(9, 24, 10), order_reply, order=order, text=" 已于当日办结，系承办人病假所致。 ", actor=w.chief)
    order.refresh_from_db()
    assert (order.state, order.reply_text, order.replied_by, order.replied_at) == (
        "replied", "已于当日办结，系承办人病假所致。", w.chief, at(9, 24, 10),
    )  # fmt: skip
    at_time(at(9, 24, 11), order_verify, order=order, accepted=True, note="属实", actor=w.supervisor)
    order.refresh_from_db()
    assert (order.state, order.verified_by, order.verify_note) == ("verified", w.supervisor, "属实")
    at_time(at(9, 24, 12), order_close, order=order, note="归档", actor=w.supervisor)
    order.refresh_from_db()
    assert (order.state, order.closed_by, order.closed_at) == ("closed", w.supervisor, at(9, 24, 12))
    actions = list(AuditEvent.objects.filter(object_id=str(order.pk), action__startswith="supervision.order_")
                   .order_by("id").values_list("action", flat=True))  # fmt: skip
    assert actions == [f"supervision.order_{a}" for a in ("issue", "reply", "verify", "close")]


def test_a_reply_not_accepted_goes_back_for_rework_with_a_new_deadline(w):
    order = issue(w)
    at_time(at(9, 24, 10), order_reply, order=order, text="已整改", actor=w.approver)
    at_time(at(9, 28, 10), order_verify, order=order, accepted=False, note="未附整改材料", actor=w.supervisor)
    order.refresh_from_db()
    assert (order.state, order.returned_count, order.verify_note) == ("returned", 1, "未附整改材料")
    assert order.reply_due_at == workdays.due_instant(at(9, 28, 10), 5, "workday")
    at_time(at(9, 29, 10), order_reply, order=order, text="补充整改材料见附件", actor=w.clerk)
    order.refresh_from_db()
    assert (order.state, order.reply_text) == ("replied", "补充整改材料见附件")


def test_only_the_units_staff_reply(w):
    order = issue(w)
    outsider = org.staff(role=Role.CHIEF, dept=cat.department("ZJJ", "住房和城乡建设局")).user
    actors = (outsider, w.supervisor, org.staff(role=Role.MANAGER).user, None, org.applicant("zhang_san"))
    before = counts()
    for actor in actors:
        with pytest.raises(PermissionDenied) as raised:
            order_reply(order=order, text="已办", actor=actor)
        assert raised.value.code == "supervision.not_unit_staff"
    order.refresh_from_db()
    assert order.state == "issued" and counts() == before


@pytest.mark.parametrize(("text", "code"), [("", "supervision.reply_required"), ("  ", "supervision.reply_required"),
                                            ("回" * 2001, "supervision.text_too_long")])  # fmt: skip
def test_a_reply_needs_its_text(w, text, code):
    order = issue(w)
    before = counts()
    with pytest.raises(ValidationFailed) as raised:
        order_reply(order=order, text=text, actor=w.chief)
    assert (raised.value.code, raised.value.field) == (code, "text") and counts() == before


def test_a_return_needs_a_reason_and_the_verification_a_boolean(w):
    order = issue(w)
    order_reply(order=order, text="已办", actor=w.chief)
    before = counts()
    for kwargs, code in (({"accepted": False, "note": " "}, "supervision.reason_required"),
                         ({"accepted": "yes"}, "supervision.verify_result"),
                         ({"accepted": True, "note": "意" * 501}, "supervision.text_too_long")):  # fmt: skip
        with pytest.raises(ValidationFailed) as raised:
            order_verify(order=order, actor=w.supervisor, **kwargs)
        assert raised.value.code == code
    order.refresh_from_db()
    assert order.state == "replied" and counts() == before


@pytest.mark.parametrize("role", [Role.CHIEF, Role.CLERK, Role.MANAGER])
def test_only_a_supervisor_verifies_and_closes(w, role):
    order = issue(w)
    order_reply(order=order, text="已办", actor=w.chief)
    actor = org.staff(role=role, dept=w.department).user
    before = counts()
    with pytest.raises(PermissionDenied):
        order_verify(order=order, accepted=True, actor=actor)
    order_verify(order=order, accepted=True, actor=w.supervisor)
    before = counts()
    with pytest.raises(PermissionDenied):
        order_close(order=order, actor=actor)
    order.refresh_from_db()
    assert order.state == "verified" and counts() == before


def test_moves_the_state_does_not_allow_are_conflicts_naming_the_state(w):
    order = issue(w)
    before = counts()
    for call in (lambda: order_verify(order=order, accepted=True, actor=w.supervisor),
                 lambda: order_close(order=order, actor=w.supervisor)):  # fmt: skip
        with pytest.raises(Conflict) as raised:
            call()
        assert raised.value.code == "supervision.order_state" and "已下达" in raised.value.message
        assert raised.value.extra == {"state": "issued"}
    order_reply(order=order, text="已办", actor=w.chief)
    with pytest.raises(Conflict):
        order_reply(order=order, text="再次回复", actor=w.chief)
    order.refresh_from_db()
    assert (order.state, order.reply_text) == ("replied", "已办")
    assert counts()["orders"] == before["orders"]


# --- escalation ----------------------------------------------------------------------------------------


def test_an_unanswered_order_is_escalated_once_at_its_deadline_by_the_sweep(w):
    order = issue(w)
    before_due = sf.sweep_at(order.reply_due_at - dt.timedelta(minutes=1))
    assert before_due.phases["orders"] == {"escalated": 0}
    report = sf.sweep_at(order.reply_due_at + dt.timedelta(minutes=1))
    assert report.phases["orders"] == {"escalated": 1}
    order.refresh_from_db()
    moment = order.reply_due_at + dt.timedelta(minutes=1)
    assert (order.level, order.escalated_at, order.overdue_at, order.state) == (2, moment, moment, "issued")
    assert order.get_level_display() == "重点督办"
    escalated = [m for m in order_sms(order) if ":escalated:" in m.dedupe_key]
    assert [m.dedupe_key for m in escalated] == [f"order:{order.pk}:escalated:{w.chief.pk}"]
    assert "已升级为重点督办" in escalated[0].payload["text"]
    assert (
        AuditEvent.objects.filter(action="supervision.order_escalate", object_id=str(order.pk)).count() == 1
    )
    # Later sweeps, a late reply, a return and a second missed deadline: never a second escalation.
    sf.sweep_at(order.reply_due_at + dt.timedelta(hours=2))
    at_time(at(10, 12, 10), order_reply, order=order, text="已办", actor=w.chief)
    at_time(at(10, 12, 11), order_verify, order=order, accepted=False, note="不实", actor=w.supervisor)
    order.refresh_from_db()
    sf.sweep_at(order.reply_due_at + dt.timedelta(minutes=1))
    order.refresh_from_db()
    assert (order.level, order.escalated_at, order.overdue_at) == (2, moment, moment)
    assert len(order_sms(order)) == 2  # issued + escalated
    assert AuditEvent.objects.filter(action="supervision.order_escalate").count() == 1


def test_a_replied_order_is_not_escalated(w):
    order = issue(w)
    at_time(at(9, 24, 10), order_reply, order=order, text="已办", actor=w.chief)
    sf.sweep_at(order.reply_due_at + dt.timedelta(minutes=1))
    order.refresh_from_db()
    assert (order.level, order.escalated_at) == (1, None)


def test_without_a_chief_the_duty_leader_is_told(w):
    w.chief.staff.active = False
    w.chief.staff.save(update_fields=["active"])
    duty = org.staff(role=Role.DUTY_LEADER, name="值班领导").user
    order = issue(w)
    assert [m.dedupe_key for m in order_sms(order)] == [f"order:{order.pk}:issued:{duty.pk}"]


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_escalating_at_once_escalate_once(postgres_only):
    w = sf.world()
    orders = [issue(w) for _ in range(3)]
    due = orders[0].reply_due_at + dt.timedelta(minutes=1)
    barrier, results, errors = threading.Barrier(2), [], []

    def one():
        try:
            barrier.wait()
            results.append(orders_escalate(now=due))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=one) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and sum(results) == 3
    assert OutboxMessage.objects.filter(dedupe_key__contains=":escalated:").count() == 3
    assert AuditEvent.objects.filter(action="supervision.order_escalate").count() == 3
