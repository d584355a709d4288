"""Case states and the transition table (DESIGN.md mechanism 2; RULES.md "Cases").

Only services move a state: they look the move up here, so an illegal move is refused before
anything is written.
"""

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from govhall.cases.errors import IllegalTransition


class CaseState(models.TextChoices):
    DRAFT = "draft", gettext_lazy("草稿")  # online filing not yet submitted (not used by intake yet)
    SUBMITTED = "submitted", gettext_lazy("已收件")  # received; Art. 32 five-day window running
    SUPPLEMENT_REQUESTED = "supplement_requested", gettext_lazy("待补正")  # one-time notice at intake
    ACCEPTED = "accepted", gettext_lazy("已受理")  # legal and promised clocks running
    IN_SUPPLEMENT = "in_supplement", gettext_lazy("补齐补正中")  # after acceptance; clocks paused
    REFUSED = "refused", gettext_lazy("不予受理")  # refused at intake, with reasons; final
    WITHDRAWN = "withdrawn", gettext_lazy("已撤回")  # withdrawn by the applicant; final
    CONCLUDED = "concluded", gettext_lazy("已办结")  # decided (later slice); final


class Action(models.TextChoices):
    ACCEPT = "accept", gettext_lazy("受理")
    DEEM_ACCEPT = "deem_accept", gettext_lazy("视为受理")
    REFUSE = "refuse", gettext_lazy("不予受理")
    REQUEST_SUPPLEMENT = "request_supplement", gettext_lazy("一次性告知补正")
    SUPPLEMENT_RECEIVED = "supplement_received", gettext_lazy("补正材料已收")
    WITHDRAW = "withdraw", gettext_lazy("撤回")


S, A = CaseState, Action
TRANSITIONS: dict[tuple[str, str], str] = {
    (S.SUBMITTED, A.ACCEPT): S.ACCEPTED,
    (S.SUBMITTED, A.DEEM_ACCEPT): S.ACCEPTED,  # 行政许可法 Art. 32: no decision in 5 working days
    (S.SUBMITTED, A.REFUSE): S.REFUSED,
    (S.SUBMITTED, A.REQUEST_SUPPLEMENT): S.SUPPLEMENT_REQUESTED,
    (S.SUBMITTED, A.WITHDRAW): S.WITHDRAWN,
    (S.SUPPLEMENT_REQUESTED, A.SUPPLEMENT_RECEIVED): S.SUBMITTED,
    (S.SUPPLEMENT_REQUESTED, A.REFUSE): S.REFUSED,
    (S.SUPPLEMENT_REQUESTED, A.WITHDRAW): S.WITHDRAWN,
    (S.ACCEPTED, A.REQUEST_SUPPLEMENT): S.IN_SUPPLEMENT,
    (S.ACCEPTED, A.WITHDRAW): S.WITHDRAWN,
    (S.IN_SUPPLEMENT, A.SUPPLEMENT_RECEIVED): S.ACCEPTED,
    (S.IN_SUPPLEMENT, A.WITHDRAW): S.WITHDRAWN,
}

# Reporting status codes (RULES.md "Cases", 1–15) written for each move.
REPORT_STATUS: dict[tuple[str, str], int] = {
    (S.SUBMITTED, A.ACCEPT): 3,
    (S.SUBMITTED, A.DEEM_ACCEPT): 3,
    (S.SUBMITTED, A.REFUSE): 4,  # not accepted (不予受理)
    (S.SUPPLEMENT_REQUESTED, A.REFUSE): 4,
    (S.SUBMITTED, A.REQUEST_SUPPLEMENT): 6,
    (S.ACCEPTED, A.REQUEST_SUPPLEMENT): 6,
    (S.SUPPLEMENT_REQUESTED, A.SUPPLEMENT_RECEIVED): 7,
    (S.IN_SUPPLEMENT, A.SUPPLEMENT_RECEIVED): 7,
    (S.SUBMITTED, A.WITHDRAW): 2,  # withdrawn before acceptance
    (S.SUPPLEMENT_REQUESTED, A.WITHDRAW): 2,
    (S.ACCEPTED, A.WITHDRAW): 14,
    (S.IN_SUPPLEMENT, A.WITHDRAW): 14,
}
REPORT_RECEIVED = 1


# Moves only the system makes (the Art. 32 sweep); never offered to a person or an API caller.
SYSTEM_ACTIONS: frozenset[str] = frozenset({A.DEEM_ACCEPT})


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
