"""/api/v1/inquiries — mounted by govhall.api.api."""

from ninja import Router

router = Router(tags=["咨询投诉"])
