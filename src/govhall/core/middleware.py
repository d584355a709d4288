"""Per-request context (actor, source address) that audit records read without passing a request."""

import contextvars
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

_source_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("govhall_source_ip", default=None)


def current_source_ip() -> str | None:
    return _source_ip.get()


def client_ip(request: HttpRequest) -> str | None:
    # Behind a reverse proxy, deployments set the trusted header; REMOTE_ADDR otherwise.
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _source_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            _source_ip.reset(token)
