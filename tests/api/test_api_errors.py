"""The API's error shapes, OpenAPI document and self-hosted docs page."""

import pytest

from govhall.core import workdays
from tests.api.conftest import bearer

pytestmark = pytest.mark.django_db


def test_openapi_json_is_served_and_lists_the_paths(api_client):
    response = api_client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["info"] == {
        "title": "govhall API",
        "version": "1",
        "description": document["info"]["description"],
    }
    for path in ["/api/v1/workdays/add", "/api/v1/workdays/between", "/api/v1/workdays/due", "/api/v1/me"]:
        assert path in document["paths"], path
    assert document["components"]["securitySchemes"]["BearerAuth"]["scheme"] == "bearer"
    assert "security" not in document["paths"]["/api/v1/workdays/add"]["get"]
    assert document["paths"]["/api/v1/me"]["get"]["security"] == [{"BearerAuth": []}]


def test_docs_page_uses_only_assets_served_by_the_app(api_client):
    page = api_client.get("/api/v1/docs")
    body = page.content.decode()
    assert page.status_code == 200 and "/api/v1/docs/assets/swagger-ui-bundle.js" in body
    assert "cdn" not in body.lower() and "//" not in body.replace("http://www.w3.org", "")
    asset = api_client.get("/api/v1/docs/assets/swagger-ui-bundle.js")
    assert asset.status_code == 200 and asset["Content-Type"].endswith("javascript")
    assert b"SwaggerUIBundle" in b"".join(asset.streaming_content)


@pytest.mark.parametrize("name", ["../../../settings.py", "redoc.standalone.js", "nope.js"])
def test_docs_assets_serve_only_the_whitelist(api_client, name):
    assert api_client.get(f"/api/v1/docs/assets/{name}").status_code == 404


def test_unknown_path_is_a_json_404(api_client):
    response = api_client.get("/api/v1/no/such/thing")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "请求的资源不存在。"}


def test_wrong_method_is_a_json_405(api_client):
    response = api_client.post("/api/v1/workdays/add")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed" and "GET" in response["Allow"]


def test_invalid_parameters_are_a_422_naming_the_field_in_chinese(api_client, clerk, token_of):
    response = api_client.delete("/api/v1/tokens/abc", **bearer(token_of(clerk)))
    body = response.json()
    assert response.status_code == 422
    assert (
        body["code"] == "invalid_request"
        and "token_id" in body["message"]
        and "请求参数有误" in body["message"]
    )
    assert body["errors"][0]["field"] == "token_id" and body["errors"][0]["location"] == "path"


def test_domain_error_keeps_its_code_status_and_field(api_client):
    response = api_client.get("/api/v1/workdays/add", {"date": "x", "n": "1"})
    assert response.status_code == 400
    assert response.json()["code"] == "workdays.invalid" and response.json()["field"] == "date"


def test_unhandled_error_is_a_500_without_details(api_client, monkeypatch, caplog):
    def broken(*args):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(workdays, "add_workdays", broken)
    response = api_client.get("/api/v1/workdays/add", {"date": "2026-09-30", "n": "1"})
    assert response.status_code == 500
    assert response.json() == {
        "code": "internal_error",
        "message": "服务器内部错误，请稍后再试或联系管理员。",
    }
    assert "secret internals" not in response.content.decode()
    assert "secret internals" in caplog.text  # logged for the operators


def test_json_errors_carry_the_security_headers(api_client):
    response = api_client.get("/api/v1/no/such/thing")
    assert response["X-Content-Type-Options"] == "nosniff" and "Content-Security-Policy" in response
