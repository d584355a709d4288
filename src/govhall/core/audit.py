"""Append-only audit records chained with SM3 (DESIGN.md mechanism 3).

``record`` is called inside the business transaction; the chain is serialised by locking the
newest event (PostgreSQL) or by SQLite's single writer, so two writers never share a predecessor.
"""

import json
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from govhall.core.crypto import sm3_hex
from govhall.core.middleware import current_source_ip
from govhall.core.models import AuditCheckpoint, AuditEvent

GENESIS = "0" * 64


def _canonical(event: AuditEvent) -> str:
    body = {
        "occurred_at": event.occurred_at.isoformat(),
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "actor_role": event.actor_role,
        "source_ip": event.source_ip,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "success": event.success,
        "before": event.before,
        "after": event.after,
        "detail": event.detail,
        "prev_hash": event.prev_hash,
    }
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def event_hash(event: AuditEvent) -> str:
    return sm3_hex(_canonical(event))


def _chain_head() -> str:
    last = AuditEvent.objects.select_for_update().order_by("-id").values_list("hash", flat=True).first()
    if last:
        return last
    checkpoint = (
        AuditCheckpoint.objects.order_by("-last_event_id").values_list("last_hash", flat=True).first()
    )
    return checkpoint or GENESIS


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
        event = AuditEvent(
            occurred_at=timezone.now(),
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            success=success,
            before=before,
            after=after,
            detail=detail or {},
            source_ip=source_ip or current_source_ip(),
            prev_hash=_chain_head(),
            **_actor_fields(actor),
        )
        event.hash = event_hash(event)
        event.save(force_insert=True)
    return event
