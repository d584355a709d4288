"""The pages: an applicant rates their own concluded case (404 for anyone else's, no oracle), the SMS
link works without login, the public statistics show no personal data, staff work rectifications
with plain forms, and a script in a comment stays inert."""

import pytest
from django.urls import reverse

from govhall.core.models import OutboxMessage
from govhall.ratings.models import Rating, Rectification
from govhall.ratings.rectifications import return_visit_record
from govhall.ratings.services import rating_submit, ratings_invite
from tests.org import factories as org
from tests.ratings import factories as rf

pytestmark = pytest.mark.django_db
SCRIPT = "<script>alert('x')</script>"


def url(case) -> str:
    return reverse("ratings:rate_case", args=[case.number])


def test_the_applicant_rates_their_case_with_a_plain_form(client, zhang_san, concluded):
    client.force_login(zhang_san)
    page = client.get(url(concluded))
    assert page.status_code == 200 and 'name="level"' in page.content.decode()
    response = client.post(url(concluded), {"level": "1", "comment": "很好"})
    assert response.status_code == 302 and response["Location"] == url(concluded)
    rating = Rating.objects.get()
    assert (rating.level, rating.case, rating.channel) == (1, concluded, "pc")
    again = client.get(url(concluded))
    assert "您已评价" in again.content.decode() and 'name="level"' not in again.content.decode()
    # a second post changes nothing
    client.post(url(concluded), {"level": "5", "comment": "差"})
    assert Rating.objects.get().level == 1


def test_bad_input_is_shown_in_chinese_and_nothing_is_written(client, zhang_san, concluded):
    client.force_login(zhang_san)
    for data, words in (({"level": "0"}, "1（非常满意）至5"), ({"level": "6"}, "1（非常满意）至5"),
                        ({"level": "5"}, "不满意的原因")):  # fmt: skip
        response = client.post(url(concluded), data)
        assert response.status_code == 400 and words in response.content.decode()
    assert not Rating.objects.exists()


def test_someone_elses_case_and_an_unknown_number_look_the_same(client, concluded):
    other = rf.person("li_si", name="李四")
    client.force_login(other)
    theirs = client.get(url(concluded))
    unknown = client.get(reverse("ratings:rate_case", args=["NOPE-1"]))
    assert theirs.status_code == unknown.status_code == 404
    assert client.post(url(concluded), {"level": "1"}).status_code == 404
    assert not Rating.objects.exists()
    # staff do not rate a case online either
    client.force_login(org.staff(role="manager").user)
    assert client.get(url(concluded)).status_code == 404


def test_an_unconcluded_case_says_so(client, zhang_san, item, clerk):
    case = rf.received_case(zhang_san, item=item, clerk=clerk)
    client.force_login(zhang_san)
    response = client.get(url(case))
    assert response.status_code == 409 and "尚未办结" in response.content.decode()
    assert client.post(url(case), {"level": "1"}).status_code == 409
    assert not Rating.objects.exists()


def test_anonymous_visitors_are_sent_to_login(client, concluded):
    response = client.get(url(concluded))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_sms_link_works_without_login_and_without_javascript(client, concluded, zhang_san):
    ratings_invite(now=concluded.concluded_at + __import__("datetime").timedelta(days=3))
    text = OutboxMessage.objects.get(topic="rating_invite").payload["text"]
    path = "/ratings/r/" + text.split("/ratings/r/")[1].split("/")[0] + "/"
    page = client.get(path)
    assert page.status_code == 200 and concluded.number in page.content.decode()
    assert "张三" not in page.content.decode()
    response = client.post(path, {"level": "4", "reasons": ["slow", "trips"]})
    assert response.status_code == 302
    rating = Rating.objects.get()
    assert (rating.channel, rating.rater, rating.reasons) == ("sms", zhang_san, ["slow", "trips"])
    assert "您已评价" in client.get(path).content.decode()
    assert client.get("/ratings/r/not-a-token/").status_code == 404


def test_public_statistics_show_scores_and_no_personal_data(client, concluded, zhang_san):
    rating_submit(
        level=5, channel="pc", actor=zhang_san, case=concluded, comment="张三很生气", reasons=["slow"]
    )
    page = client.get(reverse("ratings:stats"))
    body = page.content.decode()
    assert page.status_code == 200
    assert concluded.item.department.name in body and concluded.item.name in body
    assert "张" not in body.replace(concluded.item.name, "") and "很生气" not in body
    assert client.get(reverse("ratings:stats"), {"start": "2026-13-01"}).status_code == 400
    assert (
        client.get(reverse("ratings:stats"), {"start": "2026-02-01", "end": "2026-01-01"}).status_code == 400
    )


@pytest.fixture
def bad(concluded, zhang_san, chief):
    rating = rating_submit(
        level=5, channel="pc", actor=zhang_san, case=concluded, comment=SCRIPT, reasons=["other"]
    )
    return rating.rectification


def test_staff_see_their_units_rectifications_and_script_is_inert(client, bad, clerk):
    client.force_login(clerk)
    listing = client.get(reverse("ratings:rect_list"))
    assert listing.status_code == 200 and f'data-id="{bad.pk}"' in listing.content.decode()
    page = client.get(reverse("ratings:rect_detail", args=[bad.pk]))
    body = page.content.decode()
    assert SCRIPT not in body and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in body
    assert "张*" in body and "张三" not in body


def test_rectification_forms_without_javascript(client, bad, clerk, supervisor):
    client.force_login(clerk)

    def act(action, data=None):
        return client.post(reverse("ratings:rect_action", args=[bad.pk, action]), data or {})

    assert act("start").status_code == 302
    refused = act("rectify", {"measures": "加强培训"})
    assert refused.status_code == 400 and "回访" in refused.content.decode()
    assert act("visit", {"method": "phone", "result": "basic", "note": "已道歉"}).status_code == 302
    assert act("cannot", {"reason": "法定要求"}).status_code == 302
    client.force_login(supervisor)
    page = client.get(reverse("ratings:rect_detail", args=[bad.pk])).content.decode()
    assert "审核无法整改申请" in page
    assert act("review", {"uphold": "0", "note": "可以优化"}).status_code == 302
    client.force_login(clerk)
    assert (
        act("rectify", {"measures": "优化告知单", "public_result": "已优化一次性告知单"}).status_code == 302
    )
    assert Rectification.objects.get().state == "rectified"
    assert "已优化一次性告知单" in client.get(reverse("ratings:stats")).content.decode()
    assert act("start").status_code == 409


def test_outsiders_get_404_and_applicants_403(client, bad, zhang_san):
    client.force_login(org.staff(role="clerk", name="外单位").user)
    assert client.get(reverse("ratings:rect_detail", args=[bad.pk])).status_code == 404
    assert client.post(reverse("ratings:rect_action", args=[bad.pk, "start"])).status_code == 404
    assert "data-id" not in client.get(reverse("ratings:rect_list")).content.decode()
    client.force_login(zhang_san)
    assert client.get(reverse("ratings:rect_list")).status_code == 403
    assert Rectification.objects.get().state == "pending"


def test_the_list_query_count_does_not_grow(
    client, django_assert_max_num_queries, bad, clerk, item, zhang_san
):
    client.force_login(clerk)
    for _ in range(3):
        case = rf.concluded_case(zhang_san, item=item, clerk=clerk)
        rating = rating_submit(level=4, channel="pc", actor=zhang_san, case=case, reasons=["slow"])
        return_visit_record(rectification=rating.rectification, method="phone", result="basic", actor=clerk)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("ratings:rect_list"))
    assert response.content.decode().count("data-state=") == 4


def test_the_public_page_query_count_does_not_grow(
    client, django_assert_max_num_queries, zhang_san, item, clerk
):
    for level in (1, 2, 5):
        case = rf.concluded_case(zhang_san, item=item, clerk=clerk)
        rating_submit(level=level, channel="pc", actor=zhang_san, case=case, reasons=["slow"])
    with django_assert_max_num_queries(12):  # a constant: 2 for the version, one or two per table
        response = client.get(reverse("ratings:stats"))
    assert response.status_code == 200 and 'id="total">3<' in response.content.decode()
    with django_assert_max_num_queries(2):  # cached: only the version is read
        client.get(reverse("ratings:stats"))
    case = rf.concluded_case(zhang_san, item=item, clerk=clerk)
    rating_submit(level=1, channel="pc", actor=zhang_san, case=case)
    assert 'id="total">4<' in client.get(reverse("ratings:stats")).content.decode()  # a new version
