"""One DomainError family; each context subclasses it with its own codes.

The API layer turns a DomainError into ``{"code": ..., "message": ...}`` with ``http_status``;
pages show ``message`` next to the field named by ``field``.
"""


class DomainError(Exception):
    code = "error"
    http_status = 400

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None, **extra) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.field = field
        self.extra = extra

    def as_dict(self) -> dict:
        data = {"code": self.code, "message": self.message}
        if self.field:
            data["field"] = self.field
        data.update(self.extra)
        return data


class ValidationFailed(DomainError):
    code = "invalid"
    http_status = 400


class PermissionDenied(DomainError):
    code = "forbidden"
    http_status = 403


class NotFound(DomainError):
    code = "not_found"
    http_status = 404


class Conflict(DomainError):
    """An illegal state transition or a concurrent change; names the state and allowed actions."""

    code = "conflict"
    http_status = 409
