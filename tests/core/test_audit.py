"""The SM3 audit chain: verify proves it, tampering is named, PostgreSQL refuses change, prune keeps it whole."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from govhall.core import audit
from govhall.core.models import AuditCheckpoint, AuditEvent

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _write(n: int, action: str = "test.thing_change") -> list[AuditEvent]:
    return [
        audit.record(action=action, object_type="test.thing", object_id=str(i), detail={"i": i})
        for i in range(n)
    ]


def _tamper(sql: str, params: list) -> None:
    """Change the table behind the application's back (on PostgreSQL the trigger must be off first)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # DDL is transactional here: the test's rollback turns the trigger back on.
            cursor.execute("ALTER TABLE core_auditevent DISABLE TRIGGER core_auditevent_append_only")
        cursor.execute(sql, params)


def _verify_command() -> str:
    from io import StringIO

    out = StringIO()
    call_command("audit", "verify", stdout=out)
    return out.getvalue()


def test_events_chain_to_their_predecessor_and_verify():
    first, second, third = _write(3)
    assert first.prev_hash == audit.GENESIS
    assert second.prev_hash == first.hash and third.prev_hash == second.hash
    assert len({first.hash, second.hash, third.hash}) == 3
    result = audit.verify_chain(batch_size=2)  # more than one batch
    assert result.intact and result.checked == 3
    assert "已校验 3 条，审计链完整" in _verify_command()


def test_values_are_hashed_as_the_database_returns_them():
    audit.record(
        action="test.values",
        detail={"amount": Decimal("12.50"), "when": datetime(2026, 1, 5, 9, tzinfo=SHANGHAI), "名": "张三"},
        source_ip="::ffff:10.1.2.3",
    )
    audit.record(action="test.values", source_ip="2001:0db8:0000::0001", before={"a": [1, 2]}, after=None)
    assert audit.verify_chain().intact


def test_tampered_detail_is_named_and_verify_exits_1():
    events = _write(4)
    victim = events[2]
    _tamper("UPDATE core_auditevent SET detail = %s WHERE id = %s", ['{"i": 99}', victim.id])

    result = audit.verify_chain()
    assert not result.intact
    assert result.checked == 2
    assert result.broken.event_id == victim.id
    assert result.broken.action == "test.thing_change"
    assert "内容哈希不符" in result.broken.reason
    with pytest.raises(CommandError) as caught:
        _verify_command()
    assert caught.value.returncode == 1
    assert f"#{victim.id}" in str(caught.value) and "test.thing_change" in str(caught.value)


def test_deleted_event_breaks_the_link_of_its_successor():
    events = _write(3)
    _tamper("DELETE FROM core_auditevent WHERE id = %s", [events[1].id])
    result = audit.verify_chain()
    assert result.broken.event_id == events[2].id
    assert "前序哈希不符" in result.broken.reason


def test_rewritten_hash_still_breaks_the_successor_link():
    events = _write(3)
    victim = events[1]
    victim.detail = {"i": 1000}
    forged = audit.event_hash(victim)
    _tamper(
        "UPDATE core_auditevent SET detail = %s, hash = %s WHERE id = %s", ['{"i": 1000}', forged, victim.id]
    )
    assert audit.verify_chain().broken.event_id == events[2].id


@pytest.mark.postgres
def test_postgres_refuses_update_delete_and_truncate(postgres_only):
    (event,) = _write(1)
    for sql in (
        "UPDATE core_auditevent SET detail = '{}' WHERE id = %s",
        "DELETE FROM core_auditevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="审计日志只允许追加"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, [event.id])
    with pytest.raises(DatabaseError, match="TRUNCATE"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL govhall.audit_allow_truncate = 'off'")
            cursor.execute("TRUNCATE core_auditevent")
    stored = AuditEvent.objects.get(id=event.id)
    assert stored.detail == {"i": 0} and stored.hash == event.hash
    assert audit.verify_chain().intact


def test_prune_keeps_the_chain_verifiable():
    with time_machine.travel(datetime(2025, 1, 10, 9, tzinfo=SHANGHAI), tick=False):
        old = _write(3, action="test.old")
    with time_machine.travel(datetime(2025, 9, 1, 9, tzinfo=SHANGHAI), tick=False):
        recent = _write(2, action="test.recent")
        checkpoint = audit.audit_prune()

    assert checkpoint.last_event_id == old[-1].id
    assert checkpoint.last_hash == old[-1].hash and checkpoint.pruned_count == 3
    assert not AuditEvent.objects.filter(id__lte=old[-1].id).exists()
    assert list(AuditEvent.objects.filter(action="test.recent").values_list("id", flat=True)) == [
        e.id for e in recent
    ]
    prune_event = AuditEvent.objects.get(action="audit.prune")
    assert prune_event.detail["pruned_count"] == 3 and prune_event.object_id == str(checkpoint.id)
    result = audit.verify_chain()
    assert result.intact and result.checked == 3 and result.start_after_id == old[-1].id
    assert "审计链完整" in _verify_command()
    # Tampering after a prune is still found.
    _tamper("UPDATE core_auditevent SET action = 'x' WHERE id = %s", [recent[0].id])
    assert audit.verify_chain().broken.event_id == recent[0].id


def test_prune_with_nothing_old_does_nothing():
    _write(2)
    assert audit.audit_prune(days=200) is None
    assert AuditEvent.objects.count() == 2 and not AuditCheckpoint.objects.exists()


def test_prune_below_184_days_is_refused_and_changes_nothing():
    with time_machine.travel(datetime(2025, 1, 10, 9, tzinfo=SHANGHAI), tick=False):
        _write(2)
    with time_machine.travel(datetime(2025, 9, 1, 9, tzinfo=SHANGHAI), tick=False):
        with pytest.raises(audit.AuditRetentionTooShort) as caught:
            audit.audit_prune(days=183)
        assert caught.value.code == "audit_retention_too_short"
        assert "184" in caught.value.message
        with pytest.raises(CommandError, match="至少保存 184 天") as command_error:
            call_command("audit", "prune", "--days", "30")
        assert command_error.value.returncode == 1
    assert AuditEvent.objects.count() == 2 and not AuditCheckpoint.objects.exists()


def test_prune_refuses_to_hide_a_broken_chain():
    with time_machine.travel(datetime(2025, 1, 10, 9, tzinfo=SHANGHAI), tick=False):
        old = _write(3)
    _tamper("UPDATE core_auditevent SET object_id = 'forged' WHERE id = %s", [old[1].id])
    with time_machine.travel(datetime(2025, 9, 1, 9, tzinfo=SHANGHAI), tick=False):
        with pytest.raises(audit.AuditChainBroken, match=f"第 {old[1].id} 条"):
            audit.audit_prune()
    assert AuditEvent.objects.count() == 3 and not AuditCheckpoint.objects.exists()


def test_prune_command_reports_what_it_did():
    from io import StringIO

    with time_machine.travel(datetime(2025, 1, 10, 9, tzinfo=SHANGHAI), tick=False):
        _write(2)
    out = StringIO()
    with time_machine.travel(datetime(2025, 9, 1, 9, tzinfo=SHANGHAI) + timedelta(days=1), tick=False):
        call_command("audit", "prune", stdout=out)
    assert "已清理 2 条" in out.getvalue()
    assert audit.verify_chain().intact


def test_an_event_rolled_back_with_its_savepoint_is_not_the_next_ones_predecessor():
    """Within a transaction the head is remembered, but only while the event that made it stands."""
    first = audit.record(action="test.kept")
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record(action="test.rolled_back")
        raise RuntimeError("the savepoint goes")
    with transaction.atomic():  # an inner savepoint that stays
        second = audit.record(action="test.kept")
    third = audit.record(action="test.kept")
    assert (second.prev_hash, third.prev_hash) == (first.hash, second.hash)
    assert audit.verify_chain().intact
    assert AuditEvent.objects.filter(action="test.rolled_back").count() == 0


@pytest.mark.django_db(transaction=True)
def test_each_transaction_reads_the_head_afresh():
    """A committed transaction's remembered head is not reused by the next one, whose own read
    sees what others wrote in between."""
    with transaction.atomic():
        first = audit.record(action="test.one")
    with transaction.atomic():
        with connection.cursor() as cursor:  # another writer's event, written behind record's back
            cursor.execute(
                "INSERT INTO core_auditevent (occurred_at, actor_name, actor_role, action, object_type, object_id,"
                " success, detail, prev_hash, hash) VALUES (%s, '', '', 'test.other', '', '', %s, %s, %s, %s)",
                [datetime(2026, 1, 1, tzinfo=SHANGHAI), True, "{}", first.hash, "f" * 64],
            )
        second = audit.record(action="test.two")
    assert second.prev_hash == "f" * 64
