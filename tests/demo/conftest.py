"""The demo centre, loaded once per test (each test runs in its own rolled-back transaction)."""

import pytest

from govhall.demo.seed import seed_demo


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    # Hashing the ten demo passwords with PBKDF2 costs seconds per test; login still checks them.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo(db):
    result = seed_demo()
    assert result.created
    return result
