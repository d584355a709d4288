"""Case states and the transition table (DESIGN.md mechanism 2; RULES.md "Cases").

Only services move a state: they look the move up here, so an illegal move is refused before
anything is written.
"""

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from govhall.cases.errors import IllegalTransition


class CaseState(models.TextChoices):
    PRE_REVIEW = "pre_review", gettext_lazy("网上预审中")  # online filing awaiting the item's reviewer
    PRE_REVIEW_RETURNED = "pre_review_returned", gettext_lazy("预审退回")  # returned with reasons
    SUBMITTED = "submitted", gettext_lazy("已收件")  # received; Art. 32 five-day window running
    SUPPLEMENT_REQUESTED = "supplement_requested", gettext_lazy("待补正")  # one-time notice at intake
    ACCEPTED = "accepted", gettext_lazy("已受理")  # accepted: steps run, legal and promised clocks run
    IN_SUPPLEMENT = "in_supplement", gettext_lazy("补齐补正中")  # after acceptance; clocks paused
    SUSPENDED = "suspended", gettext_lazy("特别程序中")  # Art. 45 special procedure; clocks paused
    DECIDED = "decided", gettext_lazy("已决定待办结")  # the last step decided; conclusion pending
    CONCLUDED = "concluded", gettext_lazy("已办结")  # with a result code
    DELIVERED = "delivered", gettext_lazy("已送达")  # result handed over or posted; final
    REFUSED = "refused", gettext_lazy("不予受理")  # refused at intake, with reasons; final
    WITHDRAWN = "withdrawn", gettext_lazy("已撤回")  # withdrawn by the applicant; final
    REVOKED = "revoked", gettext_lazy("已撤销")  # false commitment / tolerant undertaking broken; final


FINAL_STATES = frozenset({CaseState.DELIVERED, CaseState.REFUSED, CaseState.WITHDRAWN, CaseState.REVOKED})
OPEN_STATES = frozenset(
    {
        CaseState.SUBMITTED,
        CaseState.SUPPLEMENT_REQUESTED,
        CaseState.ACCEPTED,
        CaseState.IN_SUPPLEMENT,
        CaseState.SUSPENDED,
        CaseState.DECIDED,
    }
)  # fmt: skip  (clocks or the Art. 32 window running)


class Action(models.TextChoices):
    PRE_REVIEW_PASS = "pre_review_pass", gettext_lazy("预审通过")
    PRE_REVIEW_RETURN = "pre_review_return", gettext_lazy("预审退回")
    RESUBMIT = "resubmit", gettext_lazy("重新提交")
    ACCEPT = "accept", gettext_lazy("受理")
    ACCEPT_TOLERANT = "accept_tolerant", gettext_lazy("容缺受理")
    ACCEPT_COMMITMENT = "accept_commitment", gettext_lazy("告知承诺受理")
    DEEM_ACCEPT = "deem_accept", gettext_lazy("视为受理")
    REFUSE = "refuse", gettext_lazy("不予受理")
    CORRECT = "correct", gettext_lazy("当场更正")  # Art. 32(3): an error corrected on the spot
    REQUEST_SUPPLEMENT = "request_supplement", gettext_lazy("一次性告知补正")
    SUPPLEMENT_RECEIVED = "supplement_received", gettext_lazy("补正材料已收")
    SPECIAL_START = "special_start", gettext_lazy("启动特别程序")
    SPECIAL_END = "special_end", gettext_lazy("结束特别程序")
    EXTEND = "extend", gettext_lazy("延长期限")
    DECIDE = "decide", gettext_lazy("作出决定")  # the engine, when the last step finishes
    CONCLUDE = "conclude", gettext_lazy("办结")
    DELIVER = "deliver", gettext_lazy("送达")
    WITHDRAW = "withdraw", gettext_lazy("撤回")
    REVOKE = "revoke", gettext_lazy("撤销")
    EXPIRE = "expire", gettext_lazy("容缺逾期终止")  # the sweep: tolerant undertaking not kept


S, A = CaseState, Action
TRANSITIONS: dict[tuple[str, str], str] = {
    (S.PRE_REVIEW, A.PRE_REVIEW_PASS): S.SUBMITTED,
    (S.PRE_REVIEW, A.PRE_REVIEW_RETURN): S.PRE_REVIEW_RETURNED,
    (S.PRE_REVIEW, A.WITHDRAW): S.WITHDRAWN,
    (S.PRE_REVIEW_RETURNED, A.RESUBMIT): S.PRE_REVIEW,
    (S.PRE_REVIEW_RETURNED, A.WITHDRAW): S.WITHDRAWN,
    (S.SUBMITTED, A.ACCEPT): S.ACCEPTED,
    (S.SUBMITTED, A.ACCEPT_TOLERANT): S.ACCEPTED,
    (S.SUBMITTED, A.ACCEPT_COMMITMENT): S.ACCEPTED,
    (S.SUBMITTED, A.DEEM_ACCEPT): S.ACCEPTED,  # 行政许可法 Art. 32: no decision in 5 working days
    (S.SUBMITTED, A.REFUSE): S.REFUSED,
    (S.SUBMITTED, A.CORRECT): S.SUBMITTED,
    (S.SUBMITTED, A.REQUEST_SUPPLEMENT): S.SUPPLEMENT_REQUESTED,
    (S.SUBMITTED, A.WITHDRAW): S.WITHDRAWN,
    (S.SUPPLEMENT_REQUESTED, A.SUPPLEMENT_RECEIVED): S.SUBMITTED,
    (S.SUPPLEMENT_REQUESTED, A.REFUSE): S.REFUSED,
    (S.SUPPLEMENT_REQUESTED, A.WITHDRAW): S.WITHDRAWN,
    (S.ACCEPTED, A.REQUEST_SUPPLEMENT): S.IN_SUPPLEMENT,
    (S.ACCEPTED, A.SPECIAL_START): S.SUSPENDED,
    (S.ACCEPTED, A.EXTEND): S.ACCEPTED,
    (S.ACCEPTED, A.DECIDE): S.DECIDED,
    (S.ACCEPTED, A.CONCLUDE): S.CONCLUDED,  # results 2–6 (void, forwarded, returned …), instant items
    (S.ACCEPTED, A.WITHDRAW): S.WITHDRAWN,
    (S.ACCEPTED, A.REVOKE): S.REVOKED,
    (S.ACCEPTED, A.EXPIRE): S.CONCLUDED,
    (S.IN_SUPPLEMENT, A.SUPPLEMENT_RECEIVED): S.ACCEPTED,
    (S.IN_SUPPLEMENT, A.CONCLUDE): S.CONCLUDED,  # result 5: no supplement / given up
    (S.IN_SUPPLEMENT, A.WITHDRAW): S.WITHDRAWN,
    (S.IN_SUPPLEMENT, A.EXPIRE): S.CONCLUDED,
    (S.SUSPENDED, A.SPECIAL_END): S.ACCEPTED,
    (S.SUSPENDED, A.CONCLUDE): S.CONCLUDED,
    (S.SUSPENDED, A.WITHDRAW): S.WITHDRAWN,
    (S.SUSPENDED, A.EXPIRE): S.CONCLUDED,
    (S.DECIDED, A.CONCLUDE): S.CONCLUDED,
    (S.DECIDED, A.WITHDRAW): S.WITHDRAWN,
    (S.DECIDED, A.EXPIRE): S.CONCLUDED,
    (S.CONCLUDED, A.DELIVER): S.DELIVERED,
    (S.CONCLUDED, A.REVOKE): S.REVOKED,
    (S.DELIVERED, A.REVOKE): S.REVOKED,
}

# Reporting status codes (RULES.md "Cases", 1–15) written for each move; None keeps the current one.
REPORT_STATUS: dict[tuple[str, str], int | None] = {
    (S.PRE_REVIEW, A.PRE_REVIEW_PASS): 1,
    (S.PRE_REVIEW, A.PRE_REVIEW_RETURN): 1,
    (S.PRE_REVIEW_RETURNED, A.RESUBMIT): 1,
    (S.PRE_REVIEW, A.WITHDRAW): 2,
    (S.PRE_REVIEW_RETURNED, A.WITHDRAW): 2,
    (S.SUBMITTED, A.ACCEPT): 3,
    (S.SUBMITTED, A.ACCEPT_TOLERANT): 3,
    (S.SUBMITTED, A.ACCEPT_COMMITMENT): 3,
    (S.SUBMITTED, A.DEEM_ACCEPT): 3,
    (S.SUBMITTED, A.REFUSE): 4,  # not accepted (不予受理)
    (S.SUBMITTED, A.CORRECT): None,
    (S.SUPPLEMENT_REQUESTED, A.REFUSE): 4,
    (S.SUBMITTED, A.REQUEST_SUPPLEMENT): 6,
    (S.ACCEPTED, A.REQUEST_SUPPLEMENT): 6,
    (S.SUPPLEMENT_REQUESTED, A.SUPPLEMENT_RECEIVED): 7,
    (S.IN_SUPPLEMENT, A.SUPPLEMENT_RECEIVED): 7,
    (S.ACCEPTED, A.SPECIAL_START): 9,
    (S.SUSPENDED, A.SPECIAL_END): 10,
    (S.ACCEPTED, A.EXTEND): None,
    (S.ACCEPTED, A.DECIDE): 8,  # handled by the department
    # CONCLUDE: 11 approved, 12 approved under tolerant acceptance, 13 not approved — by result
    # (services.conclusion_report_status); the table holds the not-approved default.
    (S.ACCEPTED, A.CONCLUDE): 13,
    (S.IN_SUPPLEMENT, A.CONCLUDE): 13,
    (S.SUSPENDED, A.CONCLUDE): 13,
    (S.DECIDED, A.CONCLUDE): 13,
    (S.ACCEPTED, A.EXPIRE): 13,
    (S.IN_SUPPLEMENT, A.EXPIRE): 13,
    (S.SUSPENDED, A.EXPIRE): 13,
    (S.DECIDED, A.EXPIRE): 13,
    (S.CONCLUDED, A.DELIVER): None,
    (S.SUBMITTED, A.WITHDRAW): 2,  # withdrawn before acceptance
    (S.SUPPLEMENT_REQUESTED, A.WITHDRAW): 2,
    (S.ACCEPTED, A.WITHDRAW): 14,
    (S.IN_SUPPLEMENT, A.WITHDRAW): 14,
    (S.SUSPENDED, A.WITHDRAW): 14,
    (S.DECIDED, A.WITHDRAW): 14,
    (S.ACCEPTED, A.REVOKE): 15,
    (S.CONCLUDED, A.REVOKE): 15,
    (S.DELIVERED, A.REVOKE): 15,
}
REPORT_RECEIVED = 1


class StepState(models.TextChoices):
    ACTIVE = "active", gettext_lazy("办理中")
    PASSED = "passed", gettext_lazy("已通过")
    REJECTED = "rejected", gettext_lazy("未通过")
    RETURNED = "returned", gettext_lazy("已退回")  # sent back to an earlier step
    WITHDRAWN = "withdrawn", gettext_lazy("已撤回")  # the previous step's holder took it back
    CANCELLED = "cancelled", gettext_lazy("已终止")  # the case ended (withdrawn, concluded early …)


class TaskState(models.TextChoices):
    WAITING = "waiting", gettext_lazy("待前序完成")  # sequential, or waiting for signers added before
    PENDING = "pending", gettext_lazy("待办")
    DELEGATED = "delegated", gettext_lazy("已委派")  # comes back to its holder when the delegate is done
    DONE = "done", gettext_lazy("已办")
    TRANSFERRED = "transferred", gettext_lazy("已转办")
    CANCELLED = "cancelled", gettext_lazy("已取消")  # removed (减签), or the step ended without it


# Moves only the system makes (the Art. 32 sweep); never offered to a person or an API caller.
SYSTEM_ACTIONS: frozenset[str] = frozenset({A.DEEM_ACCEPT, A.DECIDE, A.EXPIRE})


def allowed_actions(state: str) -> list[str]:
    """What a person may do next in ``state`` (system-only moves left out)."""
    return [a for (from_state, a) in TRANSITIONS if from_state == state and a not in SYSTEM_ACTIONS]


def next_state(state: str, action: str) -> str:
    """The state after ``action``; raises IllegalTransition naming the state and what is allowed."""
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        allowed = allowed_actions(state)
        names = "、".join(str(Action(a).label) for a in allowed) or _("无")
        raise IllegalTransition(
            _("办件当前状态为“%(state)s”，不能执行“%(action)s”；可执行的操作：%(allowed)s。")
            % {"state": CaseState(state).label, "action": Action(action).label, "allowed": names},
            state=state,
            action=action,
            allowed_actions=allowed,
        ) from None
