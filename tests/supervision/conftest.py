import pytest

from tests.supervision import factories as sf


@pytest.fixture(autouse=True)
def _fresh_version_caches():
    """cases caches an item version's limits and flow by id; SQLite reuses ids after a test's
    rollback, so an entry from an earlier test would give another item's limits (told the lead)."""
    from govhall.cases import clocks, processing

    for cached in (getattr(clocks, "_version_limits", None), getattr(processing, "_version_flow", None)):
        if hasattr(cached, "cache_clear"):
            cached.cache_clear()


@pytest.fixture
def w(db):
    return sf.world()
