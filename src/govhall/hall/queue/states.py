"""Ticket states and the transition table (RULES.md "Hall"; DESIGN.md mechanism 2).

Only the services in ``services.py`` and ``calling.py`` move a ticket: they look the move up here
first, so an illegal move is refused before anything is written.
"""

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from govhall.core.errors import Conflict


class TicketState(models.TextChoices):
    WAITING = "waiting", gettext_lazy("等候中")  # issued, in its business's queue
    CALLED = "called", gettext_lazy("已叫号")  # called to a window, the person is on the way
    SERVING = "serving", gettext_lazy("办理中")  # the person is at the window
    DONE = "done", gettext_lazy("已办结")  # served; final (the pad asks for a rating)
    NO_SHOW = "no_show", gettext_lazy("过号")  # called and did not come; final
    TRANSFERRED = "transferred", gettext_lazy("已转移")  # waits again, at another window or business
    SUSPENDED = "suspended", gettext_lazy("挂起")  # set aside at the window (e.g. fetching a copy)


class Lane(models.IntegerChoices):
    """Calling order (RULES.md "Hall"): the lower lane is called first."""

    GREEN = 0, gettext_lazy("绿色通道")
    APPOINTMENT = 1, gettext_lazy("预约（准时到达）")
    ELDERLY = 2, gettext_lazy("60岁以上")
    ORDINARY = 3, gettext_lazy("普通")


class TicketAction(models.TextChoices):
    CALL = "call", gettext_lazy("叫号")
    RECALL = "recall", gettext_lazy("重呼")
    SERVE = "serve", gettext_lazy("开始办理")
    NO_SHOW = "no_show", gettext_lazy("过号")
    TRANSFER = "transfer", gettext_lazy("转移")
    SUSPEND = "suspend", gettext_lazy("挂起")
    RESUME = "resume", gettext_lazy("恢复办理")
    FINISH = "finish", gettext_lazy("办结")
    EXPIRE = "expire", gettext_lazy("隔日自动关闭")  # the nightly sweep (sweep.py), never a person


S, A = TicketState, TicketAction
TRANSITIONS: dict[tuple[str, str], str] = {
    (S.WAITING, A.CALL): S.CALLED,
    (S.TRANSFERRED, A.CALL): S.CALLED,
    (S.CALLED, A.RECALL): S.CALLED,
    (S.CALLED, A.SERVE): S.SERVING,
    (S.CALLED, A.NO_SHOW): S.NO_SHOW,
    (S.CALLED, A.TRANSFER): S.TRANSFERRED,
    (S.SERVING, A.TRANSFER): S.TRANSFERRED,
    (S.SERVING, A.SUSPEND): S.SUSPENDED,
    (S.SUSPENDED, A.RESUME): S.SERVING,
    (S.SERVING, A.FINISH): S.DONE,
    # Tickets of an earlier day still open (sweep.py): whoever was not served is a no-show; a
    # sitting left "serving" overnight ended (done, no rating asked), which frees the window.
    (S.WAITING, A.EXPIRE): S.NO_SHOW,
    (S.TRANSFERRED, A.EXPIRE): S.NO_SHOW,
    (S.CALLED, A.EXPIRE): S.NO_SHOW,
    (S.SUSPENDED, A.EXPIRE): S.NO_SHOW,
    (S.SERVING, A.EXPIRE): S.DONE,
}
# States a ticket is "in the queue" in: the one-ticket-per-ID rule and the daily cap count them.
ACTIVE_STATES = (S.WAITING, S.TRANSFERRED, S.CALLED, S.SERVING, S.SUSPENDED)
CALLABLE_STATES = (S.WAITING, S.TRANSFERRED)
# A window holds at most one ticket in these states: the person it is calling or serving.
CURRENT_STATES = (S.CALLED, S.SERVING)


class IllegalTicketMove(Conflict):
    code = "queue.illegal_transition"


# Moves only the system makes: never offered to a person (the window panel's buttons, API hints).
SYSTEM_ACTIONS = (A.EXPIRE,)


def allowed_actions(state: str) -> list[str]:
    return [
        action for (from_state, action) in TRANSITIONS if from_state == state and action not in SYSTEM_ACTIONS
    ]


def next_state(state: str, action: str) -> str:
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        raise IllegalTicketMove(
            _("号票当前状态为“%(state)s”，不能执行“%(action)s”。")
            % {"state": TicketState(state).label, "action": TicketAction(action).label},
            state=state,
            allowed=allowed_actions(state),
        ) from None
