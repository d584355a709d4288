"""/api/v1/org/: departments, sites, windows — public facts, no personal data, JSON errors."""

import json

from tests.org import factories as f


def test_departments(client, city):
    body = client.get("/api/v1/org/departments").json()
    codes = [d["code"] for d in body]
    assert codes == ["DSZ", "SCJG", "XHZ"]  # by sort, then code
    assert client.get("/api/v1/org/departments", {"kind": "township"}).json()[0]["name"] == "东山镇人民政府"


def test_sites_as_tree_and_flat(client, city):
    tree = client.get("/api/v1/org/sites").json()
    assert [s["code"] for s in tree] == ["QL"]
    town_a = next(s for s in tree[0]["children"] if s["code"] == city.town_a.code)
    assert town_a["children"][0]["market_days"] == "逢一、四、七"
    flat = client.get("/api/v1/org/sites", {"flat": "true"}).json()
    by_code = {s["code"]: s for s in flat}
    assert by_code[city.village_b.code]["parent"] == city.town_b.code and len(flat) == 5


def test_site_detail_and_unknown_site(client, city):
    assert client.get(f"/api/v1/org/sites/{city.village_a.code}").json()["market_day_digits"] == "147"
    response = client.get("/api/v1/org/sites/NOPE")
    assert response.status_code == 404
    assert response.json()["code"] == "org.site_not_found" and "不存在" in response.json()["message"]


def test_windows_filter_and_no_personal_data(client, city):
    f.window(site=city.town_a, dept=city.town_a_dept, number="1")
    body = client.get("/api/v1/org/windows", {"site": "QL"}).json()
    assert [(w["site"], w["number"], w["department"]) for w in body] == [("QL", "12", "SCJG")]
    assert len(client.get("/api/v1/org/windows", {"department": "DSZ"}).json()) == 1
    text = json.dumps(client.get("/api/v1/org/windows").json(), ensure_ascii=False)
    for secret in ("138", city.clerk.name, city.chief.name, "mobile"):
        assert secret not in text
    assert (
        client.get("/api/v1/org/windows", {"department": "NOPE"}).json()["code"] == "org.department_not_found"
    )


def test_api_list_query_budget(client, city, django_assert_num_queries):
    for n in range(8):
        f.window(site=city.centre, dept=city.market, number=f"6{n}")
    with django_assert_num_queries(2):
        assert len(client.get("/api/v1/org/windows").json()) == 9
    with django_assert_num_queries(1):
        client.get("/api/v1/org/sites")
