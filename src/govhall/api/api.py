"""Assembles each context's ``api.py`` router into /api/v1 (OpenAPI at /api/v1/openapi.json).

Errors leave the API in one shape, ``{"code": ..., "message": ...}`` with a stable code and a
Chinese message (CONTRACTS.md "API"); the handlers below are the only place that shape is made.
"""

import functools
import json
import logging

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError
from ninja.openapi.docs import DocsBase

from govhall.core.errors import DomainError

logger = logging.getLogger("govhall.api")

HTTP_ERROR_CODES = {
    401: ("unauthorized", "未登录或令牌无效，请在请求头提供“Authorization: Bearer <令牌>”。"),
    403: ("forbidden", "无权执行此操作。"),
    404: ("not_found", "请求的资源不存在。"),
    405: ("method_not_allowed", "不支持该请求方法。"),
    429: ("throttled", "请求过于频繁，请稍后再试。"),
}


def error_body(status: int, message: str | None = None) -> dict:
    code, default = HTTP_ERROR_CODES.get(status, ("http_error", "请求无法处理。"))
    return {"code": code, "message": message or default}


class LocalSwagger(DocsBase):
    """Swagger UI from files served by the app itself: intranets are offline and CSP allows only 'self'."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs) -> HttpResponse:
        settings = {"url": self.get_openapi_url(api, kwargs), "layout": "BaseLayout", "deepLinking": True}
        context = {"api": api, "swagger_settings": json.dumps(settings), "assets": reverse("api-docs-assets")}
        return render(request, "api/swagger.html", context)


def _json_not_allowed(view):
    """Ninja answers a wrong method with a plain-text 405; give it the API's error shape."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            json_response = JsonResponse(
                error_body(405), status=405, json_dumps_params={"ensure_ascii": False}
            )
            json_response["Allow"] = response["Allow"]
            return json_response
        return response

    return wrapper


class GovhallAPI(NinjaAPI):
    def _get_urls(self):
        urls = super()._get_urls()
        for pattern in urls:
            pattern.callback = _json_not_allowed(pattern.callback)
        return urls


api = GovhallAPI(
    title="govhall API",
    version="1",
    description="七里市政务服务中心开放接口：办事指南、组织机构、工作日计算。错误统一为 {code, message}。",
    urls_namespace="api",
    docs=LocalSwagger(),
    docs_url="/docs",
    openapi_url="/openapi.json",
)


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.http_status)


def _field_name(loc) -> str:
    parts = [str(p) for p in loc[1:] if p not in ("payload", "__root__")] if len(loc) > 1 else [str(loc[0])]
    return ".".join(parts) or str(loc[0])


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {
            "field": _field_name(err.get("loc", ["?"])),
            "location": str(err.get("loc", ["?"])[0]),
            "type": err.get("type", ""),
            "detail": err.get("msg", ""),
        }
        for err in exc.errors
    ]
    fields = "、".join(dict.fromkeys(e["field"] for e in errors))
    body = {"code": "invalid_request", "message": f"请求参数有误：{fields}。", "errors": errors}
    return api.create_response(request, body, status=422)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    custom = exc.message if exc.message not in {"Unauthorized", "Forbidden", "Too many requests."} else None
    response = api.create_response(request, error_body(exc.status_code, custom), status=exc.status_code)
    if exc.status_code == 401:
        response["WWW-Authenticate"] = 'Bearer realm="govhall"'
    return response


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, error_body(404), status=404)


@api.exception_handler(Exception)
def _internal_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    # The detail goes to the log, never to the caller.
    logger.exception("unhandled API error on %s %s", request.method, request.path)
    body = {"code": "internal_error", "message": "服务器内部错误，请稍后再试或联系管理员。"}
    return api.create_response(request, body, status=500)


def _mount_routers() -> None:
    from govhall.core.api import router as core_router

    api.add_router("/", core_router)
    # org and catalog routers are written alongside this module; mounted once they exist.
    try:
        from govhall.org.api import router as org_router
    except ImportError:
        org_router = None
    if org_router is not None:
        api.add_router("/org/", org_router)
    try:
        from govhall.catalog.api import router as catalog_router
    except ImportError:
        catalog_router = None
    if catalog_router is not None:
        api.add_router("/catalog/", catalog_router)
    from govhall.cases import api as cases_api

    api.add_router("/cases", cases_api.router)
    api.add_router("/public/cases/", cases_api.public_router)
    from govhall.supervision.api import router as supervision_router
    from govhall.supervision.api_grades import router as grades_router

    api.add_router("/supervision", supervision_router)
    api.add_router("/supervision", grades_router)
    from govhall.hall.api import router as hall_router
    from govhall.hall.queue.api import router as queue_router
    from govhall.inquiries.api import router as inquiries_router
    from govhall.ratings.api import router as ratings_router
    from govhall.staffing.api import router as staffing_router

    api.add_router("/ratings", ratings_router)
    api.add_router("/inquiries", inquiries_router)
    api.add_router("/hall/queue", queue_router)
    api.add_router("/hall", hall_router)
    api.add_router("/staffing", staffing_router)


_mount_routers()
