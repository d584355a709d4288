"""Bearer tokens on /api/v1: required where declared, refused when bad, revoked or of an inactive user."""

import pytest

from govhall.core.models import ApiToken
from tests.api.conftest import bearer

pytestmark = pytest.mark.django_db


def test_me_without_a_token_is_401_with_a_chinese_message(api_client):
    response = api_client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized" and "Bearer" in response.json()["message"]
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Bearer gh_nonsense", "Bearer ", "Token abc", "Basic dXNlcjpwYXNz"])
def test_bad_credentials_are_401(api_client, header):
    response = api_client.get("/api/v1/me", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401 and response.json()["code"] == "unauthorized"


def test_me_with_a_token_shows_the_account_masked_and_stamps_last_use(api_client, zhang_san, token_of):
    raw = token_of(zhang_san)
    response = api_client.get("/api/v1/me", **bearer(raw))
    assert response.status_code == 200
    assert response.json() == {
        "username": "zhangsan",
        "kind": "person",
        "real_name_masked": "张*",
        "mobile_masked": "138****8000",
        "is_staff": False,
    }
    assert ApiToken.objects.get().last_used_at is not None


def test_revoked_token_and_inactive_user_are_refused(api_client, zhang_san, clerk, token_of):
    raw_zhang, raw_clerk = token_of(zhang_san), token_of(clerk)
    response = api_client.delete(
        f"/api/v1/tokens/{ApiToken.objects.get(user=zhang_san).pk}", **bearer(raw_zhang)
    )
    assert response.status_code == 200 and response.json()["revoked_at"]
    assert api_client.get("/api/v1/me", **bearer(raw_zhang)).status_code == 401

    clerk.is_active = False
    clerk.save()
    assert api_client.get("/api/v1/me", **bearer(raw_clerk)).status_code == 401


def test_revoking_someone_elses_token_is_403_and_changes_nothing(api_client, zhang_san, clerk, token_of):
    raw_zhang, raw_clerk = token_of(zhang_san), token_of(clerk)
    clerk_token = ApiToken.objects.get(user=clerk)

    response = api_client.delete(f"/api/v1/tokens/{clerk_token.pk}", **bearer(raw_zhang))

    assert response.status_code == 403
    assert response.json() == {"code": "accounts.token_forbidden", "message": "只能吊销本人的令牌。"}
    clerk_token.refresh_from_db()
    assert clerk_token.revoked_at is None
    assert api_client.get("/api/v1/me", **bearer(raw_clerk)).status_code == 200


def test_revoking_a_missing_token_is_404(api_client, clerk, token_of):
    response = api_client.delete("/api/v1/tokens/999999", **bearer(token_of(clerk)))
    assert response.status_code == 404 and response.json()["code"] == "accounts.token_not_found"


def test_my_tokens_lists_only_mine_without_secrets(api_client, zhang_san, clerk, token_of):
    raw = token_of(zhang_san)
    token_of(clerk)
    response = api_client.get("/api/v1/me/tokens", **bearer(raw))
    assert response.status_code == 200
    assert [item["label"] for item in response.json()] == ["test"]
    assert "digest" not in response.json()[0] and raw not in response.content.decode()
