"""/api/v1/hall/queue — mounted by govhall.api.api."""

from ninja import Router

router = Router(tags=["排队叫号"])
