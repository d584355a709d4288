"""我的待办 — the staff workbench at /cases/work/.

Rows are the step tasks the user may work (processing.tasks_for) and, for window clerks and chief
representatives, the window work in their scope (pre-review, the Art. 32 decision, conclusion,
delivery), ordered by the instant each is due (soonest first, no deadline last). The two lists
are merged page by page: each is read in due order up to the page's end, so a page costs two
bounded queries whatever the backlog.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import Case as DbCase
from django.db.models import F, Q, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from govhall.cases import present, scopes, selectors
from govhall.cases.models import Case, StepTask
from govhall.cases.states import CaseState
from govhall.cases.views import is_htmx, staff_page
from govhall.catalog.models import ItemStatus, ServiceItem
from govhall.org.access import scope_of, scope_sites
from govhall.org.models import Site

PAGE_SIZE = 25
MAX_COPIES = 20  # unread copies (抄送) listed above the tasks
FAR = dt.datetime.max.replace(tzinfo=dt.UTC)
WINDOW_WORK = {
    CaseState.PRE_REVIEW: gettext_lazy("网上预审"),
    CaseState.SUBMITTED: gettext_lazy("受理决定"),
    CaseState.SUPPLEMENT_REQUESTED: gettext_lazy("等待补正"),
    CaseState.DECIDED: gettext_lazy("办结"),
    CaseState.CONCLUDED: gettext_lazy("送达"),
}
RELATION_LABELS = {
    "delegate": gettext_lazy("委派"),
    "add_before": gettext_lazy("前加签"),
    "add_after": gettext_lazy("后加签"),
    "transfer": gettext_lazy("转办"),
}
FILTER_STATES = (
    CaseState.PRE_REVIEW, CaseState.SUBMITTED, CaseState.SUPPLEMENT_REQUESTED, CaseState.ACCEPTED,
    CaseState.IN_SUPPLEMENT, CaseState.SUSPENDED, CaseState.DECIDED, CaseState.CONCLUDED,
)  # fmt: skip


@dataclass(frozen=True)
class Filters:
    item: str = ""
    site: str = ""
    state: str = ""

    def case_q(self, prefix: str = "") -> Q:
        q = Q()
        if self.item:
            q &= Q(**{f"{prefix}item__code": self.item})
        if self.site:
            q &= Q(**{f"{prefix}site__code": self.site})
        if self.state:
            q &= Q(**{f"{prefix}state": self.state})
        return q

    def query(self) -> str:
        from urllib.parse import urlencode

        return urlencode({k: v for k, v in vars(self).items() if v})


def _task_qs(user, filters: Filters):
    return (
        selectors.tasks_for(user=user)
        .filter(filters.case_q("case__"))
        .select_related("step", "step__department", "department", "case", "case__item", "case__site")
        .order_by(F("step__due_at").asc(nulls_last=True), "id")
    )


def _case_qs(user, filters: Filters):
    window_q = scopes.window_work_q(user)
    if window_q is None:
        return Case.objects.none()
    due = DbCase(
        When(state=CaseState.PRE_REVIEW, then=F("pre_review_due_at")),
        When(state=CaseState.SUBMITTED, then=F("acceptance_deadline")),
        When(state=CaseState.DECIDED, then=F("promised_due_at")),
        When(state=CaseState.CONCLUDED, then=F("delivery_due_at")),
        default=None,
    )
    return (
        Case.objects.filter(window_q)
        .filter(filters.case_q())
        .select_related("item", "site")
        .annotate(due=due)
        .order_by(F("due").asc(nulls_last=True), "id")
    )


class WorkRows:
    """The merged, due-ordered rows as a sequence a Paginator can slice."""

    def __init__(self, tasks, cases, now: dt.datetime) -> None:
        self.tasks, self.cases, self.now = tasks, cases, now

    def count(self) -> int:
        return self.tasks.count() + self.cases.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list[dict]:
        stop = window.stop
        keyed = [(_key(t.step.due_at), 0, t.pk, t) for t in self.tasks[:stop]]
        keyed += [(_key(c.due), 1, c.pk, c) for c in self.cases[:stop]]
        keyed.sort(key=lambda row: row[:3])
        return [self._row(obj) for *_rest, obj in keyed[window]]

    def _row(self, obj) -> dict:
        return _task_row(obj, self.now) if isinstance(obj, StepTask) else _case_row(obj, self.now)


def _key(due: dt.datetime | None) -> tuple[bool, dt.datetime]:
    return (due is None, due or FAR)


def _task_row(task: StepTask, now: dt.datetime) -> dict:
    step, case = task.step, task.case
    status = present.due_status(step.due_at, step.warn_at, now)
    if step.due_at is None and case.clock_paused_at:
        status = "paused"
    work = step.name
    if task.kind == StepTask.Kind.INSPECT:
        work = _("%(s)s · 现场踏勘") % {"s": step.name}
    elif task.relation in RELATION_LABELS:
        work = f"{step.name} · {RELATION_LABELS[task.relation]}"
    return _row(case, now, kind="task", work=work, due=step.due_at, status=status, task=task)


def _case_row(case: Case, now: dt.datetime) -> dict:
    status = "waiting" if case.state == CaseState.SUPPLEMENT_REQUESTED else "none"
    if case.due is not None:
        warn = case.warn_at if case.state == CaseState.DECIDED else None
        status = present.due_status(case.due, warn, now)
    return _row(
        case, now, kind="window", work=str(WINDOW_WORK.get(case.state, "")), due=case.due, status=status
    )


def _row(case: Case, now: dt.datetime, *, kind: str, work: str, due, status: str, task=None) -> dict:
    return {
        "kind": kind, "case": case, "task": task, "work": work, "due": due, "status": status,
        "status_label": present.status_label(status), "left": present.workdays_between(now, due) if due else None,
        "clocks": present.case_clocks(case, now),
    }  # fmt: skip


# --- filters -----------------------------------------------------------------------------------


def _choices(user):
    """Items and sites to filter by: public facts; township and station staff see their sites only."""
    items = ServiceItem.objects.filter(status=ItemStatus.RETAINED).only("code", "name").order_by("code")
    sites = scope_sites(user) if scope_of(user).local else Site.objects.filter(active=True)
    return list(items), list(sites.only("code", "name").order_by("code"))


def _filters(request: HttpRequest, items, sites) -> tuple[Filters, list[str]]:
    """The GET filters; an unknown value is ignored and named, never an error page."""
    raw = {k: (request.GET.get(k) or "").strip() for k in ("item", "site", "state")}
    known = {
        "item": {i.code for i in items},
        "site": {s.code for s in sites},
        "state": {str(s) for s in FILTER_STATES},
    }
    errors, clean = [], {}
    for key, value in raw.items():
        if value and value not in known[key]:
            errors.append(_("筛选条件“%(v)s”无效，已忽略。") % {"v": value[:40]})
            value = ""
        clean[key] = value
    return Filters(**clean), errors


@staff_page
def workbench(request: HttpRequest) -> HttpResponse:
    user = request.user
    items, sites = _choices(user)
    filters, errors = _filters(request, items, sites)
    now = timezone.now()
    rows = WorkRows(_task_qs(user, filters), _case_qs(user, filters), now)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page, "filters": filters, "errors": errors, "query": filters.query(), "items": items,
        "sites": sites, "states": [(str(s), s.label) for s in FILTER_STATES], "now": now,
        "copies": list(selectors.copies_for(user=user, unread_only=True)[:MAX_COPIES]),
    }  # fmt: skip
    template = "cases/_work_rows.html" if is_htmx(request) else "cases/workbench.html"
    return render(request, template, context)
