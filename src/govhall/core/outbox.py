"""Side effects as rows written in the business transaction (DESIGN.md mechanism 4)."""

from django.db import transaction
from django.utils import timezone

from govhall.core.models import OutboxMessage


def enqueue(
    *, kind: str, topic: str = "", payload: dict, dedupe_key: str | None = None
) -> OutboxMessage | None:
    """Queue a side effect; with ``dedupe_key`` a second enqueue of the same effect is a no-op."""
    with transaction.atomic(savepoint=True):
        if dedupe_key and OutboxMessage.objects.filter(dedupe_key=dedupe_key).exists():
            return None
        return OutboxMessage.objects.create(
            kind=kind, topic=topic, payload=payload, dedupe_key=dedupe_key, available_at=timezone.now()
        )
