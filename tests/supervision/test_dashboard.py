"""The supervisor dashboard (/supervision/), its live counts, trends.json, the grades page, the letter
download and the grades API: who may see them, and what they show on a known dataset.

At Thu 26 Nov 2026 10:00, on top of test_grading's November dataset:
  R (unit A, accepted Mon 16 Nov 10:00): promised clock red since Tue 24 Nov, its 审核 step red;
  Y (unit C, accepted Thu 19 Nov 10:00, step limit 4.5): promised and step clocks yellow.
"""

import json

import pytest
import time_machine
from django.urls import path
from ninja import NinjaAPI

from govhall.core import accounts
from govhall.core.errors import DomainError
from govhall.org.models import Role
from govhall.supervision import api_grades
from tests.catalog import factories as cat
from tests.org import factories as org
from tests.supervision.factories import sweep_at
from tests.supervision.test_grading import accept, at, build_graded, unit

pytestmark = pytest.mark.django_db
NOW = at(11, 26, 10)

# The grades router on an API of its own (the project's API mounts ``api_grades.router``).
_api = NinjaAPI(urls_namespace="test_supervision_grades", docs_url=None)
_api.add_router("/supervision", api_grades.make_router())


@_api.exception_handler(DomainError)
def _domain_error(request, exc):
    return _api.create_response(request, exc.as_dict(), status=exc.http_status)


urlpatterns = [path("api/v1/", _api.urls)]


@pytest.fixture
def board(db):
    graded = build_graded()
    c = unit("GY", "辛局", step_limit="4.5")
    red = accept(graded.a, at(11, 16, 10))
    yellow = accept(c, at(11, 19, 10))
    sweep_at(at(11, 26, 9))
    return {"graded": graded, "c": c, "red": red, "yellow": yellow}


@pytest.fixture
def now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def person(role: str, **kw):
    return org.staff(role=role, dept=cat.department("JCS", "监察室"), **kw).user


@pytest.fixture
def supervisor(db):
    return person(Role.SUPERVISOR, name="周监察")


def login(client, user):
    client.force_login(user)
    return client


# --- who may see it -----------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/supervision/", "/supervision/counts/", "/supervision/grades/"])
def test_anonymous_visitors_are_sent_to_the_login_page(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(f"/accounts/login/?next={url}")


@pytest.mark.parametrize("role", [Role.CLERK, Role.APPROVER, Role.CHIEF, Role.AGENT, Role.INSPECTOR])
def test_staff_outside_supervision_get_the_chinese_403(client, db, role):
    site = org.village(org.township()) if role == Role.AGENT else None
    user = org.staff(role=role, site=site).user
    for url in ("/supervision/", "/supervision/counts/", "/supervision/grades/"):
        response = login(client, user).get(url)
        assert response.status_code == 403
        assert "电子监察仅限监察员和中心管理人员使用。" in response.content.decode()
        assert 'href="/supervision/"' not in response.content.decode()  # no nav link either
    response = client.get("/supervision/trends.json")
    assert response.status_code == 403 and response.json()["code"] == "supervision.forbidden"


def test_an_applicant_gets_403(client, db):
    response = login(client, org.applicant()).get("/supervision/")
    assert response.status_code == 403


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.MANAGER, Role.DUTY_LEADER, Role.AUDIT_ADMIN])
def test_supervisors_and_centre_wide_roles_may_open_it(client, db, role):
    response = login(client, person(role)).get("/supervision/")
    assert response.status_code == 200
    assert '<a href="/supervision/">电子监察</a>' in response.content.decode()  # the nav link


def test_the_trends_endpoint_needs_a_login(client, db):
    response = client.get("/supervision/trends.json")
    assert response.status_code == 403 and response.json()["code"] == "supervision.login_required"


# --- what it shows -------------------------------------------------------------------------------------


def test_the_dashboard_lists_red_and_yellow_clocks_with_links_to_the_case(client, board, supervisor, now):
    html = login(client, supervisor).get("/supervision/").content.decode()
    red, yellow = board["red"].number, board["yellow"].number
    red_list = html[html.index('id="red-list"') : html.index('id="yellow-list"')]
    assert red_list.count(f'<tr class="row-red" data-number="{red}">') == 2  # promised + 审核 step
    assert f'<a href="/cases/{red}/">{red}</a>' in red_list
    assert f'href="/cases/{red}/#h-timeline"' in red_list  # drill-down to the timeline
    assert "承诺时限" in red_list and "环节：审核" in red_list and "超期 2.4 个工作日" in red_list
    assert '<span class="status status-red">红牌</span>' in red_list and yellow not in red_list
    yellow_list = html[html.index('id="yellow-list"') : html.index('id="ranking"')]
    assert yellow_list.count(f'data-number="{yellow}"') == 2 and "剩余 0.6 个工作日" in yellow_list
    assert "（共 2 条）" in yellow_list


def test_the_live_counts_come_from_the_clock_colours(client, board, supervisor, now):
    html = login(client, supervisor).get("/supervision/counts/").content.decode()
    assert 'hx-trigger="every 30s"' in html and 'hx-get="/supervision/counts/"' in html
    assert '<div class="sv-tile sv-red" data-count="red-cases"><span class="sv-num">1</span>' in html
    assert '<div class="sv-tile sv-yellow" data-count="yellow-cases"><span class="sv-num">1</span>' in html
    assert '<div class="sv-tile" data-count="open-cases"><span class="sv-num">2</span>' in html
    rows = html[html.index('id="clock-counts"') : html.index('id="state-counts"')]
    assert '<th scope="row">承诺时限</th><td>1</td><td>1</td>' in rows
    assert '<th scope="row">法定时限</th><td>0</td><td>0</td>' in rows
    assert '<th scope="row">环节时限</th><td>1</td><td>1</td>' in rows
    assert '<tr data-state="accepted"><th scope="row">已受理</th><td>2</td></tr>' in html
    assert "更新于 2026-11-26 10:00:00" in html


def test_the_ranking_shows_departments_by_score(client, board, supervisor, now):
    html = login(client, supervisor).get("/supervision/").content.decode()
    ranking = html[html.index('id="ranking"') : html.index('id="h-trend"')]
    order = [ranking.index(name) for name in ("乙局", "辛局", "甲局")]
    assert order == sorted(order)
    assert "66.67%" in ranking and "48.7" in ranking and "不合格" in ranking  # 52.7 − 2 red cards × 2


def test_the_trend_table_and_the_json_endpoint_agree(client, board, supervisor, now):
    client = login(client, supervisor)
    data = client.get("/supervision/trends.json").json()
    assert len(data["weeks"]) == 12 and data["weeks"][0] == "2026-09-07" and data["weeks"][-1] == "2026-11-23"
    week = {w: i for i, w in enumerate(data["weeks"])}
    assert data["received"][week["2026-11-02"]] == 5 and data["received"][week["2026-11-16"]] == 2
    assert (data["concluded"][week["2026-11-02"]], data["concluded"][week["2026-11-09"]]) == (3, 2)
    assert data["overdue"][week["2026-11-09"]] == 1  # c2: due Tue 10 Nov, concluded Wed 11 Nov
    assert data["overdue"][week["2026-11-23"]] == 1  # R: due Tue 24 Nov, still open
    assert sum(data["overdue"]) == 2 and sum(data["received"]) == 7 and sum(data["concluded"]) == 5
    assert data["ranking"][0] == {"name": "乙局", "on_time_rate": 100.0, "score": 100.0, "grade": "优秀"}
    assert [r["name"] for r in data["ranking"]] == ["乙局", "甲局"]  # 辛局 concluded nothing yet
    html = client.get("/supervision/").content.decode()
    table = html[html.index('id="trend-table"') :]
    assert '<tr><th scope="row">2026-11-09</th><td>0</td><td>2</td><td>1</td></tr>' in table
    assert 'data-src="/supervision/trends.json?period=2026Q4"' in html
    assert "vendor/echarts/echarts.min.js" in html and "supervision/dashboard.js" in html


def test_the_period_can_be_chosen_and_a_bad_one_is_explained(client, board, supervisor, now):
    client = login(client, supervisor)
    html = client.get("/supervision/?period=2026-10").content.decode()
    assert "部门排名（2026年10月）" in html and "本期暂无办结或预警记录。" in html
    response = client.get("/supervision/?period=2026Q7")
    assert response.status_code == 400 and "格式无效" in response.content.decode()
    response = client.get("/supervision/trends.json?period=bad")
    assert response.status_code == 400 and response.json()["code"] == "supervision.bad_period"


def test_the_dashboard_costs_the_same_queries_for_more_red_cases(client, board, supervisor, now):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(client, supervisor)
    client.get("/supervision/")  # warm the per-process caches (calendar, optional sources)
    with CaptureQueriesContext(connection) as before:
        client.get("/supervision/")
    for _ in range(3):
        accept(board["graded"].a, at(11, 16, 11))
    sweep_at(at(11, 26, 9, 30))
    client.get("/supervision/")  # warm again: the sweep may have refreshed a per-process cache
    with CaptureQueriesContext(connection) as after:
        html = client.get("/supervision/").content.decode()
    assert html.count('class="row-red"') == 8
    first = [q["sql"][:90] for q in before.captured_queries]
    second = [q["sql"][:90] for q in after.captured_queries]
    assert len(second) == len(first), set(second) ^ set(first)


# --- grades page and letters ----------------------------------------------------------------------------


def test_the_grades_page_offers_the_letter_to_supervisors_for_failing_units(client, board, supervisor, now):
    html = login(client, supervisor).get("/supervision/grades/?period=2026Q4").content.decode()
    a = board["graded"].a.department.pk
    assert f'action="/supervision/grades/2026Q4/department/{a}/letter.pdf"' in html
    assert html.count("出具（PDF）") == 1
    manager = person(Role.MANAGER)
    html = login(client, manager).get("/supervision/grades/?period=2026Q4").content.decode()
    assert "出具（PDF）" not in html and "待监察员出具" in html
    html = login(client, manager).get("/supervision/grades/?period=2026Q4&level=site").content.decode()
    assert "七里市政务服务中心" in html and "青林镇" in html


def test_a_bad_level_on_the_grades_page_is_a_400(client, db, supervisor):
    response = login(client, supervisor).get("/supervision/grades/?level=bureau")
    assert response.status_code == 400 and "考核层级" in response.content.decode()


def test_a_supervisor_downloads_the_letter(client, board, supervisor, now):
    a = board["graded"].a.department.pk
    response = login(client, supervisor).post(f"/supervision/grades/2026Q4/department/{a}/letter.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert f'filename="jianchajianyi-2026Q4-department-{a}.pdf"' in response["Content-Disposition"]


def test_only_a_supervisor_may_issue_and_never_with_get(client, board, supervisor, now):
    a = board["graded"].a.department.pk
    url = f"/supervision/grades/2026Q4/department/{a}/letter.pdf"
    assert login(client, supervisor).get(url).status_code == 405
    response = login(client, person(Role.MANAGER)).post(url)
    assert response.status_code == 403 and response["Content-Type"].startswith("text/html")
    b = board["graded"].b.department.pk
    response = login(client, supervisor).post(f"/supervision/grades/2026Q4/department/{b}/letter.pdf")
    assert response.status_code == 409 and "不需要发监察建议书" in response.content.decode()


# --- the API (GET /api/v1/supervision/grades) ---------------------------------------------------------------


def bearer(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {accounts.api_token_create(user=user, label='test')[1]}"}


@pytest.mark.urls(__name__)
def test_the_grades_api_returns_the_period(client, board, supervisor, now):
    response = client.get("/api/v1/supervision/grades?period=2026Q4&level=department", **bearer(supervisor))
    assert response.status_code == 200
    body = response.json()
    assert (body["period"], body["period_label"], body["level"]) == ("2026Q4", "2026年第四季度", "department")
    assert body["thresholds"] == {"excellent": "90", "good": "80", "pass": "60"}
    first, *_rest, last = body["grades"]
    assert (first["unit_name"], first["score"], first["grade"], first["grade_label"]) == (
        "乙局",
        "100.0",
        "excellent",
        "优秀",
    )
    assert (last["unit_name"], last["on_time_rate"], last["avg_used_workdays"], last["red_cards"]) == (
        "甲局", "66.67", "4.50", 2,
    )  # fmt: skip
    assert last["grade_label"] == "不合格" and last["parts"]["red"] == "-4.0"
    assert last["bad_ratings"] == 0 and last["complaints"] == 0  # ratings and complaints count now


@pytest.mark.urls(__name__)
def test_the_grades_api_by_person_and_site(client, board, supervisor, now):
    body = client.get("/api/v1/supervision/grades?period=2026-11&level=person", **bearer(supervisor)).json()
    names = {g["unit_name"] for g in body["grades"]}
    assert "甲审核" in names and all(g["anomalies"] is None for g in body["grades"])
    body = client.get("/api/v1/supervision/grades?period=2026Q4&level=site", **bearer(supervisor)).json()
    assert body["grades"][0]["unit_detail"] in {"政务服务中心", "乡镇（街道）便民服务中心", "村级集中代办站"}


@pytest.mark.urls(__name__)
@pytest.mark.parametrize(
    ("query", "code"),
    [("period=2026Q5", "supervision.bad_period"), ("period=2026Q4&level=bureau", "supervision.bad_level")],
)
def test_the_grades_api_refuses_bad_input(client, db, supervisor, query, code):
    response = client.get(f"/api/v1/supervision/grades?{query}", **bearer(supervisor))
    assert response.status_code == 400 and response.json()["code"] == code


@pytest.mark.urls(__name__)
def test_the_grades_api_needs_a_token_and_the_role(client, db):
    assert client.get("/api/v1/supervision/grades?period=2026Q4").status_code == 401
    clerk = org.staff(role=Role.CLERK).user
    response = client.get("/api/v1/supervision/grades?period=2026Q4", **bearer(clerk))
    assert response.status_code == 403 and response.json()["code"] == "supervision.forbidden"
    assert json.loads(response.content)["message"] == "绩效评估数据仅限监察员和中心管理人员查看。"


def test_the_project_api_serves_the_grades(client):
    """The grades router is mounted on the project's /api/v1 beside the supervision router."""
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/supervision/grades" in paths and "/api/v1/supervision/warnings" in paths
