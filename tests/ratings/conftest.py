import pytest

from govhall.org.models import Role
from tests.org import factories as org
from tests.ratings import factories as rf


@pytest.fixture
def zhang_san(db):
    return rf.person("zhang_san")


@pytest.fixture
def item(db):
    return rf.instant_item()


@pytest.fixture
def clerk(item):
    return rf.clerk_of(item)


@pytest.fixture
def concluded(zhang_san, item, clerk):
    return rf.concluded_case(zhang_san, item=item, clerk=clerk)


@pytest.fixture
def chief(item):
    return org.staff(role=Role.CHIEF, dept=item.department, name="王首席").user


@pytest.fixture
def supervisor(db):
    return org.staff(role=Role.SUPERVISOR, name="周监察").user


@pytest.fixture
def manager(db):
    return org.staff(role=Role.MANAGER, name="吴主任").user
