"""Serves the Swagger UI files bundled with django-ninja, so /api/v1/docs needs no CDN."""

import mimetypes
from pathlib import Path

import ninja
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

ASSET_DIR = Path(ninja.__file__).parent / "static" / "ninja"
# Only these files are served; the name never reaches the file system otherwise.
ALLOWED = {"swagger-ui-bundle.js", "swagger-ui.css", "swagger-ui-init.js", "favicon.png"}


@require_GET
@cache_control(max_age=86400, public=True)
def asset(request: HttpRequest, name: str) -> FileResponse:
    if name not in ALLOWED:
        raise Http404(name)
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return FileResponse((ASSET_DIR / name).open("rb"), content_type=content_type)
