import pytest

from tests.hall import factories as hf


@pytest.fixture
def w(db):
    return hf.world()
