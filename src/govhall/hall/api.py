"""/api/v1/hall — mounted by govhall.api.api."""

from ninja import Router

router = Router(tags=["大厅管理"])
