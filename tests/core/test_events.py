"""Domain events: written with the transaction, fanned out to handlers, each handler once per event."""

import pytest
from django.db import transaction

from govhall.core import audit, events, outbox
from govhall.core.models import AuditEvent, OutboxMessage
from govhall.core.models.outbox import OutboxState

pytestmark = pytest.mark.django_db
EVENT = "test.case_concluded"
calls: list[tuple[str, dict]] = []


def grade(payload: dict) -> None:
    calls.append(("grade", payload))
    # A handler's database work commits together with its "sent" mark.
    audit.record(action="test.graded", object_type="case", object_id=payload["case"])


def invite(payload: dict) -> None:
    calls.append(("invite", payload))


def flaky(payload: dict) -> None:
    raise ValueError("评价系统暂不可用")


@pytest.fixture(autouse=True)
def registry():
    calls.clear()
    events.subscribe(EVENT)(grade)
    events.subscribe(EVENT)(invite)
    yield
    for handler in (grade, invite, flaky):
        events.unsubscribe(EVENT, handler)


def _deliver_all() -> None:
    while outbox.deliver_pending():
        pass


def test_each_handler_runs_once_per_event():
    with transaction.atomic():
        event = events.publish(EVENT, {"case": "QL2026-0001"})
    assert event.kind == "event" and event.topic == EVENT
    _deliver_all()
    _deliver_all()
    assert sorted(name for name, _ in calls) == ["grade", "invite"]
    assert all(payload == {"case": "QL2026-0001"} for _, payload in calls)
    assert AuditEvent.objects.filter(action="test.graded", object_id="QL2026-0001").count() == 1
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {OutboxState.SENT}


def test_event_in_a_rolled_back_transaction_reaches_no_handler():
    with pytest.raises(RuntimeError), transaction.atomic():
        events.publish(EVENT, {"case": "QL2026-0002"})
        raise RuntimeError("conclusion refused")
    _deliver_all()
    assert calls == [] and not OutboxMessage.objects.exists()


def test_a_failing_handler_is_recorded_and_does_not_hold_back_the_others():
    events.subscribe(EVENT)(flaky)
    events.publish(EVENT, {"case": "QL2026-0003"})
    _deliver_all()
    assert sorted(name for name, _ in calls) == ["grade", "invite"]
    failing = OutboxMessage.objects.get(kind="event.handler", payload__handler=events.handler_name(flaky))
    assert failing.state == OutboxState.PENDING and failing.attempts == 1
    assert "评价系统暂不可用" in failing.last_error


def test_handlers_are_looked_up_when_the_event_is_delivered():
    events.publish(EVENT, {"case": "QL2026-0004"})
    events.unsubscribe(EVENT, invite)  # e.g. the subscribing context was removed before delivery
    _deliver_all()
    assert [name for name, _ in calls] == ["grade"]


def test_handler_missing_at_its_turn_is_an_error():
    events.publish(EVENT, {"case": "QL2026-0005"})
    outbox.deliver_pending()  # fan-out only
    events.unsubscribe(EVENT, grade)
    _deliver_all()
    missing = OutboxMessage.objects.get(kind="event.handler", payload__handler=events.handler_name(grade))
    assert missing.state == OutboxState.PENDING and "未注册" in missing.last_error


def test_fan_out_twice_queues_each_handler_once():
    message = events.publish(EVENT, {"case": "QL2026-0006"})
    assert events.fan_out(message) == 2
    assert events.fan_out(message) == 0
    assert OutboxMessage.objects.filter(kind="event.handler").count() == 2
