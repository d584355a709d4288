"""Cards: one SMS each to the responsible person and the leader; removal (摘牌) by a supervisor only."""

import pytest

from govhall.core.crypto import decrypt
from govhall.core.errors import Conflict, PermissionDenied, ValidationFailed
from govhall.core.models import AuditEvent, OutboxMessage
from govhall.org.models import Role
from govhall.supervision.models import Rule
from govhall.supervision.services import warning_remove
from tests.org import factories as org
from tests.supervision import factories as sf
from tests.supervision.factories import at

pytestmark = pytest.mark.django_db
P = Rule.PROMISED


@pytest.fixture
def yellow(w):
    """A case whose promised clock turned yellow on 1 Oct 2026, with its card."""
    case = w.accept(at(9, 23, 10))
    sf.sweep_at(at(10, 1))
    (card,) = sf.cards(case, rule=P)
    return case, card


def _mobile(user) -> str:
    return decrypt(user.mobile_cipher)


def test_a_new_card_sends_one_sms_to_the_person_and_one_to_the_leader(w, yellow):
    case, card = yellow
    messages = sf.sms_of(card)
    assert sorted(m.dedupe_key for m in messages) == sorted(
        [f"warning:{card.pk}:{w.clerk.pk}", f"warning:{card.pk}:{w.chief.pk}"]
    )
    by_mobile = {m.payload["mobile"]: m for m in messages}
    assert set(by_mobile) == {_mobile(w.clerk), _mobile(w.chief)}
    for message in messages:
        assert (message.kind, message.topic, message.state, message.attempts) == (
            "sms", "supervision_warning", "pending", 0,
        )  # fmt: skip
        assert case.number in message.payload["text"] and "黄牌" in message.payload["text"]
    # Every later sweep leaves them alone, even when it raises other cards.
    before = OutboxMessage.objects.filter(dedupe_key__startswith=f"warning:{card.pk}:").count()
    sf.sweep_at(at(10, 8))
    sf.sweep_at(at(10, 8))
    assert OutboxMessage.objects.filter(dedupe_key__startswith=f"warning:{card.pk}:").count() == before == 2


def test_the_sms_rows_are_what_outbox_enqueue_would_write(yellow):
    _case, card = yellow
    message = sf.sms_of(card)[0]
    assert (message.claim_token, message.claimed_until, message.sent_at, message.last_error) == (
        "",
        None,
        None,
        "",
    )
    assert message.available_at is not None and message.created_at is not None
    assert set(message.payload) == {"mobile", "text"}


def test_a_person_without_a_mobile_gets_no_sms_and_the_leader_still_does():
    w = sf.world()
    w.clerk.mobile_cipher = ""
    w.clerk.save(update_fields=["mobile_cipher"])
    case = w.accept(at(9, 23, 10))
    sf.sweep_at(at(10, 1))
    (card,) = sf.cards(case, rule=P)
    assert card.person == w.clerk
    assert [m.dedupe_key for m in sf.sms_of(card)] == [f"warning:{card.pk}:{w.chief.pk}"]


def test_without_a_chief_the_duty_leader_is_told():
    w = sf.world()
    duty = org.staff(role=Role.DUTY_LEADER, name="值班领导").user
    staff = w.chief.staff
    staff.active = False
    staff.save(update_fields=["active"])
    case = w.accept(at(9, 23, 10))
    sf.sweep_at(at(10, 1))
    (card,) = sf.cards(case, rule=P)
    assert card.leader == duty


def test_a_supervisor_removes_a_card_with_a_reason(w, yellow):
    case, card = yellow
    with sf.time_machine.travel(at(10, 2, 9), tick=False):
        removed = warning_remove(warning=card, reason="  节假日期间已电话督促  ", actor=w.supervisor)
    removed.refresh_from_db()
    assert (removed.clear_kind, removed.clear_reason, removed.cleared_by, removed.cleared_at) == (
        "removed", "节假日期间已电话督促", w.supervisor, at(10, 2, 9),
    )  # fmt: skip
    event = AuditEvent.objects.filter(action="supervision.warning_remove").get()
    assert (event.actor, event.object_id, event.detail) == (
        w.supervisor,
        str(card.pk),
        {"reason": "节假日期间已电话督促"},
    )
    # The clock is still yellow; the sweep does not raise the card again …
    sf.sweep_at(at(10, 8))
    assert sf.level(case, P) == "yellow" and sf.open_cards(case, rule=P) == []
    # … until its colour changes.
    sf.sweep_at(at(10, 9))
    assert sf.open_cards(case, rule=P) == [(P, "red")]


@pytest.mark.parametrize("role", [Role.CLERK, Role.CHIEF, Role.APPROVER, Role.MANAGER, Role.DUTY_LEADER])
def test_only_a_supervisor_may_remove_a_card(yellow, role):
    _case, card = yellow
    actor = org.staff(role=role).user
    before = sf.counts()
    with pytest.raises(PermissionDenied) as raised:
        warning_remove(warning=card, reason="已处理", actor=actor)
    assert raised.value.code == "org.forbidden"
    card.refresh_from_db()
    assert (card.cleared_at, card.clear_kind) == (None, "")
    assert sf.counts() == before


def test_nobody_and_an_applicant_may_not_remove_a_card(yellow):
    _case, card = yellow
    before = sf.counts()
    for actor in (None, org.applicant("zhang_san")):
        with pytest.raises(PermissionDenied):
            warning_remove(warning=card, reason="已处理", actor=actor)
    assert sf.counts() == before


@pytest.mark.parametrize(("reason", "code"), [("", "supervision.reason_required"), ("   ", "supervision.reason_required"),
                                              ("理" * 201, "supervision.reason_too_long")])  # fmt: skip
def test_a_removal_needs_a_reason(w, yellow, reason, code):
    _case, card = yellow
    before = sf.counts()
    with pytest.raises(ValidationFailed) as raised:
        warning_remove(warning=card, reason=reason, actor=w.supervisor)
    assert (raised.value.code, raised.value.field) == (code, "reason")
    card.refresh_from_db()
    assert card.cleared_at is None and sf.counts() == before


def test_a_cleared_card_cannot_be_removed(w, yellow):
    case, card = yellow
    sf.sweep_at(at(10, 9))  # escalated to red: the yellow card is cleared
    card.refresh_from_db()
    assert card.clear_kind == "escalated"
    before = sf.counts()
    with pytest.raises(Conflict) as raised:
        warning_remove(warning=card, reason="已处理", actor=w.supervisor)
    assert raised.value.code == "supervision.warning_closed"
    card.refresh_from_db()
    assert (card.clear_kind, card.cleared_by) == ("escalated", None) and sf.counts() == before
