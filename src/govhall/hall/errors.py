"""Errors of the appointments context (codes ``hall.*``), each with a Chinese message at the raise."""

from govhall.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed


class BookingRefused(ValidationFailed):
    """A RULES.md booking rule refused the booking (too soon, too far, one a day, blocked …)."""

    code = "hall.refused"


class SlotFull(Conflict):
    """The slot's last place was taken (perhaps a moment ago by another applicant)."""

    code = "hall.full"


class IllegalTransition(Conflict):
    """An action the appointment's state does not allow; names the state."""

    code = "hall.illegal_transition"


class AppointmentNotFound(NotFound):
    code = "hall.not_found"


class HallForbidden(PermissionDenied):
    code = "hall.forbidden"
