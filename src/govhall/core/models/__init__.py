"""Shared-kernel tables. One module per mechanism; import them all here for Django."""

from govhall.core.models.audit import AuditCheckpoint, AuditEvent
from govhall.core.models.calendar import CalendarDay, CalendarYear
from govhall.core.models.outbox import OutboxMessage
from govhall.core.models.serials import SerialCounter
from govhall.core.models.users import ApiToken, Enterprise, EnterpriseOperator, SmsCode, User

__all__ = [
    "ApiToken",
    "AuditCheckpoint",
    "AuditEvent",
    "CalendarDay",
    "CalendarYear",
    "Enterprise",
    "EnterpriseOperator",
    "OutboxMessage",
    "SerialCounter",
    "SmsCode",
    "User",
]
