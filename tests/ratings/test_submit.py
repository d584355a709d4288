"""rating_submit: an applicant rates their own concluded case, once; bad input changes nothing."""

import pytest

from govhall.core.errors import DomainError
from govhall.core.models import AuditEvent
from govhall.ratings.models import Rating, Rectification
from govhall.ratings.services import rating_submit
from tests.ratings import factories as rf

pytestmark = pytest.mark.django_db


def refused(call, code: str, words: str = ""):
    before = rf.counts()
    with pytest.raises(DomainError) as err:
        call()
    assert err.value.code == code, (err.value.code, err.value.message)
    assert words in err.value.message, err.value.message
    assert rf.counts() == before
    return err.value


def test_the_applicant_rates_a_concluded_case(concluded, zhang_san, clerk):
    rating = rating_submit(level=1, channel="pc", actor=zhang_san, case=concluded, comment="窗口服务很好")
    assert (rating.level, rating.channel, rating.case, rating.item) == (1, "pc", concluded, concluded.item)
    assert rating.department == concluded.item.department
    assert rating.staff.user == clerk  # the clerk who received it at the window
    assert (rating.rater, rating.rater_name_masked, rating.real_name) == (zhang_san, "张*", True)
    assert rating.rater_mobile_digest and "139" not in rating.rater_mobile_cipher
    assert not Rectification.objects.exists()
    event = AuditEvent.objects.filter(action="ratings.rate").get()
    assert event.after["case"] == concluded.number and "张" not in str(event.after)


def test_a_second_rating_of_the_same_case_is_refused_in_chinese(concluded, zhang_san):
    rating_submit(level=2, channel="mobile", actor=zhang_san, case=concluded)
    error = refused(lambda: rating_submit(level=5, channel="pc", actor=zhang_san, case=concluded, comment="差"),
                    "ratings.already_rated", "只能评价一次")  # fmt: skip
    assert error.http_status == 409
    assert Rating.objects.get().level == 2


@pytest.mark.parametrize("level", [0, 6, -1, "", None, "abc", 2.5, True, "3x"])
def test_a_level_outside_1_to_5_is_refused(concluded, zhang_san, level):
    refused(lambda: rating_submit(level=level, channel="pc", actor=zhang_san, case=concluded),
            "ratings.bad_level", "1（非常满意）至5（非常不满意）")  # fmt: skip


def test_a_level_given_as_text_is_accepted(concluded, zhang_san):
    assert rating_submit(level=" 3 ", channel="pc", actor=zhang_san, case=concluded).level == 3


def test_someone_elses_case_answers_like_an_unknown_one(concluded):
    other = rf.person("li_si", name="李四")
    error = refused(
        lambda: rating_submit(level=1, channel="pc", actor=other, case=concluded), "ratings.not_found"
    )
    assert error.http_status == 404


def test_an_unconcluded_case_cannot_be_rated(zhang_san, item, clerk):
    case = rf.received_case(zhang_san, item=item, clerk=clerk)
    error = refused(lambda: rating_submit(level=1, channel="pc", actor=zhang_san, case=case),
                    "ratings.case_not_concluded", "尚未办结")  # fmt: skip
    assert error.http_status == 409


def test_bad_channel_reason_comment_and_anonymous_web_rating(concluded, zhang_san):
    refused(
        lambda: rating_submit(level=1, channel="fax", actor=zhang_san, case=concluded), "ratings.bad_channel"
    )
    refused(lambda: rating_submit(level=5, channel="pc", actor=zhang_san, case=concluded, reasons=["rude"]),
            "ratings.bad_reason")  # fmt: skip
    refused(lambda: rating_submit(level=1, channel="pc", actor=zhang_san, case=concluded, comment="好" * 501),
            "ratings.comment_too_long")  # fmt: skip
    refused(lambda: rating_submit(level=4, channel="pc", actor=zhang_san, case=concluded),
            "ratings.reason_required", "不满意的原因")  # fmt: skip
    refused(
        lambda: rating_submit(level=1, channel="pc", actor=None, case=concluded), "ratings.login_required"
    )
    refused(
        lambda: rating_submit(level=1, channel="sms", actor=zhang_san, case=concluded),
        "ratings.person_channel",
    )


def test_staff_only_record_phone_or_device_ratings(concluded, clerk):
    refused(
        lambda: rating_submit(level=1, channel="pc", actor=clerk, case=concluded), "ratings.staff_channel"
    )
    rating = rating_submit(level=2, channel="phone", actor=clerk, case=concluded)
    assert rating.rater == concluded.applicant  # the applicant, not the clerk who typed it


def test_one_rating_per_window_service(item, clerk):
    from govhall.org.models import Staff

    staff = Staff.objects.get(user=clerk)
    rating = rating_submit(level=5, channel="pad", actor=None, staff=staff, service_ref="ticket:41",
                           reasons=["slow"], rater_name="王五", rater_mobile="13700137000")  # fmt: skip
    assert (rating.department, rating.real_name, rating.rater_name_masked) == (staff.department, True, "王*")
    assert Rectification.objects.get().rating == rating
    refused(lambda: rating_submit(level=1, channel="pad", actor=None, staff=staff, service_ref="ticket:41"),
            "ratings.already_rated", "每次服务只能评价一次")  # fmt: skip
    refused(lambda: rating_submit(level=1, channel="pad", actor=None), "ratings.no_target")
    by_user = rating_submit(level=2, channel="pad", actor=None, staff=clerk, service_ref="ticket:43")
    assert by_user.staff == staff  # the staff member's user account is accepted too
    # the pad's buttons give a level only: a bad one is taken without a reason
    assert rating_submit(level=4, channel="pad", actor=None, staff=staff, service_ref="ticket:42").is_bad
    refused(lambda: rating_submit(level=1, channel="pad", actor=None, staff=staff, rater_mobile="12345"),
            "ratings.bad_mobile")  # fmt: skip


def test_script_in_a_comment_is_stored_as_text(concluded, zhang_san):
    rating = rating_submit(level=4, channel="pc", actor=zhang_san, case=concluded,
                           comment="<script>alert(1)</script>")  # fmt: skip
    assert rating.comment == "<script>alert(1)</script>"
