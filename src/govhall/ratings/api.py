"""/api/v1/ratings — mounted by govhall.api.api."""

from ninja import Router

router = Router(tags=["好差评"])
