"""The case page (/cases/<number>/): facts, clocks, steps and tasks, undertaking, special procedures,
notices, files and the full timeline, with every action the viewer may take as a form.

Forms post with CSRF and work without JavaScript (post → redirect → the page); with htmx the page's
main section is swapped in place. An action that cannot be undone asks for confirmation (hx-confirm
and, without JavaScript, a required box). A refused action (DomainError) is shown in Chinese in the
page and changes nothing. A case outside the viewer's scope is a 404 like an unknown number.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from govhall.cases import actions, present, processing, scopes, selectors, step_ops
from govhall.cases.actions import CASE_ACTIONS, STEP_OPS, Spec
from govhall.cases.files import case_file_attach
from govhall.cases.models import Case, CaseCopy, CaseFile, Notice, StepTask
from govhall.cases.scopes import is_staff
from govhall.cases.states import CaseState, StepState, TaskState
from govhall.core.errors import DomainError, NotFound, PermissionDenied
from govhall.org.access import remember_for_request, scope_staff
from govhall.org.models import Department

OPEN_TASK_STATES = (TaskState.PENDING, TaskState.WAITING)
MAX_CANDIDATES = 300  # people offered in a select; more than this is typed as a username in the API


def is_htmx(request: HttpRequest) -> bool:
    return bool(request.headers.get("HX-Request")) and not request.headers.get("HX-History-Restore-Request")


def error_page(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return render(request, "cases/error.html", {"error": exc}, status=exc.http_status)


def case_user_page(view: Callable) -> Callable:
    """Login required; a refused or hidden object renders a Chinese 403/404 page."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        remember_for_request(request.user)
        try:
            return view(request, *args, **kwargs)
        except (PermissionDenied, NotFound) as exc:
            return error_page(request, exc)

    return wrapper


def staff_page(view: Callable) -> Callable:
    """A page for staff only (the workbench): anyone else gets the Chinese 403 page."""

    @case_user_page
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not is_staff(request.user):
            raise PermissionDenied(_("只有工作人员可以使用办件工作台。"), code="cases.staff_only")
        return view(request, *args, **kwargs)

    return wrapper


# --- the viewer's tasks and what they may do with them ------------------------------------------


def _tasks_for(user):
    return selectors.tasks_for(user=user)


def _return_orders(case: Case, step) -> list[tuple[str, str]]:
    """Earlier processing steps a task of ``step`` may be returned to (退回)."""
    flow = (case.item_version.snapshot or {}).get("flow", [])
    return [
        (str(s["order"]), f"{s['order']}. {s['name']}")
        for s in flow
        if int(s["order"]) < step.flow_order and not (int(s["order"]) == 1 and s.get("role") == "clerk")
    ]


def _branches(case: Case, step) -> list[tuple[str, str]]:
    """Countersign departments of earlier steps: a return may send back one branch of them."""
    flow = (case.item_version.snapshot or {}).get("flow", [])
    codes = [c for s in flow if int(s["order"]) < step.flow_order for c in processing.seat_codes(s)]
    names = dict(Department.objects.filter(code__in=codes).values_list("code", "name")) if codes else {}
    return [(c, names.get(c, c)) for c in dict.fromkeys(codes)]


def _task_ops(task: StepTask, case: Case) -> list[str]:
    if task.kind == StepTask.Kind.INSPECT:
        return ["inspection_report"]
    ops = ["complete", "transfer", "delegate", "add_signers"]
    if _return_orders(case, task.step):
        ops.insert(1, "return")
    return ops


def _touch(case: Case, user, my_tasks: list[StepTask]) -> None:
    """Opening the case is the holder's signature of receipt: unopened tasks are opened (the step
    before can no longer be withdrawn) and copies sent to the viewer are marked read."""
    for task in my_tasks:
        if task.opened_at is None and task.state == TaskState.PENDING:
            _quietly(processing.task_open, task=task, actor=user)
    for copy in CaseCopy.objects.filter(case=case, to_user_id=user.pk, read_at__isnull=True):
        _quietly(step_ops.copy_read, copy=copy, actor=user)


def _quietly(service, **kwargs) -> None:
    # A receipt that cannot be written (a race with another holder) never blocks reading the page.
    try:
        service(**kwargs)
    except DomainError:
        pass


# --- forms --------------------------------------------------------------------------------------


class Options:
    """The choices a page's select offers per field kind, read once per page (people in the
    viewer's scope, departments, the item's materials)."""

    def __init__(self, case: Case, user) -> None:
        self.case, self.user, self.memo = case, user, {}

    def __call__(self, f: actions.Field) -> list[tuple[str, str]]:
        group = {"users": "user", "departments": "department"}.get(f.kind, f.kind)
        if group not in ("user", "department", "materials"):
            return [(str(v), str(label)) for v, label in f.choices]
        if group not in self.memo:
            self.memo[group] = self._read(group)
        return self.memo[group]

    def _read(self, group: str) -> list[tuple[str, str]]:
        if group == "user":
            staff = scope_staff(self.user).filter(active=True).select_related("user", "department")
            return [
                (s.user.username, f"{s.name}（{s.department.name}·{s.get_role_display()}）")
                for s in staff[:MAX_CANDIDATES]
            ]
        if group == "department":
            return [(d.code, d.name) for d in Department.objects.filter(active=True).only("code", "name")]
        return [(m.name, m.name) for m in self.case.item.materials.all()]


def _form(name: str, spec: Spec, *, url: str, options: Options, posted: dict | None, extra=None) -> dict:
    posted = posted or {}
    fields = []
    extra = extra or {}
    for f in spec.fields:
        if f.name in extra and extra[f.name] is None:
            continue  # not offered here (e.g. a branch return without countersign steps before)
        choices = extra.get(f.name) or options(f)
        value = posted.get(f.name, "")
        chosen = set(value) if isinstance(value, list) else {value}
        fields.append({"f": f, "options": choices, "value": value if isinstance(value, str) else "",
                       "chosen": chosen, "id": f"{name}-{f.name}"})  # fmt: skip
    question = _("确认执行“%(a)s”？此操作不可撤销。") % {"a": spec.label}
    return {
        "name": name, "label": spec.label, "url": url, "fields": fields, "confirm": spec.confirm,
        "question": question, "multipart": any(f.kind == "files" for f in spec.fields), "open": bool(posted),
    }  # fmt: skip


class PageForms:
    """The forms of one case page: the case actions, the viewer's task operations, and the failed
    form (if any) reopened with what was posted."""

    def __init__(self, case: Case, user, *, failed: str = "", posted: dict | None = None) -> None:
        self.case, self.user, self.failed, self.posted = case, user, failed, posted or {}
        self.options = Options(case, user)

    def _make(self, name: str, spec: Spec, url: str, key: str, extra=None) -> dict:
        posted = self.posted if self.failed == key else None
        return _form(name, spec, url=url, options=self.options, posted=posted, extra=extra)

    def case_actions(self, allowed: list[str]) -> list[dict]:
        number = self.case.number
        return [
            self._make(name, CASE_ACTIONS[name], reverse("cases:action", args=[number, name]), name)
            for name in allowed
            if name in CASE_ACTIONS
        ]

    def case_ops(self, my_tasks: list[StepTask]) -> list[dict]:
        """Copy (抄送) and site inspection (现场踏勘), for staff holding one of the case's tasks."""
        if self.case.state != CaseState.ACCEPTED or not my_tasks:
            return []
        number = self.case.number
        return [
            self._make(op, STEP_OPS[op], reverse("cases:action", args=[number, op]), op)
            for op in ("copy", "inspection_add")
        ]

    def task_op(self, task: StepTask, op: str, extra=None) -> dict:
        url = reverse("cases:task_action", args=[self.case.number, task.pk, op])
        return self._make(f"t{task.pk}-{op}", STEP_OPS[op], url, f"{task.pk}:{op}", extra)

    def task_ops(self, my_tasks: list[StepTask], steps: list[dict]) -> dict[int, list[dict]]:
        """{task id: forms}: the viewer's own tasks, and urge / remove / withdraw on others."""
        forms: dict[int, list[dict]] = {}
        for task in my_tasks:
            extra = {
                "to_flow_order": _return_orders(self.case, task.step),
                "branch_department": _branches(self.case, task.step) or None,
            }
            forms[task.pk] = [self.task_op(task, op, extra) for op in _task_ops(task, self.case)]
        if not is_staff(self.user) or self.case.state != CaseState.ACCEPTED:
            return forms
        mine, my_steps = {t.pk for t in my_tasks}, {t.step_id for t in my_tasks}
        active_round = max((r["step"].round for r in steps if r["step"].state == StepState.ACTIVE), default=0)
        for row in steps:
            step = row["step"]
            for t in (r["task"] for r in row["tasks"]):
                ops = []
                if step.state == StepState.ACTIVE and t.pk not in mine and t.state in OPEN_TASK_STATES:
                    ops.append("urge")
                    if t.relation in ("add_before", "add_after") and step.pk in my_steps:
                        ops.append("remove_signer")
                # 撤回: the signer of the round just before the running one (the engine checks that
                # the running round is still untouched).
                signed = t.done_by_id == self.user.pk and t.state == TaskState.DONE and t.opinion == "approve"
                if step.state == StepState.PASSED and step.round == active_round - 1 and signed:
                    ops.append("withdraw_step")
                if ops:
                    forms.setdefault(t.pk, []).extend(self.task_op(t, op) for op in ops)
        return forms


# --- the page -----------------------------------------------------------------------------------


def _related(case: Case) -> dict:
    return {
        "undertaking": getattr(case, "undertaking", None) if hasattr(case, "undertaking") else None,
        "specials": list(case.special_procedures.select_related("started_by").order_by("started_at")),
        "extension": getattr(case, "extension", None) if hasattr(case, "extension") else None,
        "notices": list(Notice.objects.filter(case=case).order_by("issued_at", "id")),
        "seal_uses": list(case.seal_uses.select_related("staff", "department", "notice").order_by("used_at")),
        "files": list(CaseFile.objects.filter(case=case).order_by("uploaded_at", "id")),
        "copies": list(case.copies.select_related("to_user").order_by("sent_at")),
    }


def case_context(
    request: HttpRequest, case: Case, *, failed: str = "", posted=None, error=None, done=""
) -> dict:
    user, now = request.user, timezone.now()
    staff = is_staff(user)
    my_tasks = list(_tasks_for(user).filter(case=case).select_related("step"))
    steps = present.case_steps(case, now=now, viewer_is_staff=staff)
    forms = PageForms(case, user, failed=failed, posted=posted)
    task_forms = forms.task_ops(my_tasks, steps)
    for row in steps:
        for task_row in row["tasks"]:
            task_row["forms"] = task_forms.get(task_row["task"].pk, [])
    return {
        "case": case, "now": now, "viewer_is_staff": staff, "clocks": present.case_clocks(case, now),
        "form_rows": present.form_rows(case.form_data),
        "steps": steps, "my_task_ids": {t.pk for t in my_tasks},
        "forms": forms.case_actions(present.case_allowed(case, user)),
        "case_ops": forms.case_ops(my_tasks) if staff else [],
        "timeline": present.case_timeline(case, viewer_is_staff=staff),
        "error": error, "done": done, **_related(case),
    }  # fmt: skip


@case_user_page
def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    case = scopes.case_visible(user=request.user, number=number)
    if is_staff(request.user):
        _touch(case, request.user, list(_tasks_for(request.user).filter(case=case)))
        case = scopes.case_visible(user=request.user, number=number)
    return render(request, "cases/case.html", case_context(request, case))


# --- actions ------------------------------------------------------------------------------------


def _posted(request: HttpRequest, spec: Spec) -> dict:
    data = {"confirm": request.POST.get("confirm", "")}
    for f in spec.fields:
        if f.kind != "files":
            data[f.name] = request.POST.getlist(f.name) if f.many else request.POST.get(f.name, "")
    return data


def _respond(
    request: HttpRequest, number: str, *, failed: str, posted: dict, error=None, done=""
) -> HttpResponse:
    """After an action: the page section (htmx) or the page (no JavaScript: redirect on success)."""
    try:
        case = scopes.case_visible(user=request.user, number=number)
    except NotFound:
        # The action took the case out of the viewer's scope (a transfer to another department).
        messages.success(request, done)
        if is_htmx(request):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = reverse("cases:workbench")
            return response
        return redirect("cases:workbench")
    if error is None and not is_htmx(request):
        messages.success(request, done)
        return redirect("cases:detail", number=case.number)
    context = case_context(request, case, failed=failed, posted=posted, error=error, done=done)
    if is_htmx(request):
        return render(request, "cases/_case_main.html", context)  # 200: htmx swaps only 2xx
    return render(request, "cases/case.html", context, status=error.http_status)


def _run(request: HttpRequest, number: str, *, failed: str, spec: Spec, call) -> HttpResponse:
    posted = _posted(request, spec)
    try:
        actions.check_confirmed(spec, posted)
        call(posted)
    except DomainError as exc:
        return _respond(request, number, failed=failed, posted=posted, error=exc)
    return _respond(request, number, failed=failed, posted={}, done=_("已完成：%(a)s。") % {"a": spec.label})


@case_user_page
@require_POST
def case_action(request: HttpRequest, number: str, action: str) -> HttpResponse:
    case = scopes.case_visible(user=request.user, number=number)
    spec = CASE_ACTIONS.get(action) or actions.CASE_STEP_OPS.get(action)
    if spec is None:
        raise actions.unknown_action(action, [*CASE_ACTIONS, *actions.CASE_STEP_OPS])

    def call(data):
        actions.case_action_run(case=case, action=action, data=data, actor=request.user)

    return _run(request, number, failed=action, spec=spec, call=call)


def _photos(request: HttpRequest, task: StepTask) -> list[CaseFile]:
    """Photos uploaded with an inspection report, saved first (files.case_file_attach checks type,
    size and name); the report then links them to the task."""
    return [
        case_file_attach(
            case=task.case, task=task, kind=CaseFile.Kind.PHOTO, upload=upload, actor=request.user
        )
        for upload in request.FILES.getlist("photos")
    ]


@case_user_page
@require_POST
def task_action(request: HttpRequest, number: str, task_id: int, op: str) -> HttpResponse:
    case = scopes.case_visible(user=request.user, number=number)
    task = StepTask.objects.select_related("step", "case").filter(case=case, pk=task_id).first()
    spec = STEP_OPS.get(op)
    if task is None or spec is None:
        raise NotFound(_("办理任务不存在。"), code="cases.task_not_found")

    def call(data):
        if spec.target == "task" and any(f.kind == "files" for f in spec.fields):
            data["photos"] = _photos(request, task)
        actions.task_op_run(task=task, op=op, data=data, actor=request.user)

    return _run(request, number, failed=f"{task.pk}:{op}", spec=spec, call=call)


# --- downloads ----------------------------------------------------------------------------------


@case_user_page
def notice_download(request: HttpRequest, number: str, notice_number: str) -> HttpResponse:
    """A notice of a case the viewer may see (staff in scope, the applicant, the agent)."""
    case = scopes.case_visible(user=request.user, number=number)
    return present.notice_pdf_response(present.notice_of(case, notice_number), public=False)


@case_user_page
def file_download(request: HttpRequest, number: str, file_id: int) -> HttpResponse:
    case = scopes.case_visible(user=request.user, number=number)
    row = CaseFile.objects.filter(case=case, pk=file_id).first()
    if row is None:
        raise NotFound(_("文件不存在。"), code="cases.file_not_found")
    response = FileResponse(row.file.open("rb"), content_type=row.content_type, filename=row.name)
    response["Cache-Control"] = "private, no-store"
    return response
