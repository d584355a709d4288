"""rating_scores (interfaces.md): one GROUP BY per call, satisfaction = % of levels 1–3."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from govhall.org.models import Staff
from govhall.ratings.selectors import RatingScore, channel_scores, named_scores, rating_scores
from govhall.ratings.services import rating_submit
from tests.org import factories as org
from tests.ratings import factories as rf

pytestmark = pytest.mark.django_db


@pytest.fixture
def rated(zhang_san, item, clerk):
    window = org.window(dept=item.department)
    staff = Staff.objects.get(user=clerk)
    with time_machine.travel(rf.at(11, 2, 10), tick=False):
        for n, level in enumerate((1, 2, 3, 5)):
            rating_submit(level=level, channel="pad", actor=None, window=window, staff=staff,
                          service_ref=f"ticket:{n}", reasons=["slow"])  # fmt: skip
    with time_machine.travel(rf.at(12, 2, 10), tick=False):  # outside the period
        rating_submit(
            level=5, channel="pad", actor=None, window=window, service_ref="ticket:99", reasons=["slow"]
        )
    return window, staff


def test_scores_by_window_staff_department_and_item(rated, item, django_assert_num_queries):
    window, staff = rated
    start, end = dt.date(2026, 11, 1), dt.date(2026, 11, 30)
    with django_assert_num_queries(1):
        by_window = rating_scores(start=start, end=end, by="window")
    expected = RatingScore(count=4, good=3, bad=1, average=Decimal("2.75"), satisfaction=Decimal("75.0"))
    assert by_window == {window.pk: expected}
    assert rating_scores(start=start, end=end, by="staff") == {staff.pk: expected}
    assert rating_scores(start=start, end=end, by="department") == {item.department_id: expected}
    assert rating_scores(start=start, end=end, by="item") == {}
    assert (
        rating_scores(start=dt.date(2026, 12, 2), end=dt.date(2026, 12, 2), by="window")[window.pk].count == 1
    )
    assert channel_scores(start=start, end=end)["pad"] == expected
    assert named_scores(start=start, end=end, by="window")[0].detail == item.department.name
    with pytest.raises(ValueError):
        rating_scores(start=start, end=end, by="planet")


def test_rectification_figures_count_each_once(zhang_san, concluded, clerk, chief):
    from django.utils import timezone

    from govhall.ratings import rectifications as r
    from govhall.ratings.selectors import rectification_figures

    rect = rating_submit(
        level=5, channel="pc", actor=zhang_san, case=concluded, reasons=["slow"]
    ).rectification
    r.rectification_start(rectification=rect, actor=clerk)
    for result in ("unreachable", "satisfied"):
        r.return_visit_record(rectification=rect, method="phone", result=result, actor=clerk)
    r.rectification_complete(rectification=rect, measures="整改", actor=clerk)
    today = timezone.localdate()
    figures = rectification_figures(start=today, end=today)
    assert (figures.bad, figures.rectified, figures.visited, figures.open) == (1, 1, 1, 0)
    assert figures.rectified_rate == Decimal("100.0")


def test_cases_awaiting_rating_lists_the_users_unrated_concluded_cases(zhang_san, concluded, item, clerk):
    from govhall.ratings.selectors import cases_awaiting_rating

    second = rf.concluded_case(zhang_san, item=item, clerk=clerk)
    rf.received_case(zhang_san, item=item, clerk=clerk)
    assert list(cases_awaiting_rating(user=zhang_san)) == [second, concluded]
    rating_submit(level=1, channel="pc", actor=zhang_san, case=second)
    assert list(cases_awaiting_rating(user=zhang_san)) == [concluded]
    assert not cases_awaiting_rating(user=rf.person()).exists()
