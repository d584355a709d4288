"""The public vote: one vote per real-name person per vote period, enforced by the database."""

import threading

import pytest
from django.db import close_old_connections, connection

from govhall.core.errors import Conflict, PermissionDenied, ValidationFailed
from govhall.staffing import awards
from govhall.staffing.models import Vote
from tests.org import factories as org
from tests.staffing import factories as f


@pytest.fixture
def open_vote(manager):
    return awards.vote_period_open(award="red_flag", period="2026-11", actor=manager.user)


def test_a_person_votes_once_per_period(clerk, open_vote):
    person = f.voter()
    vote = awards.vote_cast(vote_period=open_vote, window_id=clerk.window_id, actor=person)
    assert (vote.window_id, vote.voter_id) == (clerk.window_id, person.pk)
    before = f.counts()
    with pytest.raises(Conflict) as exc:
        awards.vote_cast(vote_period=open_vote, window_id=clerk.window_id, actor=person)
    assert exc.value.code == "staffing.already_voted"
    assert f.counts() == before
    assert awards.vote_counts(open_vote) == {clerk.window_id: 1}


def test_who_may_not_vote(clerk, open_vote):
    no_identity, someone = org.applicant("anonymous_name"), f.voter()
    before = f.counts()
    for user in (no_identity, clerk.user):
        with pytest.raises(PermissionDenied) as exc:
            awards.vote_cast(vote_period=open_vote, window_id=clerk.window_id, actor=user)
        assert exc.value.code == "staffing.cannot_vote"
    with pytest.raises(ValidationFailed):  # not a candidate
        awards.vote_cast(vote_period=open_vote, window_id=999999, actor=someone)
    assert f.counts() == before


def test_a_closed_vote_takes_no_votes_and_only_the_manager_opens_and_closes(clerk, duty, manager, open_vote):
    with pytest.raises(PermissionDenied):
        awards.vote_period_close(vote_period=open_vote, actor=duty.user)
    with pytest.raises(Conflict):
        awards.vote_period_open(award="red_flag", period="2026-11", actor=manager.user)
    awards.vote_period_close(vote_period=open_vote, actor=manager.user)
    open_vote.refresh_from_db()
    with pytest.raises(Conflict) as exc:
        awards.vote_cast(vote_period=open_vote, window_id=clerk.window_id, actor=f.voter())
    assert exc.value.code == "staffing.vote_closed"
    with pytest.raises(ValidationFailed):
        awards.vote_period_open(award="red_flag", period="2026-13", actor=manager.user)


@pytest.mark.django_db(transaction=True)
def test_two_parallel_votes_by_one_person_give_one_vote(postgres_only):
    clerk = f.clerk()
    manager = f.leader("manager")
    vote_period = awards.vote_period_open(award="red_flag", period="2026-11", actor=manager.user)
    person = f.voter()
    barrier, outcomes = threading.Barrier(2), []

    def cast():
        try:
            barrier.wait()
            awards.vote_cast(vote_period=vote_period, window_id=clerk.window_id, actor=person)
            outcomes.append("ok")
        except Conflict as exc:
            outcomes.append(exc.code)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=cast) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "staffing.already_voted"]
    assert Vote.objects.filter(voter=person).count() == 1
