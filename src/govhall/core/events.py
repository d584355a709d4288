"""Domain events: how a lower context lets a higher one react without importing it (DESIGN.md).

``publish`` writes an outbox row (kind "event") in the caller's transaction, so an event exists
exactly when the change that caused it committed. After commit a worker delivers the row by
*fanning out*: one "event.handler" row per handler registered under the event's name at that
moment. Each handler row is claimed and retried on its own, and a handler runs in one transaction
with the row's "sent" mark, so a handler's database work happens once per event; a handler that
keeps failing ends as a failed row with its error, without holding back the other handlers.

    @events.subscribe("cases.case_concluded")
    def grade_case(payload: dict) -> None: ...

Handlers live in a context's ``handlers`` module that its AppConfig.ready() imports, so every
process (web and worker) has the same registry.
"""

from collections import defaultdict
from collections.abc import Callable

from govhall.core import outbox
from govhall.core.crypto import sm3_hex
from govhall.core.models import OutboxMessage

Handler = Callable[[dict], None]
_registry: dict[str, dict[str, Handler]] = defaultdict(dict)


class HandlerMissing(Exception):
    """The handler named by an "event.handler" row is not registered in this process."""


def handler_name(handler: Handler) -> str:
    return f"{handler.__module__}.{handler.__qualname__}"


def subscribe(name: str) -> Callable[[Handler], Handler]:
    """Register ``handler(payload)`` for the event ``name``; registering twice is harmless."""

    def decorator(handler: Handler) -> Handler:
        _registry[name][handler_name(handler)] = handler
        return handler

    return decorator


def unsubscribe(name: str, handler: Handler) -> None:
    _registry[name].pop(handler_name(handler), None)


def handlers_for(name: str) -> dict[str, Handler]:
    return dict(_registry.get(name, {}))


def publish(name: str, payload: dict) -> OutboxMessage:
    """Record the event in the current transaction; handlers run after it commits."""
    return outbox.enqueue(kind="event", topic=name, payload=payload)


def fan_out(message: OutboxMessage) -> int:
    """Queue one handler row per handler registered now; idempotent through the dedupe keys."""
    queued = 0
    for name in sorted(handlers_for(message.topic)):
        row = outbox.enqueue(
            kind="event.handler",
            topic=message.topic,
            payload={"event_id": message.pk, "handler": name, "data": message.payload},
            # Hashed so that long dotted handler names fit the 128-character key.
            dedupe_key=f"event:{message.pk}:{sm3_hex(name)[:40]}",
        )
        queued += row is not None
    return queued


def run_handler(message: OutboxMessage) -> None:
    name = message.payload["handler"]
    handler = handlers_for(message.topic).get(name)
    if handler is None:
        raise HandlerMissing(f"事件 {message.topic} 的处理程序 {name} 未注册")
    handler(message.payload["data"])
