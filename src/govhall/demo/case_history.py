"""Replay a plan (``case_plans``) on a ``case_life.Life``: receipt, pre-review and intake here;
processing steps, pauses and the extension in ``case_processing``; decision, conclusion, delivery
and what may follow (undertakings, revocation) in ``case_ending``.

Side events (pauses, the extension, an early end, the fulfilment of an undertaking) wait in a
queue by minute and run before anything later happens to the case.
"""

import datetime as dt
import heapq
import itertools
import random

from govhall.cases import clocks
from govhall.cases.models import (
    AcceptanceMode,
    Case,
    Channel,
    Notice,
    ResultCode,
    SupplementNotice,
    Undertaking,
)
from govhall.cases.states import REPORT_RECEIVED, Action, CaseState
from govhall.core import workdays
from govhall.demo import case_texts as texts
from govhall.demo.case_ending import Ending
from govhall.demo.case_life import Cut, Life, Stop
from govhall.demo.case_plans import Plan
from govhall.demo.case_processing import Processing
from govhall.demo.case_time import DAY

A = Action


class Replay(Processing, Ending):
    """One plan replayed: intake here, processing and side events in ``case_processing``, the
    conclusion and what follows in ``case_ending``."""

    def __init__(self, life: Life, plan: Plan, rng: random.Random) -> None:
        self.life, self.plan, self.rng = life, plan, rng
        self.case, self.world, self.line, self.fate = life.case, life.world, life.line, plan.fate
        self.info = plan.info
        self.side: list = []  # (minute, seq, fn): side events by minute
        self.seq = itertools.count()
        # Who takes it in, concludes and delivers: the receiving clerk, else a clerk serving the item.
        at_window = plan.channel in (Channel.WINDOW, Channel.POST)
        self.clerk = plan.receiver if at_window else self.world.clerk(self.info, rng, site=plan.site)
        self.applicant_user = plan.applicant.user

    def run(self) -> None:
        try:
            m = self.receive()
            if self.fate.intake == "idle":
                return
            m = self.intake(m)
            m = self.instant(m) if self.info.instant else self.process(m)
            self.after(m)
        except (Cut, Stop):
            pass
        finally:
            self.life.finish()

    # --- the side-event queue -----------------------------------------------------------------------

    def later(self, minute: int, fn) -> None:
        heapq.heappush(self.side, (minute, next(self.seq), fn))

    def at(self, minute: int) -> dt.datetime:
        """Run the side events due by ``minute``, then give its instant (Cut once past the present)."""
        while self.side and self.side[0][0] <= minute:
            m, _n, fn = heapq.heappop(self.side)
            fn(m)
        return self.life.when(minute)

    def flush(self) -> None:
        while self.side:
            m, _n, fn = heapq.heappop(self.side)
            fn(m)

    # --- intake -------------------------------------------------------------------------------------

    def submitter(self):
        plan = self.plan
        if plan.channel == Channel.ONLINE:
            return self.applicant_user
        return plan.receiver

    def receive(self) -> int:
        case, m = self.case, self.plan.received
        at = self.at(m)
        case.received_at = at
        if self.plan.channel == Channel.AGENCY:
            case.consent_recorded_at = at - dt.timedelta(minutes=self.rng.randint(2, 20))
        if self.plan.channel == Channel.ONLINE and self.info.item.pre_review_limit > 0:
            case.state = CaseState.PRE_REVIEW
            case.pre_review_due_at = workdays.due_instant(at, self.info.item.pre_review_limit, "workday")
        else:
            case.acceptance_deadline = clocks.acceptance_deadline(at)
        self.life.event("submit", at, self.submitter(), from_state="")
        if case.state == CaseState.PRE_REVIEW:
            m = self.pre_review(m)
        return m

    def pre_review(self, m: int) -> int:
        reviewer, limit = self.clerk, self.info.item.pre_review_limit
        m += self.rng.randint(15, DAY - 30)
        if self.fate.pre_review_return:

            def back(c, when):
                c.pre_review_due_at = None

            self.life.move(A.PRE_REVIEW_RETURN, self.at(m), reviewer, note=self.rng.choice(texts.PRE_REVIEW_RETURNS),
                           clock_step=back)  # fmt: skip
            m += self.rng.randint(DAY // 2, 3 * DAY)

            def again(c, when):
                c.pre_review_due_at = workdays.due_instant(when, limit, "workday")

            self.life.move(A.RESUBMIT, self.at(m), self.applicant_user, clock_step=again)
            m += self.rng.randint(15, DAY - 30)

        def passed(c, when):
            c.pre_review_due_at = None
            c.acceptance_deadline = clocks.acceptance_deadline(when)

        self.life.move(A.PRE_REVIEW_PASS, self.at(m), reviewer, clock_step=passed)
        return m

    def intake_delay(self) -> int:
        channel = self.plan.channel
        if channel == Channel.AGENCY:
            return self.rng.randint(DAY, 3 * DAY)  # the materials travel to the window
        if channel == Channel.POST:
            return self.rng.randint(DAY // 2, 2 * DAY)
        if channel == Channel.ONLINE:
            return self.rng.randint(10, DAY)
        return self.rng.randint(4, 35)  # at the window, on the spot

    def intake(self, m: int) -> int:
        fate = self.fate
        m += self.intake_delay()
        if fate.intake == "deem":
            return self.deem()
        if fate.intake == "supplement":
            m = self.intake_supplement(m)
            choice = fate.after_supplement
        else:
            choice = fate.intake
        if choice == "refuse":
            self.refuse(m)
        if choice == "withdraw":
            self.withdraw(m, self.withdrawer())
        return self.accept(m)

    def withdrawer(self):
        if self.plan.channel == Channel.ONLINE:
            return self.applicant_user
        return self.plan.receiver if self.plan.channel == Channel.AGENCY else self.clerk

    def refuse(self, m: int) -> None:
        reason = self.rng.choice(texts.REFUSALS)

        def stop(c, when):
            c.acceptance_deadline = None

        at = self.at(m)
        self.life.move(A.REFUSE, at, self.clerk, note=reason, clock_step=stop)
        self.life.notice(Notice.Kind.REFUSAL, at, self.clerk, {"reason": reason})
        raise Stop

    def withdraw(self, m: int, actor) -> None:
        def stop(c, when):
            c.pre_review_due_at = None
            if c.accepted_at is None:
                c.acceptance_deadline = None
                clocks.resume(c, at=when)
            else:
                self.life.end_case(c, when, actor)

        self.life.move(
            A.WITHDRAW, self.at(m), actor, note=self.rng.choice(texts.WITHDRAWALS), clock_step=stop
        )
        raise Stop

    def supplement_notice(self, at, names: list[str]) -> None:
        self.life.rows.supplements.append(
            SupplementNotice(case=self.case, items=names, issued_at=at, by=self.clerk.user)
        )
        self.life.notice(Notice.Kind.SUPPLEMENT, at, self.clerk, {"materials": names})

    def missing(self) -> list[str]:
        materials = self.info.materials or ["申请表"]
        return self.rng.sample(materials, min(len(materials), self.rng.choice((1, 1, 2))))

    def intake_supplement(self, m: int) -> int:
        names = self.missing()

        def notice(c, when):
            c.acceptance_deadline = None
            clocks.pause(c, reason="补正", at=when)

        at = self.at(m)
        self.life.move(A.REQUEST_SUPPLEMENT, at, self.clerk, note="、".join(names), clock_step=notice)
        self.supplement_notice(at, names)
        m += self.rng.randint(DAY // 2, 8 * DAY)

        def received(c, when):
            if c.accepted_at is None:
                c.acceptance_deadline = clocks.acceptance_deadline(when)
            clocks.resume(c, at=when)

        self.life.move(A.SUPPLEMENT_RECEIVED, self.at(m), self.clerk, clock_step=received)
        return m + self.rng.randint(3, 30)

    def accept(self, m: int) -> int:
        fate, case = self.fate, self.case
        at = self.at(m)
        action, note, data = A.ACCEPT, "", {"acceptance_mode": fate.mode}
        if fate.mode == AcceptanceMode.TOLERANT:
            action, data = A.ACCEPT_TOLERANT, self.tolerant(at, m)
            note = "、".join(data["owed"])
        elif fate.mode == AcceptanceMode.COMMITMENT:
            text = texts.COMMITMENT
            self.life.undertaking = Undertaking(case=case, kind=fate.mode, text=text, signed_at=at)
            action, data = A.ACCEPT_COMMITMENT, {"acceptance_mode": fate.mode, "commitment": text}
        if self.life.undertaking is not None:
            self.life.rows.undertakings.append(self.life.undertaking)

        def start(c, when):
            c.accepted_at, c.acceptance_deadline, c.acceptance_mode = when, None, fate.mode

        self.life.move(action, at, self.clerk, note=note, clock_step=start)
        self.life.notice(Notice.Kind.ACCEPTANCE, at, self.clerk, data)
        if not self.info.instant:
            self.steps_start(at, self.clerk)
        return m

    def tolerant(self, at, m: int) -> dict:
        """容缺受理: minor materials owed under an undertaking, by a deadline within the promised limit."""
        owed = self.rng.sample(self.info.minor, min(len(self.info.minor), self.rng.choice((1, 1, 2))))
        promised = workdays.due_instant(at, self.info.item.promised_limit, self.info.item.promised_limit_unit)
        amount = self.rng.choice(("0.5", "1", "2", "3", "5"))
        deadline = workdays.due_instant(at, amount, "workday")
        while deadline > promised and amount != "0.5":
            amount = "0.5"
            deadline = workdays.due_instant(at, amount, "workday")
        self.life.undertaking = Undertaking(
            case=self.case, kind=AcceptanceMode.TOLERANT, owed=owed, text=texts.TOLERANT, signed_at=at,
            deadline=deadline,
        )  # fmt: skip
        fulfil = m + self.rng.randint(20, max(21, self.line.minute_before(deadline) - m))
        self.later(fulfil, self.fulfil)
        return {"acceptance_mode": AcceptanceMode.TOLERANT, "owed": owed,
                "undertaking_deadline": deadline.isoformat(), "undertaking_workdays": amount}  # fmt: skip

    def deem(self) -> int:
        """行政许可法 Art. 32: nobody decided within five working days; the sweep accepts from receipt."""
        case = self.case
        m = self.line.minute_before(case.acceptance_deadline) + 1  # the morning sweep after the deadline
        at = self.at(m)

        def start(c, when):
            c.accepted_at, c.acceptance_deadline = c.received_at, None

        self.life.move(A.DEEM_ACCEPT, at, None, note="逾期未作处理，视为自收件之日起受理", clock_step=start)
        self.life.notice(
            Notice.Kind.ACCEPTANCE, at, None, {"acceptance_mode": case.acceptance_mode, "deemed": True}
        )
        self.steps_start(at, None)
        return m

    # --- instant items: decided on the spot ----------------------------------------------------

    def instant(self, m: int) -> int:
        m += self.rng.randint(2, 15)
        approve = self.fate.outcome == "approve"
        self.conclude(m, ResultCode.CERTIFICATE if approve else ResultCode.NOT_PERMITTED, instant=True)
        if approve:
            m += self.rng.randint(1, 5)
            self.deliver(m)
        return m


def make_case(plan: Plan, *, password_digest: str, people) -> Case:
    """The case row as ``services._submit`` creates it (state and clocks follow in the replay)."""
    applicant = plan.applicant
    account = applicant.user
    if plan.channel == Channel.ONLINE:
        account = people.account(applicant)
    agent = plan.receiver.user if plan.channel == Channel.AGENCY else None
    return Case(
        number=plan.number, item=plan.info.item, item_version=plan.info.version, site=plan.site,
        window=plan.window, channel=plan.channel, applicant=account, applicant_name=applicant.name,
        applicant_id_digest=applicant.digest, applicant_kind=applicant.kind, agent=agent,
        query_password_digest=password_digest, state=CaseState.SUBMITTED, report_status=REPORT_RECEIVED,
        received_at=dt.datetime.min.replace(tzinfo=dt.UTC),  # set by the replay's first event
    )  # fmt: skip
