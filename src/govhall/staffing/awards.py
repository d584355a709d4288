"""Red-flag windows (红旗窗口) and excellent staff (优秀窗口工作人员): duty-leader scores, the
public vote, the weighted selection and its publication (RULES.md "Hall", ADR 0018).

Each candidate gets four components, each 0–100, weighted by GOVHALL_STAFFING_WEIGHTS (default
window 30 %, staff 30 %, duty leader 20 %, public votes 20 %):
- window: the window's case quality in the period — on-time rate × 60 + satisfaction × 40 (a
  missing figure counts as full marks), minus the quality deductions (returns, cards, bad ratings,
  upheld complaints); for a person, the window they sit at;
- staff: the monthly scores (``assessment``) averaged over the period's begun months; for a
  window, the average of its staff;
- duty leader: the average of the duty leaders' scores for the period (none: 0);
- votes: the candidate's votes as a share of the most-voted candidate's (none at all: 0).
A candidate with an upheld complaint in the period, or (a person) an unexcused half-day absence,
is not eligible (一票否决). Ranking ties are broken by the duty-leader component, then the votes,
then the window component, then the window number / employee number (ADR 0018). The top N
(GOVHALL_STAFFING_AWARD_COUNTS: 5 a month, 2 a quarter, 1 a year) are stored as the selection.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.db.models import Avg, Count
from django.utils import timezone
from django.utils.translation import gettext as _

from govhall.core import audit
from govhall.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from govhall.org.access import staff_of
from govhall.org.models import Role, Staff, Window
from govhall.staffing import assessment, permissions, rules
from govhall.staffing.models import (
    Award,
    DutyLeaderScore,
    Selection,
    SelectionEntry,
    SelectionState,
    Vote,
    VotePeriod,
    VoteState,
)
from govhall.staffing.quality import Quality, window_quality

SELECTION_KINDS = ("month", "quarter", "year")
CERT_PREFIX = {Award.RED_FLAG: "HQ", Award.EXCELLENT_STAFF: "YX"}
ZERO, HUNDRED = Decimal(0), Decimal(100)


def award_check(award: str) -> str:
    if award not in Award.values:
        raise ValidationFailed(_("评选项目无效，应为红旗窗口或优秀窗口工作人员。"), code="staffing.bad_award",
                               field="award")  # fmt: skip
    return award


def selection_period(code: str) -> rules.Period:
    return rules.period_parse(code, kinds=SELECTION_KINDS)


# --- candidates ------------------------------------------------------------------------------------


def candidate_windows():
    """Active windows with at least one active staff member."""
    ids = Staff.objects.filter(active=True, window__active=True).values("window_id")
    return (
        Window.objects.filter(pk__in=ids)
        .select_related("department", "site")
        .order_by("site__code", "number")
    )


def candidate_staff():
    """Active staff sitting at an active window (窗口工作人员)."""
    return (
        Staff.objects.filter(active=True, window__active=True)
        .select_related("department", "window", "site")
        .order_by("employee_no")
    )


def _candidate(award: str, window_id=None, staff_id=None):
    try:
        if award == Award.RED_FLAG:
            return candidate_windows().get(pk=int(window_id)), None
        return None, candidate_staff().get(pk=int(staff_id))
    except (Window.DoesNotExist, Staff.DoesNotExist, TypeError, ValueError):
        raise ValidationFailed(
            _("请选择候选对象。"), code="staffing.bad_candidate", field="candidate"
        ) from None


# --- duty-leader scores ----------------------------------------------------------------------------


@transaction.atomic(durable=True)
def duty_score_enter(
    *, period: str, award: str, score, window_id=None, staff_id=None, actor
) -> DutyLeaderScore:
    """A duty leader scores a candidate (0–100) for a period; scoring again replaces their score."""
    staff = staff_of(actor)
    if not getattr(actor, "is_superuser", False) and (staff is None or staff.role != Role.DUTY_LEADER):
        raise PermissionDenied(_("只有值班领导可以评分。"), code="staffing.forbidden")
    period_obj, award = selection_period(period), award_check(award)
    window, person = _candidate(award, window_id, staff_id)
    try:
        value = Decimal(str(score)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    except ArithmeticError:
        value = None
    if value is None or not ZERO <= value <= HUNDRED:
        raise ValidationFailed(_("评分应为0至100之间的数。"), code="staffing.bad_score", field="score")
    if Selection.objects.filter(award=award, period=period_obj.code, state=SelectionState.PUBLISHED).exists():
        raise Conflict(_("该期评选结果已发布，不能再评分。"), code="staffing.selection_published")
    row, _created = DutyLeaderScore.objects.update_or_create(
        period=period_obj.code, award=award, window=window, staff=person, scored_by=actor,
        defaults={"score": value, "scored_at": timezone.now()},
    )  # fmt: skip
    audit.record(action="staffing.duty_score", actor=actor, obj=row,
                 after={"period": row.period, "award": award, "score": value,
                        "target": (window or person).pk})  # fmt: skip
    return row


# --- the public vote --------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def vote_period_open(*, award: str, period: str, actor) -> VotePeriod:
    permissions.require_manager(actor)
    award, period_obj = award_check(award), selection_period(period)
    if VotePeriod.objects.filter(award=award, period=period_obj.code).exists():
        raise Conflict(_("该期投票已开启过。"), code="staffing.vote_exists")
    vote_period = VotePeriod.objects.create(award=award, period=period_obj.code, opened_by=actor,
                                            opened_at=timezone.now())  # fmt: skip
    audit.record(action="staffing.vote_open", actor=actor, obj=vote_period, after={"award": award,
                 "period": period_obj.code})  # fmt: skip
    return vote_period


@transaction.atomic(durable=True)
def vote_period_close(*, vote_period: VotePeriod, actor) -> VotePeriod:
    permissions.require_manager(actor)
    vote_period = VotePeriod.objects.select_for_update().get(pk=vote_period.pk)
    if vote_period.state != VoteState.OPEN:
        raise Conflict(_("该期投票已截止。"), code="staffing.vote_closed")
    vote_period.state, vote_period.closed_at = VoteState.CLOSED, timezone.now()
    vote_period.save(update_fields=["state", "closed_at"])
    audit.record(action="staffing.vote_close", actor=actor, obj=vote_period,
                 after={"votes": vote_period.votes.count()})  # fmt: skip
    return vote_period


def voter_problem(user) -> str | None:
    """Why ``user`` may not vote (None: they may): a logged-in real-name person, not staff."""
    if user is None or not getattr(user, "is_authenticated", False):
        return _("请先登录再投票。")
    if not user.id_number_digest:
        return _("投票需要实名认证（登记身份证号）的账号。")
    if staff_of(user) is not None:
        return _("中心工作人员不参加公众投票。")
    return None


@transaction.atomic(durable=True)
def vote_cast(*, vote_period: VotePeriod, window_id=None, staff_id=None, actor) -> Vote:
    """One vote per real-name person per vote period: the unique constraint decides a race."""
    problem = voter_problem(actor)
    if problem:
        raise PermissionDenied(problem, code="staffing.cannot_vote")
    if vote_period.state != VoteState.OPEN:
        raise Conflict(_("该期投票已截止。"), code="staffing.vote_closed")
    window, person = _candidate(vote_period.award, window_id, staff_id)
    try:
        with transaction.atomic():
            vote = Vote.objects.create(vote_period=vote_period, voter=actor, window=window, staff=person,
                                       cast_at=timezone.now())  # fmt: skip
    except IntegrityError:
        raise Conflict(_("您已在本期投过票，每人每期限投一票。"), code="staffing.already_voted") from None
    audit.record(action="staffing.vote", actor=actor, obj=vote,
                 after={"vote_period": vote_period.pk, "target": (window or person).pk})  # fmt: skip
    return vote


# --- scoring -----------------------------------------------------------------------------------------


@dataclass
class Candidate:
    window: Window | None
    staff: Staff | None
    components: dict[str, Decimal] = field(default_factory=dict)
    total: Decimal = ZERO
    eligible: bool = True
    veto: str = ""
    quality: Quality | None = None

    @property
    def name(self) -> str:
        if self.window is not None:
            return f"{self.window.number}号窗口 {self.window.name}"
        return self.staff.name

    @property
    def department_name(self) -> str:
        return (self.window or self.staff).department.name

    @property
    def key(self) -> str:
        return self.window.number.zfill(8) if self.window is not None else self.staff.employee_no

    def sort_key(self):
        c = self.components
        return (-self.total, -c["duty_leader"], -c["votes"], -c["window"], self.key)


def _q(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def quality_score(q: Quality, w: dict, d: dict) -> Decimal:
    rate = Decimal(q.on_time) / q.timed if q.timed else Decimal(1)
    satisfaction = q.satisfaction / HUNDRED if q.satisfaction is not None else Decimal(1)
    points = rate * w["window_on_time"] + satisfaction * w["window_satisfaction"]
    points -= q.returns * d["return"] + q.yellow * d["yellow_card"] + q.red * d["red_card"]
    points -= (q.bad_ratings or 0) * d["bad_rating"] + (q.complaints_upheld or 0) * d["complaint_upheld"]
    return _q(min(max(points, ZERO), HUNDRED))


def _duty_scores(award: str, period: str) -> dict[int, Decimal]:
    target = "window_id" if award == Award.RED_FLAG else "staff_id"
    rows = DutyLeaderScore.objects.filter(award=award, period=period).values(target).annotate(a=Avg("score"))
    return {row[target]: Decimal(str(row["a"])) for row in rows.order_by()}


def _vote_shares(award: str, period: str) -> dict[int, Decimal]:
    target = "window_id" if award == Award.RED_FLAG else "staff_id"
    rows = Vote.objects.filter(vote_period__award=award, vote_period__period=period).values(target)
    counts = {row[target]: row["n"] for row in rows.annotate(n=Count("id")).order_by()}
    top = max(counts.values(), default=0)
    return {key: Decimal(n) * HUNDRED / top for key, n in counts.items()} if top else {}


def vote_counts(vote_period: VotePeriod) -> dict[int, int]:
    target = "window_id" if vote_period.award == Award.RED_FLAG else "staff_id"
    rows = vote_period.votes.values(target).annotate(n=Count("id")).order_by()
    return {row[target]: row["n"] for row in rows}


def _staff_averages(period: rules.Period, people, now) -> dict[int, tuple[Decimal, int]]:
    """(average monthly score, half-day absences) per person over the period's begun months."""
    summary = assessment.period_summary(period, Staff.objects.filter(pk__in=[p.pk for p in people]), now=now)
    return {s.staff.pk: (s.average, s.total("half_day_absence")) for s in summary}


def score_candidates(award: str, period: str, *, now: dt.datetime | None = None) -> list[Candidate]:
    """Every candidate with its components and total, ranked (eligible first, by the tie-break)."""
    award, period_obj = award_check(award), selection_period(period)
    now = now or timezone.now()
    w, d = rules.weights(), rules.deductions()
    people = list(candidate_staff())
    staff_avg = _staff_averages(period_obj, people, now)
    windows = list(candidate_windows())
    w_quality, _present = window_quality([x.pk for x in windows], period_obj.start, period_obj.end)
    w_points = {pk: quality_score(q, w, d) for pk, q in w_quality.items()}
    duty, votes = _duty_scores(award, period_obj.code), _vote_shares(award, period_obj.code)
    result = []
    if award == Award.RED_FLAG:
        for window in windows:
            mine = [staff_avg[p.pk][0] for p in people if p.window_id == window.pk and p.pk in staff_avg]
            c = Candidate(window, None, quality=w_quality[window.pk])
            c.components = {"window": w_points[window.pk],
                            "staff": _q(sum(mine, ZERO) / len(mine)) if mine else ZERO,
                            "duty_leader": _q(duty.get(window.pk, ZERO)), "votes": _q(votes.get(window.pk, ZERO))}  # fmt: skip
            if c.quality.complaints_upheld:
                c.eligible, c.veto = False, _("有被查实的投诉")
            result.append(c)
    else:
        from govhall.staffing.quality import person_quality

        p_quality, _present = person_quality(
            {p.pk: p.user_id for p in people}, period_obj.start, period_obj.end
        )
        for person in people:
            average, absences = staff_avg.get(person.pk, (ZERO, 0))
            c = Candidate(None, person, quality=p_quality[person.pk])
            c.components = {"window": w_points.get(person.window_id, ZERO), "staff": average,
                            "duty_leader": _q(duty.get(person.pk, ZERO)), "votes": _q(votes.get(person.pk, ZERO))}  # fmt: skip
            if c.quality.complaints_upheld:
                c.eligible, c.veto = False, _("有被查实的投诉")
            elif absences:
                c.eligible, c.veto = False, _("有无故缺勤")
            result.append(c)
    for c in result:
        c.total = _q(sum((c.components[k] * w[k] for k in rules.COMPONENTS), ZERO) / HUNDRED)
    result.sort(key=lambda c: (not c.eligible, *c.sort_key()))
    return result


# --- selection -------------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def selection_compute(*, award: str, period: str, actor) -> Selection:
    """Compute (or compute again) the draft selection: the top N eligible candidates."""
    permissions.require_leader(actor)
    award, period_obj = award_check(award), selection_period(period)
    existing = Selection.objects.select_for_update().filter(award=award, period=period_obj.code).first()
    if existing is not None and existing.state == SelectionState.PUBLISHED:
        raise Conflict(_("该期评选结果已发布，不能重新计算。"), code="staffing.selection_published")
    ranked = [c for c in score_candidates(award, period_obj.code) if c.eligible]
    chosen = ranked[: rules.award_count(award, period_obj.kind)]
    weights = {k: str(v) for k, v in rules.weights().items()}
    if existing is None:
        existing = Selection.objects.create(award=award, period=period_obj.code, weights=weights,
                                            computed_at=timezone.now(), computed_by=actor)  # fmt: skip
    else:
        existing.entries.all().delete()
        existing.weights, existing.computed_at, existing.computed_by = weights, timezone.now(), actor
        existing.save(update_fields=["weights", "computed_at", "computed_by"])
    SelectionEntry.objects.bulk_create(
        SelectionEntry(
            selection=existing, rank=rank, window=c.window, staff=c.staff, name=c.name,
            department_name=c.department_name, total=c.total,
            components={k: str(v) for k, v in c.components.items()},
            certificate_no=f"{CERT_PREFIX[award]}{period_obj.code.replace('-', '')}{rank:02d}",
        )
        for rank, c in enumerate(chosen, start=1)
    )  # fmt: skip
    audit.record(action="staffing.selection_compute", actor=actor, obj=existing,
                 after={"award": award, "period": period_obj.code,
                        "chosen": [(c.name, str(c.total)) for c in chosen]})  # fmt: skip
    return existing


@transaction.atomic(durable=True)
def selection_publish(*, selection: Selection, actor) -> Selection:
    """Publish a computed selection once its period has ended and its public vote is closed."""
    permissions.require_manager(actor)
    selection = Selection.objects.select_for_update().get(pk=selection.pk)
    if selection.state == SelectionState.PUBLISHED:
        raise Conflict(_("该期评选结果已发布。"), code="staffing.selection_published")
    if selection_period(selection.period).end > timezone.localdate():
        raise Conflict(_("评选期尚未结束，不能发布。"), code="staffing.period_not_over")
    if VotePeriod.objects.filter(
        award=selection.award, period=selection.period, state=VoteState.OPEN
    ).exists():
        raise Conflict(_("请先截止本期公众投票，再发布结果。"), code="staffing.vote_still_open")
    if not selection.entries.exists():
        raise Conflict(_("本期没有符合条件的入选对象。"), code="staffing.selection_empty")
    selection.state, selection.published_at, selection.published_by = (
        SelectionState.PUBLISHED,
        timezone.now(),
        actor,
    )
    selection.save(update_fields=["state", "published_at", "published_by"])
    audit.record(action="staffing.selection_publish", actor=actor, obj=selection,
                 after={"award": selection.award, "period": selection.period})  # fmt: skip
    return selection


def published_entry(entry_id) -> SelectionEntry:
    try:
        return SelectionEntry.objects.select_related("selection").get(
            pk=int(entry_id), selection__state=SelectionState.PUBLISHED
        )
    except (SelectionEntry.DoesNotExist, TypeError, ValueError):
        raise NotFound(_("证书不存在。"), code="staffing.certificate_not_found") from None
