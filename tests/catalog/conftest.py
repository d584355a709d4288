import pytest

from govhall.core.models import User


@pytest.fixture
def manager(db) -> User:
    return User.objects.create_user(username="manager", password="Govhall#2026", real_name="王经理")
