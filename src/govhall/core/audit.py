"""Append-only audit records chained with SM3 (DESIGN.md mechanism 3, 等保 2.0 level 3).

``record`` is called inside the business transaction. Writers are serialised so that two writers
never share a predecessor (a fork): PostgreSQL takes a transaction-scoped advisory lock on a fixed
key *before* reading the chain head (a row lock on the newest event cannot do this: it locks
nothing when the table is empty, and a second writer that waited on it reads a stale head); SQLite
has a single writer because every transaction begins IMMEDIATE (see settings). The lock is held
until the business transaction ends, which is what keeps id order equal to chain order.

``verify_chain`` recomputes every hash from the stored fields and checks each ``prev_hash``
against its predecessor, in id order and in batches. ``audit_prune`` drops events older than the
retention period after writing an AuditCheckpoint, so a pruned chain still proves itself.
See docs/adr/0002-audit-chain.md.
"""

import ipaddress
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from govhall.core import prepared
from govhall.core.crypto import constant_time_equal, sm3_hex
from govhall.core.errors import Conflict, ValidationFailed
from govhall.core.middleware import current_source_ip
from govhall.core.models import AuditCheckpoint, AuditEvent

GENESIS = "0" * 64
# Fixed key of the PostgreSQL advisory lock that serialises chain writers ("GOVAUDIT" in ASCII).
CHAIN_LOCK_KEY = 0x474F5641554449
# 等保 2.0 level 3 (GB/T 22239-2019 8.1.4.3): audit records are kept at least 184 days.
MIN_RETENTION_DAYS = 184
VERIFY_BATCH = 2000


def _utc_iso(value: datetime) -> str:
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.isoformat(timespec="microseconds")


def _canonical(event: AuditEvent) -> str:
    body = {
        "occurred_at": _utc_iso(event.occurred_at),
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "actor_role": event.actor_role,
        "source_ip": _normalise_ip(event.source_ip),
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "success": event.success,
        "before": event.before,
        "after": event.after,
        "detail": event.detail,
        "prev_hash": event.prev_hash,
    }
    return _CANONICAL.encode(body)


_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def event_hash(event: AuditEvent) -> str:
    return sm3_hex(_canonical(event))


def _jsonable(value: Any) -> Any:
    """What the JSON column will give back: hash exactly that, not the caller's Python objects.

    Plain JSON values (str, int, bool, None, float; dicts with str keys; lists) are taken as they
    are; anything else goes through the column's encoder and back (datetimes, decimals, choices …).
    """
    kind = type(value)
    if value is None or kind is str or kind is int or kind is bool or kind is float:
        return value
    if kind is dict and all(type(k) is str for k in value):
        return {k: _jsonable(v) for k, v in value.items()}
    if kind is list:
        return [_jsonable(v) for v in value]
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def _normalise_ip(value: str | None) -> str | None:
    # PostgreSQL's inet column may give an address back in another spelling (e.g. "::ffff:1.2.3.4"),
    # so both the write and the verification hash this one canonical form.
    if not value:
        return None
    try:
        address = ipaddress.ip_address(str(value))
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return str(mapped or address)


def lock_chain() -> None:
    """Serialise chain writers until the current transaction ends (call inside a transaction)."""
    if connection.vendor == "postgresql":
        prepared.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY], prepared.ONE)


_HEAD_SQL = f"SELECT hash FROM {AuditEvent._meta.db_table} ORDER BY id DESC LIMIT 1"  # noqa: S608


def _chain_head() -> str:
    # Plain SQL: this runs in every audited transaction (the primary key index gives the newest).
    row = prepared.execute(_HEAD_SQL, (), prepared.ONE)
    if row:
        return row[0]
    checkpoint = _newest_checkpoint()
    return checkpoint.last_hash if checkpoint else GENESIS


def _written_here() -> str | None:
    """The hash of the event this very transaction wrote last, if it wrote one and it still stands.

    The transaction holds the chain (lock_chain on PostgreSQL, SQLite's single writer), so that
    event is the head: its lock and its read need not be repeated. "Still stands" is asked of the
    transaction's commit hooks: ``record`` leaves a no-op hook, and Django drops a hook when the
    transaction commits or rolls back, or when the savepoint it was registered in rolls back.
    """
    kept = connection.__dict__.get("_audit_head")
    if kept is None:
        return None
    marker, position, head = kept
    hooks = connection.run_on_commit
    return head if len(hooks) > position and hooks[position][1] is marker else None


def _remember_head(head: str) -> None:
    kept = connection.__dict__.get("_audit_head")
    hooks, scope = connection.run_on_commit, set(connection.savepoint_ids)
    if kept is not None:
        marker, position = kept[0], kept[1]
        if len(hooks) > position and hooks[position][1] is marker and hooks[position][0] == scope:
            connection._audit_head = (marker, position, head)  # same savepoint: same fate
            return

    def marker() -> None:  # runs, doing nothing, when the transaction commits
        pass

    transaction.on_commit(marker)
    connection._audit_head = (marker, len(connection.run_on_commit) - 1, head)


def _newest_checkpoint() -> AuditCheckpoint | None:
    return AuditCheckpoint.objects.order_by("-last_event_id").first()


def _actor_fields(actor: Any) -> dict:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return {"actor": None, "actor_name": "", "actor_role": ""}
    staff = getattr(actor, "staff", None) if hasattr(actor, "staff") else None
    role = staff.role if staff is not None else getattr(actor, "kind", "")
    return {"actor": actor, "actor_name": actor.get_username(), "actor_role": role}


def record(
    *,
    action: str,
    actor: Any = None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    before: dict | None = None,
    after: dict | None = None,
    detail: dict | None = None,
    success: bool = True,
    source_ip: str | None = None,
) -> AuditEvent:
    """Write one audit event chained to the previous one. Call inside the business transaction."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    with transaction.atomic(savepoint=False):
        head = _written_here()
        if head is None:
            lock_chain()
            head = _chain_head()
        # The time is taken under the lock so that occurred_at follows id order (the prune relies on it).
        event = prepared.new(
            AuditEvent,
            occurred_at=timezone.now(),
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            success=success,
            before=_jsonable(before),
            after=_jsonable(after),
            detail=_jsonable(detail) or {},
            source_ip=_normalise_ip(source_ip or current_source_ip()),
            prev_hash=head,
            **_actor_fields(actor),
        )
        event.hash = event_hash(event)
        prepared.insert(event)  # built once per process: every service writes one
        _remember_head(event.hash)
    return event


# --- verification -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Break:
    """The first event that does not prove itself, and why."""

    event_id: int
    action: str
    occurred_at: datetime
    reason: str


@dataclass(frozen=True)
class VerifyResult:
    checked: int
    broken: Break | None
    start_after_id: int  # 0, or the checkpoint's last event when the chain was pruned

    @property
    def intact(self) -> bool:
        return self.broken is None


def _check(event: AuditEvent, expected_prev: str) -> str:
    """Return why ``event`` is broken, or ''."""
    if not constant_time_equal(event.prev_hash, expected_prev):
        return f"前序哈希不符：记录为 {event.prev_hash[:16]}…，前一条的哈希为 {expected_prev[:16]}…"
    recomputed = event_hash(event)
    if not constant_time_equal(recomputed, event.hash):
        return f"内容哈希不符：记录为 {event.hash[:16]}…，按存储内容重算为 {recomputed[:16]}…"
    return ""


def verify_chain(*, batch_size: int = VERIFY_BATCH, up_to_id: int | None = None) -> VerifyResult:
    """Walk the chain in id order, ``batch_size`` rows at a time (keyset pages, bounded memory)."""
    checkpoint = _newest_checkpoint()
    last_id = checkpoint.last_event_id if checkpoint else 0
    expected_prev = checkpoint.last_hash if checkpoint else GENESIS
    start, checked = last_id, 0
    rows = AuditEvent.objects.order_by("id")
    if up_to_id is not None:
        rows = rows.filter(id__lte=up_to_id)
    while True:
        batch = list(rows.filter(id__gt=last_id)[:batch_size])
        for event in batch:
            reason = _check(event, expected_prev)
            if reason:
                return VerifyResult(checked, Break(event.id, event.action, event.occurred_at, reason), start)
            expected_prev, last_id, checked = event.hash, event.id, checked + 1
        if len(batch) < batch_size:
            return VerifyResult(checked, None, start)


# --- retention ----------------------------------------------------------------------------------


class AuditRetentionTooShort(ValidationFailed):
    code = "audit_retention_too_short"


class AuditChainBroken(Conflict):
    code = "audit_chain_broken"


def _allow_prune_delete() -> None:
    # The append-only trigger lets DELETE through only in a transaction that set this (see 0002).
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL govhall.audit_prune = 'on'")


def _prune_range(cutoff: datetime) -> tuple[int, int] | None:
    """(last id to prune, count): the chain prefix strictly older than ``cutoff``."""
    first_kept = (
        AuditEvent.objects.filter(occurred_at__gte=cutoff).order_by("id").values_list("id", flat=True).first()
    )
    older = AuditEvent.objects.all()
    if first_kept is not None:
        # A prefix in id order, so the kept chain starts right after the checkpoint.
        older = older.filter(id__lt=first_kept)
    stats = older.aggregate(last=models.Max("id"), count=models.Count("id"))
    if not stats["count"]:
        return None
    return stats["last"], stats["count"]


@transaction.atomic(durable=True)
def audit_prune(*, days: int | None = None, actor: Any = None) -> AuditCheckpoint | None:
    """Delete events older than ``days`` (default: the retention setting) behind a checkpoint.

    Refuses fewer than 184 days and refuses to prune a chain that does not verify (pruning would
    hide the tampering). Returns the checkpoint, or None when nothing was old enough.
    """
    days = settings.GOVHALL_AUDIT_RETENTION_DAYS if days is None else days
    if days < MIN_RETENTION_DAYS:
        raise AuditRetentionTooShort(
            f"审计记录至少保存 {MIN_RETENTION_DAYS} 天（等保 2.0 三级），不能按 {days} 天清理。",
            field="days",
        )
    lock_chain()
    cutoff = timezone.now() - timedelta(days=days)
    found = _prune_range(cutoff)
    if found is None:
        return None
    last_id, count = found
    result = verify_chain(up_to_id=last_id)
    if not result.intact:
        raise AuditChainBroken(
            f"审计链在第 {result.broken.event_id} 条处不完整，已停止清理：{result.broken.reason}"
        )
    last_hash = AuditEvent.objects.values_list("hash", flat=True).get(id=last_id)
    checkpoint = AuditCheckpoint.objects.create(
        last_event_id=last_id, last_hash=last_hash, pruned_count=count, pruned_before=cutoff
    )
    _allow_prune_delete()
    AuditEvent.objects.filter(id__lte=last_id).delete()
    record(
        action="audit.prune",
        actor=actor,
        obj=checkpoint,
        detail={"days": days, "pruned_count": count, "last_event_id": last_id, "cutoff": _utc_iso(cutoff)},
    )
    return checkpoint
