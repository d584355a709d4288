"""/api/v1/ratings: submit (bearer, own case), staff lists and actions, public stats."""

import pytest

from govhall.core.accounts import api_token_create
from govhall.ratings.models import Rating, Rectification
from tests.org import factories as org
from tests.ratings import factories as rf

pytestmark = pytest.mark.django_db
API = "/api/v1/ratings"


def bearer(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=user, label='test', actor=user)[1]}"}


def post(client, path, data, user):
    return client.post(path, data, content_type="application/json", **bearer(user))


def test_submit_once_then_409(client, zhang_san, concluded):
    response = post(client, API, {"case": concluded.number, "level": 2, "channel": "mobile"}, zhang_san)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["level"], body["case"], body["rectification"]) == (2, concluded.number, None)
    again = post(client, API, {"case": concluded.number, "level": 1}, zhang_san)
    assert again.status_code == 409 and again.json()["code"] == "ratings.already_rated"
    assert "只能评价一次" in again.json()["message"] and Rating.objects.count() == 1


@pytest.mark.parametrize("level", [0, 6])
def test_bad_levels(client, zhang_san, concluded, level):
    response = post(client, API, {"case": concluded.number, "level": level}, zhang_san)
    assert response.status_code == 400 and response.json()["code"] == "ratings.bad_level"
    assert not Rating.objects.exists()


def test_no_oracle_and_no_anonymous(client, concluded):
    other = rf.person("li_si", name="李四")
    theirs = post(client, API, {"case": concluded.number, "level": 1}, other)
    unknown = post(client, API, {"case": "NOPE", "level": 1}, other)
    assert theirs.status_code == unknown.status_code == 404 and theirs.json() == unknown.json()
    assert (
        client.post(API, {"case": concluded.number, "level": 1}, content_type="application/json").status_code
        == 401
    )


def test_a_bad_rating_and_its_rectification_through_the_api(client, zhang_san, concluded, clerk, supervisor):
    response = post(client, API, {"case": concluded.number, "level": 5, "reasons": ["attitude"]}, zhang_san)
    rect_id = response.json()["rectification"]["id"]
    listing = client.get(f"{API}/rectifications", **bearer(clerk))
    assert listing.status_code == 200 and [r["id"] for r in listing.json()] == [rect_id]
    assert listing.json()[0]["rater"] == "张*"
    assert client.get(f"{API}/rectifications", **bearer(zhang_san)).status_code == 403
    outsider = org.staff(role="clerk", name="外单位").user
    assert client.get(f"{API}/rectifications/{rect_id}", **bearer(outsider)).status_code == 404
    act = lambda a, d, u=clerk: post(client, f"{API}/rectifications/{rect_id}/actions/{a}", d, u)  # noqa: E731
    assert act("appeal", {"reason": "重复评价"}).json()["state"] == "invalid_review"
    assert act("review", {"uphold": True}, clerk).status_code == 403
    illegal = act("start", {})
    assert illegal.status_code == 409 and illegal.json()["allowed_actions"] == [
        "appeal_uphold",
        "appeal_reject",
    ]
    assert act("review", {"uphold": False, "note": "属实有效"}, supervisor).json()["state"] == "rectifying"
    assert act("visit", {"method": "phone", "result": "satisfied"}).status_code == 200
    done = act("rectify", {"measures": "约谈窗口人员", "public_result": "已整改"})
    assert done.json()["state"] == "rectified" and len(done.json()["visits"]) == 1
    assert act("fly", {}).json()["code"] == "ratings.bad_action"
    assert Rectification.objects.get().state == "rectified"


def test_public_stats(client, zhang_san, concluded):
    post(client, API, {"case": concluded.number, "level": 1}, zhang_san)
    body = client.get(f"{API}/stats", {"by": "department"}).json()
    assert body["total"]["count"] == 1 and body["total"]["satisfaction"] == "100.0"
    assert body["rows"][0]["name"] == concluded.item.department.name
    assert client.get(f"{API}/stats", {"by": "channel"}).json()["rows"][0]["name"] == "移动端"
    assert client.get(f"{API}/stats", {"by": "staff"}).json()["code"] == "ratings.bad_by"
