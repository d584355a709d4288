"""/api/v1/staffing — mounted by govhall.api.api."""

from ninja import Router

router = Router(tags=["人员考评"])
