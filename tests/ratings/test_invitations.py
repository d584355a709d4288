"""The SMS invitation: a case unrated 3 days after conclusion is invited once (across a weekend the
days still count: 3 natural days), and its link rates the case without login."""

import datetime as dt

import pytest
import time_machine

from govhall.core.errors import DomainError
from govhall.core.models import OutboxMessage
from govhall.ratings.models import Rating, RatingInvitation
from govhall.ratings.services import rating_submit, rating_submit_by_invitation, ratings_invite, ratings_sweep
from tests.ratings import factories as rf

pytestmark = pytest.mark.django_db
FRIDAY = rf.at(11, 20, 16)  # Friday 20 November 2026, 16:00


def invite_at(when):
    with time_machine.travel(when, tick=False):
        return ratings_invite()


def token_of(message: OutboxMessage) -> str:
    return message.payload["text"].split("/ratings/r/")[1].split("/")[0]


@pytest.fixture
def friday_case(zhang_san, item, clerk):
    return rf.concluded_case(zhang_san, item=item, clerk=clerk, when=FRIDAY)


def test_invited_three_days_after_conclusion_across_a_weekend(friday_case):
    assert invite_at(rf.at(11, 21, 16)) == 0  # Saturday
    assert invite_at(rf.at(11, 22, 23, 59)) == 0  # Sunday night
    assert invite_at(rf.at(11, 23, 15, 59)) == 0  # Monday, 71:59 after conclusion
    assert invite_at(rf.at(11, 23, 16)) == 1  # 72 hours: weekends count (natural days)
    sms = OutboxMessage.objects.get(topic="rating_invite")
    assert sms.dedupe_key == f"rating_invite:{friday_case.pk}"
    assert friday_case.number in sms.payload["text"] and "/ratings/r/" in sms.payload["text"]
    invitation = RatingInvitation.objects.get(case=friday_case)
    assert token_of(sms) not in invitation.token_digest  # only the digest is stored
    # exactly once, however often the sweep runs
    assert invite_at(rf.at(11, 24, 9)) == 0
    assert ratings_sweep(now=rf.at(11, 25, 9)) == {"invited": 0, "overdue": 0}
    assert OutboxMessage.objects.filter(topic="rating_invite").count() == 1


def test_the_link_rates_the_case_without_login(friday_case, zhang_san):
    invite_at(rf.at(11, 23, 16))
    token = token_of(OutboxMessage.objects.get(topic="rating_invite"))
    with time_machine.travel(rf.at(11, 24, 10), tick=False):
        rating = rating_submit_by_invitation(token=token, level=2, comment="不错")
    assert (rating.channel, rating.case, rating.rater, rating.level) == ("sms", friday_case, zhang_san, 2)
    assert RatingInvitation.objects.get().used_at is not None
    before = rf.counts()
    with pytest.raises(DomainError) as err:
        rating_submit_by_invitation(token=token, level=1)
    assert err.value.code == "ratings.already_rated" and rf.counts() == before
    for bad in ("", "x" * 80, "nope"):
        with pytest.raises(DomainError) as err:
            rating_submit_by_invitation(token=bad, level=1)
        assert err.value.code == "ratings.invitation_invalid" and err.value.http_status == 404


def test_an_expired_link_is_refused(friday_case):
    invite_at(rf.at(11, 23, 16))
    token = token_of(OutboxMessage.objects.get(topic="rating_invite"))
    with time_machine.travel(rf.at(12, 24, 16), tick=False), pytest.raises(DomainError) as err:
        rating_submit_by_invitation(token=token, level=1)
    assert err.value.code == "ratings.invitation_invalid"
    assert not Rating.objects.exists()


def test_rated_cases_old_cases_and_cases_without_a_mobile_are_not_invited(
    zhang_san, item, clerk, friday_case
):
    rated = rf.concluded_case(zhang_san, item=item, clerk=clerk, when=FRIDAY)
    with time_machine.travel(FRIDAY + dt.timedelta(hours=1), tick=False):
        rating_submit(level=1, channel="mobile", actor=zhang_san, case=rated)
    rf.concluded_case(zhang_san, item=item, clerk=clerk, when=FRIDAY - dt.timedelta(days=60))  # history
    from tests.org import factories as org

    no_mobile = org.applicant("no_mobile")
    no_mobile.real_name = "赵六"
    rf.concluded_case(no_mobile, item=item, clerk=clerk, when=FRIDAY)
    rf.received_case(zhang_san, item=item, clerk=clerk)  # not concluded
    assert invite_at(rf.at(11, 23, 16)) == 1
    assert list(RatingInvitation.objects.values_list("case_id", flat=True)) == [friday_case.pk]


def test_the_management_command_prints_what_it_did(friday_case):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    with time_machine.travel(rf.at(11, 23, 17), tick=False):
        call_command("ratings_sweep", stdout=out)
    assert "发送评价邀请短信：1" in out.getvalue() and "标记整改逾期：0" in out.getvalue()
