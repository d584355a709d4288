"""Side effects as rows written in the business transaction (DESIGN.md mechanism 4).

``enqueue`` writes the row with the business change, so an effect exists exactly when the change
committed, and asks huey to deliver soon after commit. ``deliver_pending`` claims due rows with a
conditional UPDATE (each row goes to one worker, under a lease), performs each effect outside any
transaction, and marks it sent only if it still holds the claim. A worker that dies after claiming
loses nothing: the lease expires and another worker delivers. The gap between "the gateway
accepted" and "marked sent" makes delivery at-least-once; the backends drop repeats by message id
(see notify.py and docs/adr/0005-outbox-and-huey.md).
"""

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from govhall.core.models import OutboxMessage
from govhall.core.models.outbox import OutboxState

logger = logging.getLogger(__name__)


def _lease() -> timedelta:
    return timedelta(seconds=getattr(settings, "GOVHALL_OUTBOX_LEASE_SECONDS", 300))


def _max_attempts() -> int:
    return getattr(settings, "GOVHALL_OUTBOX_MAX_ATTEMPTS", 8)


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, … capped at one hour."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def enqueue(
    *, kind: str, topic: str = "", payload: dict, dedupe_key: str | None = None
) -> OutboxMessage | None:
    """Queue a side effect; with ``dedupe_key`` a second enqueue of the same effect is a no-op."""
    if dedupe_key and OutboxMessage.objects.filter(dedupe_key=dedupe_key).exists():
        return None
    try:
        with transaction.atomic(savepoint=True):
            message = OutboxMessage.objects.create(
                kind=kind, topic=topic, payload=payload, dedupe_key=dedupe_key, available_at=timezone.now()
            )
    except IntegrityError:
        # A concurrent transaction queued the same effect first (unique dedupe_key).
        if dedupe_key and OutboxMessage.objects.filter(dedupe_key=dedupe_key).exists():
            return None
        raise
    kick_after_commit()
    return message


def kick_after_commit() -> None:
    """Ask a huey worker to deliver right after commit (once per transaction).

    Public for set-based writers (the supervision sweep inserts outbox rows with one statement).
    """
    pending = getattr(connection, "run_on_commit", [])
    if any(getattr(entry[1], "__name__", "") == _kick.__name__ for entry in pending):
        return
    transaction.on_commit(_kick)


def _kick() -> None:
    from govhall.core.tasks import deliver_outbox_soon

    try:
        deliver_outbox_soon()
    except Exception:
        # The business change has committed; the periodic task delivers if the queue is down.
        logger.warning("could not schedule outbox delivery; the periodic sweep will", exc_info=True)


# --- delivery -----------------------------------------------------------------------------------


def _due(now) -> Q:
    pending = Q(state=OutboxState.PENDING, available_at__lte=now)
    expired = Q(state=OutboxState.CLAIMED, claimed_until__lt=now)
    return pending | expired


def _fail_exhausted(now) -> None:
    """A row whose lease expired after its last allowed attempt fails instead of looping."""
    OutboxMessage.objects.filter(
        state=OutboxState.CLAIMED, claimed_until__lt=now, attempts__gte=_max_attempts()
    ).update(state=OutboxState.FAILED, claimed_until=None, claim_token="", last_error="多次处理超时，已放弃")


def claim(limit: int) -> list[OutboxMessage]:
    """Claim up to ``limit`` due rows for this worker; each row is claimed by exactly one worker."""
    token = uuid.uuid4().hex
    now = timezone.now()
    with transaction.atomic():
        _fail_exhausted(now)
        candidates = OutboxMessage.objects.filter(_due(now)).order_by("available_at", "id")
        if connection.vendor == "postgresql":
            # Concurrent workers skip each other's candidates instead of queueing on them.
            candidates = candidates.select_for_update(skip_locked=True)
        ids = list(candidates.values_list("id", flat=True)[:limit])
        # Conditional: a row another worker claimed in the meantime no longer matches (SQLite has
        # one writer; on PostgreSQL the re-check guards against a candidate read without a lock).
        OutboxMessage.objects.filter(_due(now), id__in=ids).update(
            state=OutboxState.CLAIMED,
            claim_token=token,
            claimed_until=now + _lease(),
            attempts=F("attempts") + 1,
        )
    return list(OutboxMessage.objects.filter(claim_token=token, state=OutboxState.CLAIMED).order_by("id"))


def _held(message: OutboxMessage):
    return OutboxMessage.objects.filter(
        id=message.pk, claim_token=message.claim_token, state=OutboxState.CLAIMED
    )


def _mark_sent(message: OutboxMessage) -> bool:
    updated = _held(message).update(
        state=OutboxState.SENT, sent_at=timezone.now(), claim_token="", claimed_until=None, last_error=""
    )
    return updated == 1


def _mark_failed_attempt(message: OutboxMessage, error: Exception) -> None:
    exhausted = message.attempts >= _max_attempts()
    _held(message).update(
        state=OutboxState.FAILED if exhausted else OutboxState.PENDING,
        available_at=timezone.now() + backoff(message.attempts),
        claim_token="",
        claimed_until=None,
        last_error=f"{type(error).__name__}: {error}"[:2000],
    )
    log = logger.error if exhausted else logger.warning
    log("outbox %s (%s) attempt %s failed: %s", message.pk, message.kind, message.attempts, error)


class LeaseLost(Exception):
    """Another worker reclaimed the row while this one was delivering it."""


def deliver_one(message: OutboxMessage) -> bool:
    """Deliver a claimed row; True when it was marked sent by this worker."""
    from govhall.core import notify

    try:
        if message.kind in notify.TRANSACTIONAL_KINDS:
            with transaction.atomic():
                notify.dispatch(message)
                if not _mark_sent(message):
                    raise LeaseLost(f"outbox {message.pk}")
            return True
        notify.dispatch(message)
    except LeaseLost:
        logger.warning("outbox %s: lease lost, left to the worker that holds it", message.pk)
        return False
    except Exception as error:
        _mark_failed_attempt(message, error)
        return False
    if not _mark_sent(message):
        # Sent, but the lease ran out first: the new holder may send again (the backend drops it).
        logger.warning("outbox %s delivered after its lease expired", message.pk)
        return False
    return True


def deliver_pending(limit: int = 100) -> int:
    """Claim and deliver due rows now; returns how many this call marked sent.

    Call it outside a transaction (the huey task and the management command do) so that no
    network call runs inside one.
    """
    sent = 0
    for message in claim(limit):
        sent += deliver_one(message)
    return sent


@transaction.atomic(durable=True)
def outbox_retry_failed(*, ids: list[int] | None = None, actor=None) -> int:
    """Put failed rows back in the queue (a manager's action after fixing the cause)."""
    from govhall.core import audit

    rows = OutboxMessage.objects.filter(state=OutboxState.FAILED)
    if ids is not None:
        rows = rows.filter(id__in=ids)
    retried = sorted(rows.values_list("id", flat=True))
    count = OutboxMessage.objects.filter(id__in=retried).update(
        state=OutboxState.PENDING, attempts=0, available_at=timezone.now(), last_error=""
    )
    audit.record(action="outbox.retry_failed", actor=actor, detail={"ids": retried[:1000], "count": count})
    if count:
        kick_after_commit()
    return count
