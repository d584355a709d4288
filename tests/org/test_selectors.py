"""Reads: site tree, market-day opening, figures, department and window lists."""

from datetime import date

import pytest

from govhall.org import selectors, services
from govhall.org.models import Site, SiteKind
from tests.org import factories as f


def test_site_tree_is_one_query(city, django_assert_num_queries):
    with django_assert_num_queries(1):
        roots = selectors.site_tree()
        names = [(n.depth, n.site.name) for root in roots for n in root.walk()]
    assert names[0] == (0, "七里市政务服务中心")
    assert (1, "东山镇便民服务中心") in names and (2, city.village_a.name) in names
    town_a = next(n for n in roots[0].children if n.site == city.town_a)
    assert [c.site for c in town_a.children] == [city.village_a]


def test_site_tree_of_a_scope_starts_at_its_top(city):
    roots = selectors.site_tree(Site.objects.filter(pk__in=[city.town_a.pk, city.village_a.pk]))
    assert [r.site for r in roots] == [city.town_a]


@pytest.mark.parametrize(
    ("day", "open_"),
    [
        (date(2026, 3, 4), True),  # Wednesday, ends in 4
        (date(2026, 3, 14), False),  # Saturday: not a working day
        (date(2026, 3, 17), True),  # Tuesday, ends in 7
        (date(2026, 3, 31), True),  # Tuesday, 31 ends in 1
        (date(2026, 3, 5), False),  # Thursday, ends in 5: no market
        (date(2026, 10, 1), False),  # National Day, ends in 1: holiday
    ],
)
def test_village_opens_on_market_days_that_are_working_days(city, day, open_):
    assert selectors.site_open_on(city.village_a, day) is open_


def test_market_day_zero_means_tenth_twentieth_thirtieth(city):
    station = f.village(city.town_a, "0")
    assert selectors.site_open_on(station, date(2026, 3, 10)) is True
    assert selectors.site_open_on(station, date(2026, 3, 11)) is False
    assert selectors.market_days_label("0369") == "逢十、三、六、九"
    assert selectors.market_days_label("147") == "逢一、四、七"


def test_township_opens_on_its_weekdays(city):
    services.site_update(site=city.town_a, open_weekdays="135", actor=None)
    town = Site.objects.get(pk=city.town_a.pk)
    assert selectors.site_open_on(town, date(2026, 3, 4)) is True  # Wednesday
    assert selectors.site_open_on(town, date(2026, 3, 5)) is False  # Thursday
    assert selectors.site_open_on(town, date(2026, 10, 2)) is False  # Friday, National Day holiday


def test_inactive_site_is_closed(city):
    services.site_update(site=city.village_b, active=False, actor=None)
    assert selectors.site_open_on(Site.objects.get(pk=city.village_b.pk), date(2026, 3, 2)) is False


def test_org_figures_count_what_the_report_needs(city):
    f.window(site=city.town_a, dept=city.town_a_dept)
    f.site(kind=SiteKind.COMMUNITY, parent=city.town_b)
    figures = selectors.org_figures()
    assert figures["departments_stationed"] == 1  # only the market bureau has a window in the hall
    assert figures["windows"] == 2 and figures["hall_windows"] == 1
    assert figures["townships"] == 2 and figures["villages"] == 2 and figures["communities"] == 1
    assert figures["stations"] == 3
    assert figures["staff"] == 6 and figures["staff_at_windows"] == 2


def test_department_list_counts_and_filters(city):
    rows = {d.code: d for d in selectors.department_list()}
    assert rows["SCJG"].window_count == 1 and rows["SCJG"].staff_count == 3
    assert [d.code for d in selectors.department_list("township")] == ["DSZ", "XHZ"]


def test_window_list_query_budget(city, django_assert_num_queries):
    for n in range(5):
        f.window(site=city.centre, dept=city.market, number=f"2{n}")
    with django_assert_num_queries(2):  # windows with site+department, then their items
        rows = [
            (w.site.code, w.department.code, list(w.items.all()))
            for w in selectors.window_list(site=city.centre)
        ]
    assert len(rows) == 6
