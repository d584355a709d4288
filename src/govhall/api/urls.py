from django.http import HttpRequest, JsonResponse
from django.urls import path, re_path

from govhall.api import docs_assets
from govhall.api.api import api, error_body


def not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    """Unknown paths under /api/v1/ answer in the API's error shape, not the HTML 404 page."""
    return JsonResponse(error_body(404), status=404, json_dumps_params={"ensure_ascii": False})


urlpatterns = [
    path("docs/assets/", docs_assets.asset, {"name": ""}, name="api-docs-assets"),
    path("docs/assets/<str:name>", docs_assets.asset, name="api-docs-asset"),
    path("", api.urls),
    re_path(r"^(?P<rest>.*)$", not_found),
]
