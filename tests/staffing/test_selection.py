"""Red-flag windows and excellent staff: counts 5 / 2 / 1, the weighted score, the tie-break,
publication, the certificate PDF and the honours page."""

import datetime as dt
import subprocess
from decimal import Decimal

import pytest

from govhall.core.errors import Conflict, PermissionDenied, ValidationFailed
from govhall.org.models import Role
from govhall.staffing import awards, documents
from govhall.staffing.models import Selection
from tests.org import factories as org
from tests.staffing import factories as f

NOW = f.at(dt.date(2026, 11, 20), 10)
NEW = dt.date(2026, 11, 1)  # joined after October: no half day owed there, a full staff score


@pytest.fixture
def windows(db):
    """Seven windows, each with one clerk; window numbers 1–7 in creation order."""
    centre = org.centre()
    result = []
    for i in range(1, 8):
        dept = org.department()
        win = org.window(site=centre, dept=dept, number=str(i))
        result.append(f.person(dept=dept, win=win, name=f"窗口员{i}", joined_on=NEW))
    return result


def _compute(award, period, actor):
    with f.travel(NOW):
        return awards.selection_compute(award=award, period=period, actor=actor.user)


@pytest.mark.parametrize(("period", "count"), [("2026-10", 5), ("2026Q3", 2), ("2025", 1)])
def test_a_month_selects_five_a_quarter_two_a_year_one(windows, manager, period, count):
    for award in ("red_flag", "excellent_staff"):
        selection = _compute(award, period, manager)
        assert selection.entries.count() == count
        assert list(selection.entries.values_list("rank", flat=True)) == list(range(1, count + 1))


def test_the_weights_and_the_tie_break(windows, duty, manager):
    a, b, c = windows[4], windows[5], windows[6]  # windows 5, 6, 7
    with f.travel(NOW):
        awards.duty_score_enter(
            period="2026-10", award="red_flag", window_id=a.window_id, score=100, actor=duty.user
        )
        vote_period = awards.vote_period_open(award="red_flag", period="2026-10", actor=manager.user)
        awards.vote_cast(vote_period=vote_period, window_id=b.window_id, actor=f.voter())
        ranked = awards.score_candidates("red_flag", "2026-10")
    first = ranked[0]
    # Window 100 × 30 % + staff 100 × 30 % + duty leader 100 × 20 % + votes 0 × 20 % = 80.
    assert first.components == {"window": Decimal("100.00"), "staff": Decimal("100.0"),
                                "duty_leader": Decimal("100.00"), "votes": Decimal("0.00")}  # fmt: skip
    assert first.total == Decimal("80.00")
    # b has the same total through its votes; the duty-leader component breaks the tie, then
    # candidates with equal components follow in window-number order.
    assert [(c.window.number, c.total) for c in ranked] == [
        ("5", Decimal("80.00")), ("6", Decimal("80.00")), ("1", Decimal("60.00")), ("2", Decimal("60.00")),
        ("3", Decimal("60.00")), ("4", Decimal("60.00")), ("7", Decimal("60.00")),
    ]  # fmt: skip
    assert c.window.number == "7"


def test_weights_are_settings(windows, duty, settings):
    settings.GOVHALL_STAFFING_WEIGHTS = {"window": 10, "staff": 10, "duty_leader": 70, "votes": 10}
    with f.travel(NOW):
        awards.duty_score_enter(period="2026-10", award="red_flag", window_id=windows[0].window_id, score=50,
                                actor=duty.user)  # fmt: skip
        assert awards.score_candidates("red_flag", "2026-10")[0].total == Decimal("55.00")
    settings.GOVHALL_STAFFING_WEIGHTS = {"window": 50}
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        awards.score_candidates("red_flag", "2026-10")


def test_duty_scores_are_the_duty_leaders_and_bad_scores_change_nothing(windows, duty, clerk):
    target = windows[0].window_id
    before = f.counts()
    with f.travel(NOW):
        with pytest.raises(PermissionDenied):
            awards.duty_score_enter(
                period="2026-10", award="red_flag", window_id=target, score=90, actor=clerk.user
            )
        for score in ("abc", 101, -1, None):
            with pytest.raises(ValidationFailed):
                awards.duty_score_enter(period="2026-10", award="red_flag", window_id=target, score=score,
                                        actor=duty.user)  # fmt: skip
        with pytest.raises(ValidationFailed):
            awards.duty_score_enter(
                period="2026H1", award="red_flag", window_id=target, score=90, actor=duty.user
            )
    assert f.counts() == before
    with f.travel(NOW):
        awards.duty_score_enter(
            period="2026-10", award="red_flag", window_id=target, score=90, actor=duty.user
        )
        row = awards.duty_score_enter(
            period="2026-10", award="red_flag", window_id=target, score=70, actor=duty.user
        )
    assert row.score == Decimal("70.0") and f.counts()["DutyLeaderScore"] == 1  # scoring again replaces


def test_an_unexcused_absence_excludes_a_person(windows, manager):
    absent = f.person(dept=windows[0].department, win=windows[0].window, name="缺勤者",
                      joined_on=dt.date(2026, 10, 30))  # owes Friday 30 October, never signed  # fmt: skip
    with f.travel(NOW):
        ranked = awards.score_candidates("excellent_staff", "2026-10")
    found = next(c for c in ranked if c.staff.pk == absent.pk)
    assert (found.eligible, found.veto) == (False, "有无故缺勤")
    assert ranked[-1] is found


def test_publish_after_the_period_with_the_vote_closed_then_the_certificate(
    windows, manager, duty, tmp_path, client
):
    selection = _compute("red_flag", "2026-10", manager)
    with f.travel(NOW):
        vote_period = awards.vote_period_open(award="red_flag", period="2026-10", actor=manager.user)
        with pytest.raises(Conflict) as open_vote:
            awards.selection_publish(selection=selection, actor=manager.user)
        assert open_vote.value.code == "staffing.vote_still_open"
        with pytest.raises(PermissionDenied):
            awards.selection_publish(selection=selection, actor=duty.user)
        awards.vote_period_close(vote_period=vote_period, actor=manager.user)
        awards.selection_publish(selection=selection, actor=manager.user)
        with pytest.raises(Conflict):
            awards.selection_compute(award="red_flag", period="2026-10", actor=manager.user)
    entry = selection.entries.get(rank=1)
    path = tmp_path / "cert.pdf"
    path.write_bytes(documents.certificate_pdf(entry))
    text = "".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True)
                   .stdout.split())  # fmt: skip
    assert "荣誉证书" in text and "红旗窗口" in text and "2026年10月" in text
    assert entry.name.replace(" ", "") in text and entry.certificate_no in text
    page = client.get("/staffing/honours/")
    assert page.status_code == 200 and entry.name in page.content.decode()
    pdf = client.get(f"/staffing/honours/{entry.pk}/certificate.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")


def test_a_current_period_cannot_be_published_and_drafts_have_no_certificate(windows, manager, client):
    selection = _compute("red_flag", "2026-11", manager)
    with f.travel(NOW), pytest.raises(Conflict) as exc:
        awards.selection_publish(selection=selection, actor=manager.user)
    assert exc.value.code == "staffing.period_not_over"
    entry = selection.entries.first()
    assert client.get(f"/staffing/honours/{entry.pk}/certificate.pdf").status_code == 404
    assert Selection.objects.get().state == "draft"
    assert Role.MANAGER == manager.role
