"""Processing in the replay (mixed into ``case_history.Replay``): the steps of the flow, their
signatures and the decision, with the side events that interrupt them.

Processing time is planned on the work line against the case's own promised deadline, taken from
``clocks.refresh`` at acceptance: an on-time case concludes before it, a late one after it. A pause
(supplement, special procedure) lasts whole working days at the same time of day, so it moves the
deadline by exactly the time it adds to the timeline.
"""

from govhall.cases import clocks
from govhall.cases.models import (
    Decision,
    Extension,
    Notice,
    ResultCode,
    SealUse,
    SpecialProcedure,
    Undertaking,
)
from govhall.cases.processing import DECISION_DOCUMENTS, DELIVERY_WORKDAYS
from govhall.cases.states import Action, CaseState, StepState
from govhall.catalog.models import CountersignMode, LimitUnit
from govhall.core import workdays
from govhall.demo import case_texts as texts
from govhall.demo.case_life import Stop
from govhall.demo.case_time import DAY
from govhall.org.models import Role

A = Action


class Processing:
    """Steps, decision and side events of a replayed case (state lives on ``case_history.Replay``)."""

    def steps_start(self, at, actor) -> None:
        """processing.steps_start: round 1 of the first processing step, or "approve" at once."""
        if self.info.flow:
            self.step = self.life.start_step(self.info.flow[0], at, actor, round_no=1)
        else:
            self.decide(at, actor, Decision.APPROVE, note="无审批环节，受理即作出准予决定")

    def process(self, start: int) -> int:
        fate, rng, case = self.fate, self.rng, self.case
        flow = self.info.flow
        avail = (
            max(self.line.minute_before(case.promised_due_at) - start, 30) if case.promised_due_at else DAY
        )
        if fate.stall:
            total = avail + rng.randint(30 * DAY, 40 * DAY)  # beyond the present: still open, overdue
        elif fate.late:
            total = avail + rng.randint(DAY // 3, DAY * rng.choice((1, 1, 2, 3, 6)))
        elif fate.extend:
            days = 4 if self.info.item.promised_limit_unit == LimitUnit.NATURAL_DAY else 7
            total = avail + rng.randint(DAY // 2, DAY * days)
        else:
            total = max(min(int(avail * rng.uniform(0.1, 0.9)), avail - 1), 8 * (len(flow) + 1))
        gap = max(1, min(rng.randint(5, 150), total // 6))  # from the decision to the conclusion
        span = total - gap
        self.shift_at, self.shift, self.pause_dropped = None, 0, False
        if fate.pause:
            self.plan_pause(start, int(span * rng.uniform(0.15, 0.7)))
        if fate.extend:
            self.later(self.minute(start, min(int(avail * rng.uniform(0.4, 0.85)), span - 1)), self.extend)
        if fate.outcome in ("withdraw", "refuse6", "forward4"):
            self.later(self.minute(start, int(span * rng.uniform(0.1, 0.8))), self.end_early)
        self.run_steps(start, flow, span)
        end = self.minute(start, total)
        self.conclude(end, self.result_code())
        return end

    def minute(self, start: int, a: int) -> int:
        """Active time ``a`` after ``start`` as a minute of the line: a pause pushes what follows."""
        return start + a + (self.shift if self.shift_at is not None and a > self.shift_at else 0)

    def run_steps(self, start: int, flow: list[dict], span: int) -> None:
        weights = [max(float(spec.get("limit") or 0), 0.25) for spec in flow]
        total = sum(weights)
        bounds = [0]
        for w in weights:
            bounds.append(bounds[-1] + max(2, int(span * w / total)))
        reject_at = self.rng.randrange(len(flow)) if self.fate.outcome == "reject" else None
        for k, spec in enumerate(flow):
            if k > 0:
                self.step = self.life.start_step(spec, self.at(self.minute(start, bounds[k])), self.last_signer,
                                                 round_no=k + 1)  # fmt: skip
            outcome = "reject" if k == reject_at else "approve"
            self.sign_step(start, bounds[k], bounds[k + 1], outcome)
            if outcome == "reject":
                self.life.end_step(self.step, StepState.REJECTED, self.last_at, "reject")
                self.decide(self.last_at, self.last_signer, Decision.REJECT, task=self.last_task)
                return
            self.life.end_step(self.step, StepState.PASSED, self.last_at, "approve")
        self.decide(self.last_at, self.last_signer, Decision.APPROVE, task=self.last_task)

    def sign_step(self, start: int, a0: int, a1: int, outcome: str) -> None:
        step, rng = self.step, self.rng
        tasks = self.life.tasks_of(step)
        any_mode = step.mode == CountersignMode.ANY
        signers = [self.world.signer(t.department_id, step.role, rng) for t in tasks]
        ends = sorted(rng.randint(a0 + 1, max(a0 + 1, a1)) for _ in tasks[1:]) + [max(a1, a0 + 2)]
        order = list(range(len(tasks)))
        rng.shuffle(order)
        deciding = order[-1]
        for i, k in enumerate(order):
            task, staff = tasks[k], signers[k]
            if any_mode and k != deciding:
                continue  # another seat approved first; this task is cancelled with the step
            done = ends[i] if not any_mode else ends[-1]
            opened = min(done - 1, a0 + rng.randint(1, max(1, (a1 - a0) // 3)))
            self.life.open_task(task, self.at(self.minute(start, max(a0 + 1, opened))), staff)
            opinion = outcome if k == deciding else "approve"
            comment = rng.choice(texts.comments(step.role, opinion))
            self.last_at = self.at(self.minute(start, done))
            self.life.complete_task(task, self.last_at, staff, opinion=opinion, comment=comment)
            self.last_signer, self.last_task = staff, task

    def decide(self, at, actor, decision: str, *, task=None, note: str = "") -> None:
        def set_decision(c, when):
            c.decision, c.decided_at = decision, when
            if decision == Decision.APPROVE:  # 行政许可法 Art. 44
                c.delivery_due_at = workdays.due_instant(when, DELIVERY_WORKDAYS, "workday")

        step = getattr(self, "step", None) if task is not None else None
        self.life.move(A.DECIDE, at, actor, clock_step=set_decision, note=note or str(Decision(decision).label),
                       step=step, task=task)  # fmt: skip
        if step is not None and step.role == Role.CHIEF and getattr(actor, "role", "") == Role.CHIEF:
            grant = self.world.delegation(actor, at.date())
            if grant is not None:
                self.life.rows.seals.append(SealUse(
                    case=self.case, document=DECISION_DOCUMENTS[decision], department=self.case.item.department,
                    staff=actor, delegation=grant, used_at=at,
                ))  # fmt: skip

    # --- side events ------------------------------------------------------------------------------------

    def plan_pause(self, start: int, a: int) -> None:
        rng = self.rng
        kind = self.fate.pause
        days = rng.randint(1, 8) if kind == "supplement" else rng.randint(3, 15)
        self.shift_at, self.shift = a, days * DAY
        begin = self.minute(start, a)
        self.later(begin, self.supplement_start if kind == "supplement" else self.special_start)
        self.later(begin + self.shift, self.supplement_end if kind == "supplement" else self.special_end)

    def paused_in_time(self) -> bool:
        """A pause planned after the decision (an early rejection) is dropped with its end."""
        self.pause_dropped = self.case.state != CaseState.ACCEPTED
        return not self.pause_dropped

    def supplement_start(self, m: int) -> None:
        if not self.paused_in_time():
            return
        names = self.missing()

        def pause(c, when):
            c.acceptance_deadline = None
            clocks.pause(c, reason="补正", at=when)

        at = self.life.when(m)
        self.life.move(A.REQUEST_SUPPLEMENT, at, self.clerk, note="、".join(names), clock_step=pause)
        self.supplement_notice(at, names)

    def supplement_end(self, m: int) -> None:
        if self.pause_dropped:
            return
        end = self.fate.pause_end
        if end == "withdraw":
            self.withdraw(m, self.withdrawer())
        if end == "returned":
            self.conclude(m, ResultCode.RETURNED, reason=texts.RETURNED)
            raise Stop

        def received(c, when):
            clocks.resume(c, at=when)

        self.life.move(A.SUPPLEMENT_RECEIVED, self.life.when(m), self.clerk, clock_step=received)

    def special_start(self, m: int) -> None:
        if not self.paused_in_time():
            return
        rng = self.rng
        kind = rng.choice(texts.special_kinds(self.info))
        label = str(SpecialProcedure.Kind(kind).label)
        reason = texts.SPECIAL_REASONS[kind]
        actual = self.shift // DAY
        # A few run past the duration announced to the applicant: a supervision anomaly to show.
        announced = actual if rng.random() < 0.85 else max(1, actual - rng.randint(1, 3))
        at = self.life.when(m)
        actor = self.world.signer(self.case.item.department_id, Role.APPROVER, rng)
        self.life.move(A.SPECIAL_START, at, actor, note=f"{label}：{reason}",
                       clock_step=lambda c, when: clocks.pause(c, reason=label, at=when))  # fmt: skip
        end_at = workdays.due_instant(at, announced, "workday")
        self.life.special = SpecialProcedure(
            case=self.case, kind=kind, reason=reason, announced_workdays=announced, started_at=at,
            announced_end_at=end_at, started_by=actor.user,
        )  # fmt: skip
        self.life.rows.specials.append(self.life.special)
        self.life.notice(Notice.Kind.SPECIAL, at, actor, {
            "special_kind": kind, "special_kind_label": label, "reason": reason, "announced_workdays": str(announced),
            "started_at": at.isoformat(), "announced_end_at": end_at.isoformat(),
        })  # fmt: skip
        self.special_actor = actor

    def special_end(self, m: int) -> None:
        if self.pause_dropped:
            return
        at = self.life.when(m)
        self.life.move(A.SPECIAL_END, at, self.special_actor,
                       clock_step=lambda c, when: clocks.resume(c, at=when))  # fmt: skip
        self.life.special.ended_at, self.life.special.ended_by = at, self.special_actor.user

    def extend(self, m: int) -> None:
        case, rng = self.case, self.rng
        if case.state != CaseState.ACCEPTED:
            return  # paused at that very minute: no extension needed while the clocks stand still
        legal = self.info.item.legal_limit
        amount = 15 if self.info.item.legal_limit_unit == LimitUnit.WORKDAY and legal == 45 else 10
        actor = self.world.signer(case.item.department_id, Role.APPROVER, rng)
        chief = self.world.head(case.item.department_id, rng)
        reason = rng.choice(texts.EXTENSIONS)
        at = self.life.when(m)
        self.life.rows.extensions.append(Extension(
            case=case, workdays=amount, reason=reason, requested_by=actor.user, approved_by=chief.user, at=at,
        ))  # fmt: skip

        def extend(c, when):
            c.extension_workdays = amount

        self.life.move(A.EXTEND, at, actor, note=reason, clock_step=extend)
        self.life.notice(Notice.Kind.EXTENSION, at, actor, {
            "workdays": str(amount), "reason": reason, "approver_name": chief.name,
            "legal_due_at": case.legal_due_at.isoformat(), "promised_due_at": case.promised_due_at.isoformat(),
        })  # fmt: skip

    def end_early(self, m: int) -> None:
        outcome = self.fate.outcome
        if self.case.state != CaseState.ACCEPTED:
            return  # paused meanwhile: the plan's early end is dropped
        if outcome == "withdraw":
            self.withdraw(m, self.withdrawer())
        code = ResultCode.REFUSED if outcome == "refuse6" else ResultCode.FORWARDED
        self.conclude(m, code, reason=self.rng.choice(texts.EARLY_ENDS[outcome]))
        raise Stop

    def fulfil(self, m: int) -> None:
        undertaking = self.life.undertaking
        if undertaking is None or undertaking.state != Undertaking.State.OPEN:
            return
        if self.case.state in (CaseState.REFUSED, CaseState.WITHDRAWN, CaseState.REVOKED):
            return
        at = self.life.when(m)
        note = "、".join(undertaking.owed)
        undertaking.state, undertaking.closed_at = Undertaking.State.FULFILLED, at
        undertaking.closed_by = self.clerk.user
        self.life.event("undertaking_fulfil", at, self.clerk, note=note)
