"""Every write of the organisation context (STYLE.md §2): keyword-only, atomic, audited."""

from govhall.org.services.people import (
    POWERS,
    delegation_grant,
    delegation_revoke,
    staff_create,
    staff_deactivate,
    staff_update,
)
from govhall.org.services.structure import (
    department_create,
    department_update,
    site_create,
    site_update,
    window_create,
    window_update,
)

__all__ = [
    "POWERS",
    "delegation_grant",
    "delegation_revoke",
    "department_create",
    "department_update",
    "site_create",
    "site_update",
    "staff_create",
    "staff_deactivate",
    "staff_update",
    "window_create",
    "window_update",
]
