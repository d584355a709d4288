import pytest

from tests.inquiries import factories as f


@pytest.fixture
def w(db):
    return f.world()


@pytest.fixture(autouse=True)
def _fresh_calendar_index():
    """A test that edits the calendar rolls back; the process's working-day index must not keep it."""
    yield
    from govhall.core import workdays

    workdays.invalidate()
