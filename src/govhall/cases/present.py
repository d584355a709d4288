"""What the pages and the API show of a case: clock colours, steps with their tasks, the timeline,
the actions a viewer may take. Reads only (STYLE.md: selectors); no page or API logic here.

Colours follow RULES.md "Supervision": normal / yellow (remaining ≤ 20 % of the limit or ≤ 1
working day) / red (overdue); every colour also has a text label, never colour alone.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from govhall.cases import actions, clocks, selectors
from govhall.cases.models import (
    AcceptanceMode,
    Case,
    Extension,
    Notice,
    StepTask,
    SupplementNotice,
    Undertaking,
)
from govhall.cases.states import Action, CaseState, StepState, TaskState
from govhall.core import masking, workdays
from govhall.core.errors import DomainError, NotFound, PermissionDenied
from govhall.core.masking import mask_name

STATUS_LABELS = {
    "normal": gettext_lazy("正常"),
    "yellow": gettext_lazy("黄牌预警"),
    "red": gettext_lazy("红牌超期"),
    "paused": gettext_lazy("暂停计时"),
    "stopped": gettext_lazy("已停止计时"),
    "waiting": gettext_lazy("等待申请人"),
    "none": gettext_lazy("未计时"),
}
WARN_WORKDAYS = Decimal("1")
EVENT_LABELS = {
    "submit": gettext_lazy("提交申请"),
    "step_start": gettext_lazy("进入环节"),
    "step_open": gettext_lazy("签收"),
    "step_complete": gettext_lazy("办理完成"),
    "step_copy_read": gettext_lazy("已阅抄送"),
    "undertaking_fulfil": gettext_lazy("容缺材料已补齐"),
    "commitment_verify": gettext_lazy("核查告知承诺"),
}
_Q = Decimal("0.01")


FORM_GENERIC_LABELS = ("联系地址", "申请说明", "电子邮箱", "联系人")


def _masked(kind: str, value: str) -> str:
    if kind == "id_number":
        return masking.mask_id_number(value)
    if kind == "mobile":
        return masking.mask_mobile(value)
    return value


def form_rows(form_data: dict) -> list[dict]:
    """What the applicant filled in (the item's form fields, then the generic ones), as
    {label, value} rows for the case pages; ID numbers, mobiles and e-mail addresses masked."""
    if not isinstance(form_data, dict):
        return []
    rows = []
    for label in FORM_GENERIC_LABELS:
        if form_data.get(label):
            value = str(form_data[label])
            rows.append(
                {"label": label, "value": masking.mask_email(value) if label == "电子邮箱" else value}
            )
    for entry in form_data.get("fields") or []:
        if isinstance(entry, dict) and entry.get("label"):
            value = str(entry.get("value") or "")
            rows.append(
                {"label": entry["label"], "value": _masked(entry.get("type", ""), value) if value else "—"}
            )
    return rows


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def workdays_between(start: dt.datetime, end: dt.datetime) -> Decimal | None:
    """Working days from ``start`` to ``end`` (negative when ``end`` is earlier); None off-calendar."""
    try:
        delta = workdays.worktime_at(end) - workdays.worktime_at(start)
    except DomainError:
        return None
    return (Decimal(delta) / workdays.DAY_US).quantize(_Q)


def due_status(due: dt.datetime | None, warn: dt.datetime | None, now: dt.datetime) -> str:
    """normal / yellow / red for a stored deadline; without a warning instant, yellow within a day."""
    if due is None:
        return "none"
    if now >= due:
        return "red"
    if warn is not None:
        return "yellow" if now >= warn else "normal"
    left = workdays_between(now, due)
    return "yellow" if left is not None and left <= WARN_WORKDAYS else "normal"


def case_clocks(case: Case, now: dt.datetime) -> dict:
    """The promised clock's summary (used / left in working days) with a colour, or the Art. 32
    acceptance window before acceptance."""
    try:
        summary = clocks.summary(case, now)
    except DomainError:
        summary = {}
    if summary:
        status = summary["status"]
        return summary | {"status": status, "status_label": status_label(status), "accepted": True}
    due = case.acceptance_deadline or case.pre_review_due_at
    status = due_status(due, None, now) if due else "none"
    if case.state == CaseState.SUPPLEMENT_REQUESTED:
        status = "waiting"
    left = workdays_between(now, due) if due else None
    return {
        "accepted": False,
        "due_at": due,
        "left": left,
        "status": status,
        "status_label": status_label(status),
    }


# --- steps and tasks --------------------------------------------------------------------------


def case_steps(case: Case, *, now: dt.datetime, viewer_is_staff: bool) -> list[dict]:
    rows = []
    for step in selectors.case_steps(case=case):
        active = step.state == StepState.ACTIVE
        status = due_status(step.due_at, step.warn_at, now) if active else "stopped"
        if active and step.due_at is None and case.clock_paused_at:
            status = "paused"
        rows.append({
            "step": step, "status": status, "status_label": status_label(status),
            "left": workdays_between(now, step.due_at) if active and step.due_at else None,
            "tasks": [_task_row(t, viewer_is_staff) for t in step.tasks.all()],
        })  # fmt: skip
    return rows


def person_name(user, *, viewer_is_staff: bool) -> str:
    if user is None:
        return ""
    name = user.real_name or user.username
    return name if viewer_is_staff else mask_name(name)


def _task_row(task: StepTask, viewer_is_staff: bool) -> dict:
    return {
        "task": task,
        "holder": person_name(task.assignee, viewer_is_staff=viewer_is_staff)
        or (task.department.name if task.department else ""),
        "done_by": person_name(task.done_by, viewer_is_staff=viewer_is_staff),
        "comment": task.comment if viewer_is_staff else "",
        "state_label": _choice_label(TaskState, task.state),
        "opinion_label": {"approve": _("同意"), "reject": _("不同意")}.get(task.opinion, ""),
    }


def _choice_label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


# --- timeline ---------------------------------------------------------------------------------


def event_label(action: str) -> str:
    if action in EVENT_LABELS:
        return str(EVENT_LABELS[action])
    try:
        return str(Action(action).label)
    except ValueError:
        pass
    return actions.label(action.removeprefix("step_"))


def actor_name(event, *, viewer_is_staff: bool, public: bool) -> str:
    if event.actor_id is None:
        return _("系统")
    if public:  # the public lookup never names anyone: only who acted, by role
        if event.actor_id == event.case.applicant_id:
            return _("申请人")
        return _("代办员") if event.actor_id == event.case.agent_id else _("工作人员")
    return person_name(event.actor, viewer_is_staff=viewer_is_staff)


def _parse(value):
    return dt.datetime.fromisoformat(value) if isinstance(value, str) and value else None


def clock_effect_text(effect: dict, previous: dict) -> str:
    """What an event did to the clocks, in words: new deadlines, a pause, a resume, a stop."""
    parts = []
    if effect.get("stopped") and not previous.get("stopped"):
        parts.append(_("停止计时"))
    if effect.get("paused") and not previous.get("paused"):
        parts.append(_("暂停计时"))
    elif previous.get("paused") and not effect.get("paused"):
        parts.append(_("恢复计时"))
    for key, text in (("promised_due_at", _("承诺期限至%s")), ("legal_due_at", _("法定期限至%s"))):
        value = _parse(effect.get(key))
        if value and effect.get(key) != previous.get(key):
            parts.append(text % value.astimezone().strftime("%Y-%m-%d %H:%M"))
    return "；".join(parts)


def case_timeline(case: Case, *, viewer_is_staff: bool, public: bool = False) -> list[dict]:
    rows, previous = [], {}
    for e in selectors.case_timeline(case=case):
        e.case = case  # the roles of the public view compare with the case's parties
        effect = e.clock_effect or {}
        step_event = e.step_id is not None or e.task_id is not None
        rows.append({
            "action": e.action, "action_label": event_label(e.action), "at": e.at,
            "from_state": e.from_state, "to_state": e.to_state,
            "state_label": _choice_label(CaseState, e.to_state) if e.to_state else "",
            # Internal opinions of steps stay inside; the applicant's own facts (reasons, materials) show.
            "note": "" if public and step_event else e.note,
            "actor": actor_name(e, viewer_is_staff=viewer_is_staff, public=public),
            "clock_effect": effect if not public else {},
            "clock_text": clock_effect_text(effect, previous) if effect else "",
        })  # fmt: skip
        previous = effect or previous
    return rows


# --- what the viewer may do -------------------------------------------------------------------


_UNKNOWN = object()


def case_allowed(case: Case, user, *, open_undertaking=_UNKNOWN) -> list[str]:
    """Actions ``user`` may take on ``case`` (permissions.case_allowed_actions), plus the undertaking
    actions while one is open and the page offers them."""
    from govhall.cases import permissions

    names = list(permissions.case_allowed_actions(case=case, user=user))
    if case.state in (CaseState.REFUSED, CaseState.WITHDRAWN, CaseState.REVOKED):
        return names
    kind = open_undertaking
    if kind is _UNKNOWN:
        undertaking = Undertaking.objects.filter(case=case, state=Undertaking.State.OPEN).first()
        kind = undertaking.kind if undertaking else None
    if kind is not None:
        try:
            permissions.require("undertaking", case=case, actor=user)
        except PermissionDenied:
            return names
        tolerant = kind == AcceptanceMode.TOLERANT
        names.append("undertaking_fulfil" if tolerant else "commitment_verify")
    return names


# --- notices ----------------------------------------------------------------------------------


def notice_of(case: Case, notice_number: str) -> Notice:
    notice = Notice.objects.filter(case=case, number=(notice_number or "").strip()).first()
    if notice is None:
        raise NotFound(_("文书不存在。"), code="cases.notice_not_found")
    return notice


def notice_pdf_response(notice: Notice, *, public: bool) -> HttpResponse:
    """The notice as a PDF (personal data masked when ``public``); never cached by a proxy."""
    from govhall.cases.notices import notice_pdf  # rendering is built alongside (helper C)

    response = HttpResponse(notice_pdf(notice=notice, public=public), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{notice.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


def cases_allowed(cases: list[Case], user) -> dict[int, list[str]]:
    """``case_allowed`` for a page of cases with a query count that does not grow with the page.

    The answer depends only on the facts the selector reads: the state, the item, the site, whether
    the viewer is the applicant or the agent, a one-time notice, an extension, an open undertaking.
    Those facts are read for the whole page at once (three queries), and cases sharing all of them
    share one answer, so the selector runs once per group rather than once per case.
    """
    ids = [c.pk for c in cases]
    if not ids:
        return {}
    noticed = set(SupplementNotice.objects.filter(case_id__in=ids).values_list("case_id", flat=True))
    extended = set(Extension.objects.filter(case_id__in=ids).values_list("case_id", flat=True))
    open_kind = dict(
        Undertaking.objects.filter(case_id__in=ids, state=Undertaking.State.OPEN).values_list(
            "case_id", "kind"
        )
    )
    pk = getattr(user, "pk", None)
    answers: dict[tuple, list[str]] = {}
    result = {}
    for case in cases:
        key = (
            case.state, case.item_id, case.site_id, case.applicant_id == pk, case.agent_id == pk,
            case.pk in noticed, case.pk in extended, open_kind.get(case.pk),
        )  # fmt: skip
        if key not in answers:
            answers[key] = case_allowed(case, user, open_undertaking=open_kind.get(case.pk))
        result[case.pk] = answers[key]
    return result
