"""Errors of the ratings context (codes ``ratings.*``)."""

from govhall.core.errors import Conflict, NotFound


class AlreadyRated(Conflict):
    """RULES.md "Ratings": one rating per case, one per window service."""

    code = "ratings.already_rated"


class RatingNotFound(NotFound):
    """A case, invitation or rectification the caller may not see: like an unknown one (no oracle)."""

    code = "ratings.not_found"


class IllegalRectMove(Conflict):
    code = "ratings.illegal_transition"
