import pytest
from django.test import Client

from govhall.core import accounts
from tests.api.accounts_helpers import make_staff, register_person


@pytest.fixture
def api_client() -> Client:
    return Client()


@pytest.fixture
def zhang_san():
    return register_person()


@pytest.fixture
def clerk():
    return make_staff("clerk")


@pytest.fixture
def token_of():
    """A fresh bearer token for a user: ``token_of(user) -> raw``."""

    def issue(user) -> str:
        return accounts.api_token_create(user=user, label="test")[1]

    return issue


def bearer(raw: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
