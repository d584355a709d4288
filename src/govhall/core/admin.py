"""Admin registrations of the shared kernel, one module per mechanism."""

from govhall.core import admin_audit, admin_calendar, admin_outbox, admin_users  # noqa: F401
