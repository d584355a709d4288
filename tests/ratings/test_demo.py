"""ratings.demo.seed(): idempotent, rectifications in every state, through the services."""

import pytest

from govhall.ratings import demo
from govhall.ratings.models import Rating, Rectification, RectState
from tests.org import factories as org
from tests.ratings import factories as rf

pytestmark = pytest.mark.django_db


def test_seed_writes_ratings_and_every_rectification_state_once(zhang_san, item, clerk, supervisor):
    org.window(dept=item.department)
    org.window(dept=item.department)
    for _ in range(12):
        rf.concluded_case(zhang_san, item=item, clerk=clerk)
    counts = demo.seed()
    assert counts["差评整改（各状态演示）"] == Rectification.objects.count() >= 9
    states = set(Rectification.objects.values_list("state", flat=True))
    assert states == set(RectState.values)
    assert Rectification.objects.filter(overdue=True).count() == 1  # the old one nobody handled
    assert "演示差评未能写入" not in counts
    before = Rating.objects.count()
    assert demo.seed() == {} and Rating.objects.count() == before
