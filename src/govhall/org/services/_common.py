"""Helpers shared by the organisation services: permission check and audit snapshots."""

from __future__ import annotations

from datetime import date, datetime

from django.db import models

from govhall.org.access import require_role
from govhall.org.models import Role


def check_manager(actor) -> None:
    """Writes need the centre manager (or a superuser). ``actor=None`` is the system itself
    (migrations, ``seed_demo``, management commands), which no web request can pass."""
    if actor is not None:
        require_role(actor, Role.MANAGER)


def _plain(value):
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def snapshot(obj: models.Model, fields: tuple[str, ...]) -> dict:
    """A JSON-safe picture of ``fields`` for the audit record (foreign keys as ids)."""
    data = {}
    for name in fields:
        field = obj._meta.get_field(name)
        attname = field.attname if field.is_relation else name
        data[name] = _plain(getattr(obj, attname))
    return data


def apply_changes(obj: models.Model, changes: dict, allowed: tuple[str, ...], error) -> list[str]:
    """Set the allowed attributes; an unknown field is a programming error, reported as ``error``."""
    unknown = set(changes) - set(allowed)
    if unknown:
        raise error(sorted(unknown))
    for name, value in changes.items():
        setattr(obj, name, value)
    return list(changes)
