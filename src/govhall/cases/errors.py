"""Errors of the cases context (codes ``cases.*``)."""

from govhall.core.errors import Conflict, ValidationFailed


class IllegalTransition(Conflict):
    """An action the case's state does not allow; carries the state and the allowed actions."""

    code = "cases.illegal_transition"


class SecondNotice(Conflict):
    """行政许可法 Art. 32(4): missing materials are listed all at once, so one notice per case."""

    code = "cases.second_notice"


class PreconditionMissing(ValidationFailed):
    code = "cases.precondition_missing"
