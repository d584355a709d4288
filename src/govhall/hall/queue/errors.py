"""Errors of the queue context (codes ``queue.*``)."""

from govhall.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed


class BusinessNotFound(NotFound):
    code = "queue.business_not_found"


class AppointmentNotFound(NotFound):
    code = "queue.appointment_not_found"


class TicketNotFound(NotFound):
    code = "queue.ticket_not_found"


class InvalidInput(ValidationFailed):
    code = "queue.invalid"


class DuplicateTicket(Conflict):
    """RULES.md "Hall": one waiting ticket per ID number per business."""

    code = "queue.duplicate_ticket"


class DailyCapReached(Conflict):
    code = "queue.daily_cap_reached"


class WindowClosed(Conflict):
    code = "queue.window_closed"


class WindowBusy(Conflict):
    """The window is still calling or serving someone: finish, transfer or mark that ticket first."""

    code = "queue.window_busy"


class NotAtWindow(PermissionDenied):
    """Only staff assigned to the window (org Staff.window) may open it and call there."""

    code = "queue.not_assigned"


class RatingUnavailable(Conflict):
    code = "queue.rating_unavailable"
