"""Cards: their SMS to the responsible person and the leader — one per person and sweep, a digest
when a sweep raises several cards for them (ADR 0010); removal (摘牌) by a supervisor only."""

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
        [f"warnings:{card.run}:case_clocks:{w.clerk.pk}", f"warnings:{card.run}:case_clocks:{w.chief.pk}"]
    )
    by_mobile = {m.payload["mobile"]: m for m in messages}
    assert set(by_mobile) == {_mobile(w.clerk), _mobile(w.chief)}
    for message in messages:
        assert (message.kind, message.topic, message.state, message.attempts) == (
            "sms", "supervision_warning", "pending", 0,
        )  # fmt: skip
        # One card: the card's own text.
        assert (
            message.payload["text"]
            == f"【电子监察】黄牌预警：办件{case.number}承诺时限即将届满，请抓紧办理。"
        )
    # Every later sweep leaves them alone, even when it raises other cards.
    before = OutboxMessage.objects.filter(topic="supervision_warning").count()
    sf.sweep_at(at(10, 8))
    sf.sweep_at(at(10, 8))
    assert OutboxMessage.objects.filter(topic="supervision_warning").count() == before
    assert sf.sms_of(card) == messages


def _told(messages) -> dict[str, str]:
    return {m.payload["mobile"]: m.payload["text"] for m in messages}


def test_a_backlog_sends_each_person_one_digest_per_sweep_and_family(w):
    """A sweep that raises several cards for one person sends them one SMS listing how many (a first
    sweep over a backlog: one message per person, not thousands); each card is told exactly once."""
    cases = [w.accept(at(9, 23, 10)) for _ in range(3)]
    report = sf.sweep_at(at(10, 9))
    assert report.phases["case_clocks"]["warnings_raised"] == 3
    assert report.phases["case_clocks"]["sms_queued"] == 2  # the clerk and the chief, once each
    assert report.phases["step_clocks"]["sms_queued"] == 1  # the chief (the tasks are in the pool)
    run = report.run
    case_sms = list(OutboxMessage.objects.filter(dedupe_key__startswith=f"warnings:{run}:case_clocks:"))
    first = min(cases, key=lambda c: sf.cards(c, rule=P)[0].pk).number
    digest = f"【电子监察】您有3张新预警牌（红牌3张、黄牌0张）：办件{first}等的办理时限即将届满或已超期，请登录电子监察系统查看，抓紧办理。"
    assert _told(case_sms) == {_mobile(w.clerk): digest, _mobile(w.chief): digest}
    (step_sms,) = OutboxMessage.objects.filter(dedupe_key=f"warnings:{run}:step_clocks:{w.chief.pk}")
    assert step_sms.payload["text"].startswith("【电子监察】您有3张新预警牌（红牌3张、黄牌0张）：办件")
    assert "当前办理环节即将超时或已超时" in step_sms.payload["text"]
    for case in cases:
        for card in sf.cards(case):
            assert [sf.cards_told(m) for m in sf.sms_of(card)] == ([3, 3] if card.step_id is None else [3])
            assert {m.payload["mobile"] for m in sf.sms_of(card)} == (
                {_mobile(w.clerk), _mobile(w.chief)} if card.step_id is None else {_mobile(w.chief)}
            )
    # The same instant again raises nothing and sends nothing; a later card gets its own SMS.
    before = OutboxMessage.objects.filter(topic="supervision_warning").count()
    assert sf.sweep_at(at(10, 9)).phases["case_clocks"]["sms_queued"] == 0
    assert OutboxMessage.objects.filter(topic="supervision_warning").count() == before == 3
    late = w.accept(at(9, 24, 10))
    later = sf.sweep_at(at(10, 12))
    (card,) = sf.cards(late, rule=P)
    assert (card.run, card.level) == (later.run, "red")
    assert set(_told(sf.sms_of(card)).values()) == {
        f"【电子监察】红牌警示：办件{late.number}已超过承诺时限，请立即办理并说明原因。"
    }


def test_a_digest_counts_yellow_and_red_cards_apart(w):
    red = [w.accept(at(9, 21, 10)) for _ in range(2)]
    yellow = w.accept(at(9, 23, 10))
    report = sf.sweep_at(at(10, 1))
    assert [sf.open_cards(c, rule=P) for c in red + [yellow]] == [[(P, "red")]] * 2 + [[(P, "yellow")]]
    (clerk,) = OutboxMessage.objects.filter(dedupe_key=f"warnings:{report.run}:case_clocks:{w.clerk.pk}")
    assert "您有3张新预警牌（红牌2张、黄牌1张）" in clerk.payload["text"]


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
    assert [m.dedupe_key for m in sf.sms_of(card)] == [f"warnings:{card.run}:case_clocks:{w.chief.pk}"]


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
