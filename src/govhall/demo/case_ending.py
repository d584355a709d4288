"""The end of a case in the replay (mixed into ``case_history.Replay``): conclusion with its result
code and report status, delivery, and what may follow — a commitment verified (or found false),
a revocation."""

from govhall.cases.models import (
    AcceptanceMode,
    Channel,
    Decision,
    DeliveryMethod,
    Notice,
    ResultCode,
    Undertaking,
)
from govhall.cases.processing import DELIVERY_WORKDAYS
from govhall.cases.states import Action, CaseState
from govhall.core import workdays
from govhall.demo import case_texts as texts
from govhall.demo.case_time import DAY
from govhall.org.models import Role

A = Action


class Ending:
    """Conclusion, delivery and after, for ``case_history.Replay``."""

    def result_code(self) -> int:
        return ResultCode.CERTIFICATE if self.case.decision == Decision.APPROVE else ResultCode.NOT_PERMITTED

    def conclude(self, m: int, code: int, *, reason: str = "", instant: bool = False) -> None:
        """decisions._conclude: result, report status 11/12/13, clocks stopped, the notice."""
        case, rng = self.case, self.rng
        at = self.at(m)
        number, valid = "", None
        if code == ResultCode.CERTIFICATE:
            number = texts.certificate_number(case.item.department, at.date(), self.life.rows.certificates)
            valid = at.date().replace(year=at.date().year + rng.choice((3, 5, 5)))
        elif code == ResultCode.NOT_PERMITTED and not reason:
            reason = self.last_comment() if not instant else rng.choice(texts.NOT_PERMITTED)
        owed = (
            case.acceptance_mode == AcceptanceMode.TOLERANT
            and self.life.undertaking is not None
            and self.life.undertaking.state == Undertaking.State.OPEN
        )
        status = (12 if owed else 11) if code == ResultCode.CERTIFICATE else 13

        def finish(c, when):
            if instant:
                c.decision = Decision.APPROVE if code == ResultCode.CERTIFICATE else Decision.REJECT
                c.decided_at = when
                if code == ResultCode.CERTIFICATE:
                    c.delivery_due_at = workdays.due_instant(when, DELIVERY_WORKDAYS, "workday")
            c.result_code, c.result_reason = code, reason
            c.certificate_no, c.certificate_valid_until = number, valid
            c.concluded_at, c.concluded_by = when, self.clerk.user
            self.life.end_case(c, when, self.clerk)

        self.life.move(
            A.CONCLUDE, at, self.clerk, note=reason or number, clock_step=finish, report_status=status
        )
        self.life.notice(Notice.Kind.CONCLUSION, at, self.clerk, {
            "result_code": int(code), "result_label": str(ResultCode(code).label), "reason": reason,
            "certificate_no": number, "certificate_valid_until": valid.isoformat() if valid else None,
            "concluded_at": at.isoformat(), "decision": case.decision,
        })  # fmt: skip

    def last_comment(self) -> str:
        task = getattr(self, "last_task", None)
        return task.comment if task is not None and task.opinion == "reject" else texts.NOT_PERMITTED[0]

    def deliver(self, m: int) -> None:
        case, plan, rng = self.case, self.plan, self.rng
        by_post = plan.channel == Channel.POST or (case.item.express and plan.channel == Channel.ONLINE
                                                     and rng.random() < 0.5)  # fmt: skip
        method = DeliveryMethod.POST if by_post else DeliveryMethod.WINDOW
        recipient = ""
        if method == DeliveryMethod.WINDOW:
            recipient = plan.receiver.name if plan.channel == Channel.AGENCY else (
                plan.applicant.operator or plan.applicant.name)  # fmt: skip
        tracking = texts.tracking_number(rng) if method == DeliveryMethod.POST else ""
        at = self.at(m)

        def deliver(c, when):
            c.delivered_at, c.delivery_method = when, method
            c.recipient_name, c.tracking_no = recipient, tracking

        self.life.move(A.DELIVER, at, self.clerk, note=recipient or tracking, clock_step=deliver)
        self.life.notice(Notice.Kind.DELIVERY, at, self.clerk, {"method": method, "recipient_name": recipient,
                                                                "tracking_no": tracking, "delivered_at": at.isoformat()})  # fmt: skip

    def after(self, m: int) -> None:
        case, rng = self.case, self.rng
        if case.state == CaseState.CONCLUDED and case.result_code == ResultCode.CERTIFICATE:
            due = self.line.minute_before(case.delivery_due_at)
            wait = rng.randint(10, DAY) if self.plan.channel == Channel.POST else rng.randint(30, 4 * DAY)
            m = min(m + wait, max(m + 1, due))
            self.deliver(m)
        self.flush()
        undertaking = self.life.undertaking
        committed = undertaking is not None and undertaking.kind == AcceptanceMode.COMMITMENT
        if committed and case.result_code == ResultCode.CERTIFICATE:  # checked later (告知承诺)
            self.verify(m + rng.randint(5 * DAY, 40 * DAY))
        elif self.fate.revoke and case.state == CaseState.DELIVERED:
            self.revoke(m + rng.randint(10 * DAY, 60 * DAY), rng.choice(texts.REVOCATIONS))

    def verify(self, m: int) -> None:
        undertaking, rng = self.life.undertaking, self.rng
        truthful = not self.fate.revoke
        actor = self.world.signer(self.case.item.department_id, Role.APPROVER, rng)
        at = self.at(m)
        note = rng.choice(texts.VERIFIED) if truthful else rng.choice(texts.FALSE_COMMITMENTS)
        undertaking.state = Undertaking.State.FULFILLED if truthful else Undertaking.State.FALSE
        undertaking.closed_at, undertaking.closed_by, undertaking.note = at, actor.user, note
        self.life.event("commitment_verify", at, actor, note=note)
        if not truthful:
            self.revoke(m, f"告知承诺经核查不实：{note}", actor=actor)

    def revoke(self, m: int, reason: str, actor=None) -> None:
        actor = actor or self.world.signer(self.case.item.department_id, Role.CHIEF, self.rng)
        self.life.move(A.REVOKE, self.at(m), actor, note=reason,
                       clock_step=lambda c, when: self.life.end_case(c, when, actor))  # fmt: skip
