import pytest

from tests.hall_queue import factories as f


@pytest.fixture
def biz_a(db):
    return f.business(prefix="A", name="综合受理")


@pytest.fixture
def biz_b(db):
    return f.business(prefix="B", name="企业开办")


@pytest.fixture
def window(biz_a, biz_b):
    """Window 1 serves A first, then B."""
    return f.window(serves={biz_a: 1, biz_b: 2})


@pytest.fixture
def clerk(window):
    return f.clerk_at(window)


@pytest.fixture
def open_desk(window, clerk):
    return f.open_window(window, clerk)
