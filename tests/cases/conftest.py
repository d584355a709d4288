import pytest

from govhall.cases.services import case_submit
from tests.cases import factories as f
from tests.org import factories as org


@pytest.fixture
def clerk(db):
    return f.clerk()


@pytest.fixture
def item(db):
    return f.item()


@pytest.fixture
def zhang_san(db):
    return org.applicant("zhang_san")


@pytest.fixture
def received(clerk, item):
    """A case received at the window by a clerk."""
    return case_submit(**f.submit_kwargs(item, clerk))
