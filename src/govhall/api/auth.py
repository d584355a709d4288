"""Bearer-token authentication for /api/v1 (``Authorization: Bearer <token>``).

Defined in the shared kernel (``govhall.core.api``) so every context's router can use it without
importing upward; re-exported here for the API assembly.
"""

from govhall.core.api import BearerAuth, api_actor, bearer

__all__ = ["BearerAuth", "api_actor", "bearer"]
