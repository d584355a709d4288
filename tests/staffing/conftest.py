import pytest

from govhall.org.models import Role
from tests.staffing import factories as f


@pytest.fixture
def clerk(db):
    return f.clerk(name="刘一")


@pytest.fixture
def duty(db):
    return f.leader(Role.DUTY_LEADER, name="赵值班")


@pytest.fixture
def manager(db):
    return f.leader(Role.MANAGER, name="钱主任")
