"""Assembles each context's ``api.py`` router into /api/v1 (OpenAPI at /api/v1/openapi.json)."""

from ninja import NinjaAPI

api = NinjaAPI(title="govhall API", version="1", urls_namespace="api")
